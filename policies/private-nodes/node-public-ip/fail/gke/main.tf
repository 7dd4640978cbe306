# The block exists but does not make the nodes private.
resource "google_container_cluster" "half_private" {
  name     = "half-private"
  location = "europe-west1"

  private_cluster_config { # expect: PN002
    enable_private_endpoint = false
  }
}

resource "google_container_cluster" "private" {
  name     = "private"
  location = "europe-west1"

  private_cluster_config {
    enable_private_nodes = true
  }
}

resource "google_container_node_pool" "public_pool" {
  name    = "public-pool"
  cluster = google_container_cluster.private.id

  network_config {
    enable_private_nodes = false # expect: PN002
  }
}
