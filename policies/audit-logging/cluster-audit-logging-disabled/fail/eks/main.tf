variable "log_types" {
  type    = list(string)
  default = ["api", "authenticator"]
}

# No enabled_cluster_log_types: EKS ships no control-plane logs.
resource "aws_eks_cluster" "silent" { # expect: AUD001
  name     = "silent"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids = ["subnet-1"]
  }
}

resource "aws_eks_cluster" "no_audit" {
  name                      = "no-audit"
  role_arn                  = "arn:aws:iam::123456789012:role/eks"
  enabled_cluster_log_types = var.log_types # expect: AUD001

  vpc_config {
    subnet_ids = ["subnet-1"]
  }
}
