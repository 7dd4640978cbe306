# An inline pool without its own network_config takes the cluster default (public).
resource "google_container_cluster" "inline_mixed" { # expect: PN002
  name     = "inline-mixed"
  location = "europe-west1"

  node_pool {
    name = "private"
    network_config {
      enable_private_nodes = true
    }
  }
  node_pool {
    name = "inherits"
  }
}

# Without a pool of it in the scan, the cluster default is what pools made elsewhere get.
resource "google_container_cluster" "pools_elsewhere" { # expect: PN002
  name                     = "pools-elsewhere"
  location                 = "europe-west1"
  remove_default_node_pool = true
  initial_node_count       = 1
}
