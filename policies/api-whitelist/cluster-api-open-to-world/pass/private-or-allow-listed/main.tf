resource "aws_eks_cluster" "private" {
  name     = "private"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    endpoint_private_access = true
    endpoint_public_access  = false
    subnet_ids              = ["subnet-1"]
  }
}

resource "aws_eks_cluster" "office_only" {
  name     = "office-only"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    public_access_cidrs = ["84.17.33.4/32", "91.198.174.0/24"]
    subnet_ids          = ["subnet-1"]
  }
}

resource "google_container_cluster" "private_endpoint" {
  name     = "private-endpoint"
  location = "europe-west1"

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = true
  }
}

resource "google_container_cluster" "authorized" {
  name     = "authorized"
  location = "europe-west1"

  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = "84.17.33.0/24"
      display_name = "office"
    }
  }
}

resource "azurerm_kubernetes_cluster" "private" {
  name                    = "private"
  location                = "westeurope"
  resource_group_name     = "rg"
  dns_prefix              = "p"
  private_cluster_enabled = true
}

resource "azurerm_kubernetes_cluster" "legacy_ranges" {
  name                            = "legacy-ranges"
  location                        = "westeurope"
  resource_group_name             = "rg"
  dns_prefix                      = "l"
  api_server_authorized_ip_ranges = ["84.17.33.4/32"]
}
