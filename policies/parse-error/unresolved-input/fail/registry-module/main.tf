module "vpc" { # expect: PARSE003
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}

resource "aws_eks_cluster" "main" {
  name     = "demo"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids = module.vpc.private_subnets
  }
}
