# No workload identity: node pools default to GCE_METADATA.
resource "google_container_cluster" "plain" {
  name                     = "plain"
  location                 = "europe-west1"
  remove_default_node_pool = true
  initial_node_count       = 1
}

resource "google_container_node_pool" "inherits" { # expect: META003
  name    = "inherits"
  cluster = google_container_cluster.plain.id
}

resource "google_container_cluster" "wi" {
  name     = "wi"
  location = "europe-west1"

  workload_identity_config {
    workload_pool = "my-project.svc.id.goog"
  }

  node_config {
    workload_metadata_config {
      mode = "GCE_METADATA" # expect: META003
    }
  }
}
