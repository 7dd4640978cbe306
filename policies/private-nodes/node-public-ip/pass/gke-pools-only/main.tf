# No default pool and the only pool in the scan makes its own nodes private: the cluster-level
# default reaches no node.
resource "google_container_cluster" "pools_only" {
  name                     = "pools-only"
  location                 = "europe-west1"
  remove_default_node_pool = true
  initial_node_count       = 1
}

resource "google_container_node_pool" "private" {
  name    = "private"
  cluster = google_container_cluster.pools_only.id

  network_config {
    enable_private_nodes = true
  }
}

# Inline node pools replace the default pool.
resource "google_container_cluster" "inline_private" {
  name     = "inline-private"
  location = "europe-west1"

  node_pool {
    name = "a"
    network_config {
      enable_private_nodes = true
    }
  }
}
