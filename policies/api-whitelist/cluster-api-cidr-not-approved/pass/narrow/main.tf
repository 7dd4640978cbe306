# Office /32s and a private range pass without an approved list; a private endpoint has no list.
resource "aws_eks_cluster" "office" {
  name     = "office"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    public_access_cidrs = ["84.17.33.4/32", "91.198.174.0/24", "10.0.0.0/8"]
    subnet_ids          = ["subnet-1"]
  }
}

resource "aws_eks_cluster" "private" {
  name     = "private"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    endpoint_public_access = false
    public_access_cidrs    = ["0.0.0.0/1"]
    subnet_ids             = ["subnet-1"]
  }
}
