# GKE: a private_cluster_config block without a private endpoint, no authorized networks.
resource "google_container_cluster" "open" { # expect: API001
  name     = "open"
  location = "europe-west1"

  private_cluster_config {
    enable_private_nodes = true
  }
}

resource "google_container_cluster" "world_network" {
  name     = "world-network"
  location = "europe-west1"

  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = "0.0.0.0/0" # expect: API001
      display_name = "everyone"
    }
  }
}

# AKS: "authorized" ranges that authorize everyone.
resource "azurerm_kubernetes_cluster" "world_range" {
  name                = "world-range"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "wr"

  api_server_access_profile {
    authorized_ip_ranges = ["84.17.33.0/24", "0.0.0.0/0"] # expect: API001
  }
}

resource "azurerm_kubernetes_cluster" "no_ranges" { # expect: API001
  name                = "no-ranges"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "nr"
}
