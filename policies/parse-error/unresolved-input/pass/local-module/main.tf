module "net" {
  source = "./modules/net"
  cidr   = "10.0.0.0/16"
}

resource "aws_eks_cluster" "main" {
  name     = "demo"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids = [module.net.vpc_id]
  }
}
