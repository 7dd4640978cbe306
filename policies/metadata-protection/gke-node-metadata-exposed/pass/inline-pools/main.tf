# Inline node pools replace the default pool: only their own settings matter.
resource "google_container_cluster" "inline" {
  name     = "inline"
  location = "europe-west1"

  node_pool {
    name = "a"
    node_config {
      workload_metadata_config {
        mode = "GKE_METADATA"
      }
    }
  }
}
