# Instances that are not Kubernetes nodes: a bastion and a web VM may have public addresses
# (other policies judge what they expose).
resource "aws_instance" "bastion" {
  ami                         = "ami-123"
  instance_type               = "t3.micro"
  associate_public_ip_address = true
  tags                        = { Name = "bastion" }
}

resource "aws_instance" "web" {
  ami                         = "ami-123"
  instance_type               = "t3.small"
  associate_public_ip_address = true
  user_data                   = "#!/bin/bash\nyum install -y nginx && systemctl start nginx"
}
