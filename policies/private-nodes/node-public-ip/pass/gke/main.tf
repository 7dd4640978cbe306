resource "google_container_cluster" "private" {
  name     = "private"
  location = "europe-west1"

  private_cluster_config {
    enable_private_nodes    = true
    master_ipv4_cidr_block  = "172.16.0.0/28"
  }
}

resource "google_container_node_pool" "pool" {
  name    = "pool"
  cluster = google_container_cluster.private.id
}
