# The default pool is removed; the only pool gives its nodes public addresses.
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
    enable_private_nodes = false
  }
}
