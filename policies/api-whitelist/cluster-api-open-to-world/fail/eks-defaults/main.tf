variable "public_cidrs" {
  type    = list(string)
  default = ["0.0.0.0/0"]
}

# No endpoint settings at all: the provider defaults make the API public to the world.
resource "aws_eks_cluster" "defaults" {
  name     = "defaults"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config { # expect: API001
    subnet_ids = ["subnet-1", "subnet-2"]
  }
}

resource "aws_eks_cluster" "from_variable" {
  name     = "from-variable"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    endpoint_private_access = true
    public_access_cidrs     = var.public_cidrs # expect: API001
    subnet_ids              = ["subnet-1", "subnet-2"]
  }
}
