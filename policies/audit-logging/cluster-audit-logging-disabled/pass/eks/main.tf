resource "aws_eks_cluster" "audited" {
  name                      = "audited"
  role_arn                  = "arn:aws:iam::123456789012:role/eks"
  enabled_cluster_log_types = ["api", "audit", "authenticator"]

  vpc_config {
    subnet_ids = ["subnet-1"]
  }
}
