# Half the internet is not an allow-list even though it is not the literal 0.0.0.0/0.
resource "aws_eks_cluster" "half" {
  name     = "half"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    public_access_cidrs = ["0.0.0.0/1", "128.0.0.0/1"] # expect: API002
    subnet_ids          = ["subnet-1"]
  }
}

resource "google_container_cluster" "cloud" {
  name     = "cloud"
  location = "europe-west1"

  master_authorized_networks_config {
    gcp_public_cidrs_access_enabled = true # expect: API002
    cidr_blocks {
      cidr_block = "52.0.0.0/8" # expect: API002
    }
  }
}
