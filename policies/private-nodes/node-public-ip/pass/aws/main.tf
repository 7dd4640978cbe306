resource "aws_launch_template" "nodes" {
  name_prefix = "nodes-"

  network_interfaces {
    associate_public_ip_address = false
  }
}

resource "aws_eks_node_group" "ng" {
  cluster_name    = "prod"
  node_group_name = "ng"
  node_role_arn   = "arn:aws:iam::123456789012:role/node"
  subnet_ids      = ["subnet-1"]

  launch_template {
    id      = aws_launch_template.nodes.id
    version = "$Latest"
  }

  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}

# Not a node: a public web server is not this policy's business.
resource "aws_instance" "web" {
  ami                         = "ami-123"
  instance_type               = "t3.micro"
  associate_public_ip_address = true
}
