resource "aws_security_group" "nodes" {
  name   = "nodes"
  vpc_id = "vpc-1"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"] # expect: BAS001
  }

  # All traffic from anywhere covers RDP and the kubelet too.
  ingress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    ipv6_cidr_blocks = ["::/0"] # expect: BAS001
  }
}

resource "aws_security_group_rule" "kubelet" {
  type              = "ingress"
  from_port         = 10000
  to_port           = 11000
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"] # expect: BAS001
  security_group_id = aws_security_group.nodes.id
}

resource "aws_vpc_security_group_ingress_rule" "rdp" {
  security_group_id = aws_security_group.nodes.id
  ip_protocol       = "tcp"
  from_port         = 3389
  to_port           = 3389
  cidr_ipv4         = "0.0.0.0/0" # expect: BAS001
}

resource "aws_eks_node_group" "ssh" {
  cluster_name    = "prod"
  node_group_name = "ssh"
  node_role_arn   = "arn:aws:iam::123456789012:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }

  remote_access { # expect: BAS001
    ec2_ssh_key = "ops"
  }
}
