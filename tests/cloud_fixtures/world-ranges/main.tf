# Two halves of the internet are the whole internet; one half is overly broad.
resource "aws_eks_cluster" "split" {
  name     = "split"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids          = ["subnet-1"]
    public_access_cidrs = ["0.0.0.0/1", "128.0.0.0/1"]
  }
}

resource "aws_eks_cluster" "half" {
  name     = "half"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids          = ["subnet-1"]
    public_access_cidrs = ["0.0.0.0/1"]
  }
}

resource "aws_eks_cluster" "office" {
  name     = "office"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids          = ["subnet-1"]
    public_access_cidrs = ["203.0.113.0/24", "10.0.0.0/8"]
  }
}
