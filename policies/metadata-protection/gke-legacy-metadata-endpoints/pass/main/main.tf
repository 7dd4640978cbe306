resource "google_container_node_pool" "modern" {
  name    = "modern"
  cluster = "projects/p/locations/l/clusters/c"

  node_config {
    metadata = {
      disable-legacy-endpoints = "true"
    }
  }
}

resource "google_container_cluster" "defaulted" {
  name     = "defaulted"
  location = "europe-west1"
}
