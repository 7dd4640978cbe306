resource "google_container_node_pool" "legacy" {
  name    = "legacy"
  cluster = "projects/p/locations/l/clusters/c"

  node_config {
    metadata = {
      disable-legacy-endpoints = "false" # expect: META004
    }
  }
}
