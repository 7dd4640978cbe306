resource "aws_subnet" "mgmt" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.250.0/24"
}

resource "aws_security_group" "jump" {
  name   = "jump"
  vpc_id = "vpc-1"
}

resource "aws_instance" "jump" {
  ami                    = "ami-123"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.mgmt.id
  vpc_security_group_ids = [aws_security_group.jump.id]

  tags = {
    Name = "ops-bastion"
  }
}

resource "aws_security_group" "cluster" {
  name   = "control-plane"
  vpc_id = "vpc-1"
}

resource "aws_eks_cluster" "prod" {
  name     = "prod"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    endpoint_public_access = false
    subnet_ids             = ["subnet-1"]
    security_group_ids     = [aws_security_group.cluster.id]
  }
}

resource "aws_security_group" "nodes" {
  name   = "eks-nodes"
  vpc_id = "vpc-1"

  ingress {
    from_port       = 22
    to_port         = 22
    protocol        = "tcp"
    security_groups = [aws_security_group.jump.id]
  }

  # From inside the bastion's subnet.
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["10.0.250.0/28"]
  }

  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
}

# The control plane talks to the nodes on every port.
resource "aws_security_group_rule" "from_control_plane" {
  type                     = "ingress"
  from_port                = 0
  to_port                  = 65535
  protocol                 = "tcp"
  security_group_id        = aws_security_group.nodes.id
  source_security_group_id = aws_security_group.cluster.id
}

resource "aws_eks_node_group" "remote" {
  cluster_name    = "prod"
  node_group_name = "remote"
  node_role_arn   = "arn:aws:iam::123456789012:role/node"
  subnet_ids      = ["subnet-1"]

  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }

  remote_access {
    ec2_ssh_key               = "ops"
    source_security_group_ids = [aws_security_group.jump.id]
  }
}
