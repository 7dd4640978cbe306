# Self-managed Kubernetes nodes: user data that joins a cluster (kubeadm, k3s, RKE2).
resource "aws_instance" "kubeadm_worker" {
  ami                         = "ami-123"
  instance_type               = "m5.large"
  associate_public_ip_address = true # expect: PN002
  user_data                   = <<-EOT
    #!/bin/bash
    kubeadm join 10.0.0.10:6443 --token abc.def --discovery-token-ca-cert-hash sha256:00
  EOT
}

resource "aws_instance" "k3s_agent" {
  ami                         = "ami-123"
  instance_type               = "t3.medium"
  associate_public_ip_address = true # expect: PN002
  user_data                   = "curl -sfL https://get.k3s.io | K3S_URL=https://10.0.0.10:6443 sh -"
}

resource "aws_launch_template" "rke2" {
  name      = "rke2-agents"
  user_data = base64encode("curl -sfL https://get.rke2.io | INSTALL_RKE2_TYPE=agent sh -")
  network_interfaces {
    associate_public_ip_address = true # expect: PN002
  }
}
