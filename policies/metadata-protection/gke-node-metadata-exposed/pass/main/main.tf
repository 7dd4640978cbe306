resource "google_container_cluster" "wi" {
  name                     = "wi"
  location                 = "europe-west1"
  remove_default_node_pool = true
  initial_node_count       = 1

  workload_identity_config {
    workload_pool = "my-project.svc.id.goog"
  }
}

resource "google_container_node_pool" "defaulted" {
  name    = "defaulted"
  cluster = google_container_cluster.wi.id
}

resource "google_container_node_pool" "explicit" {
  name    = "explicit"
  cluster = google_container_cluster.wi.id

  node_config {
    workload_metadata_config {
      mode = "GKE_METADATA"
    }
  }
}

resource "google_container_cluster" "autopilot" {
  name             = "autopilot"
  location         = "europe-west1"
  enable_autopilot = true
}
