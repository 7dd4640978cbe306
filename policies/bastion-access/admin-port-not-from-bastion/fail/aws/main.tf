resource "aws_security_group" "bastion" {
  name   = "bastion"
  vpc_id = "vpc-1"
}

resource "aws_security_group" "ci" {
  name   = "ci-runners"
  vpc_id = "vpc-1"
}

resource "aws_launch_template" "nodes" {
  name_prefix            = "nodes-"
  vpc_security_group_ids = [aws_security_group.nodes.id]
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

# Not world-open, but not the bastion either: the whole VPC and the CI runners.
resource "aws_security_group" "nodes" {
  name   = "cluster-members"
  vpc_id = "vpc-1"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"] # expect: BAS002
  }
}

resource "aws_security_group_rule" "ssh_from_ci" {
  type                     = "ingress"
  from_port                = 22
  to_port                  = 22
  protocol                 = "tcp"
  security_group_id        = aws_security_group.nodes.id
  source_security_group_id = aws_security_group.ci.id # expect: BAS002
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
    source_security_group_ids = [aws_security_group.ci.id] # expect: BAS002
  }
}
