# The default pool is removed; the only pool turns on private nodes itself, so the cluster's
# missing private_cluster_config reaches no node.
resource "google_container_cluster" "shop" {
  name                     = "shop"
  location                 = "europe-west1"
  remove_default_node_pool = true
  initial_node_count       = 1
}

resource "google_container_node_pool" "workers" {
  name    = "workers"
  cluster = google_container_cluster.shop.id
  network_config {
    enable_private_nodes = true
  }
}
