resource "google_container_cluster" "none" {
  name            = "none"
  location        = "europe-west1"
  logging_service = "none" # expect: AUD001
}

resource "google_container_cluster" "workloads_only" {
  name     = "workloads-only"
  location = "europe-west1"

  logging_config {
    enable_components = ["WORKLOADS"] # expect: AUD001
  }
}
