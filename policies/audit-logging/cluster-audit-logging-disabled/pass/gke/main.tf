resource "google_container_cluster" "defaulted" {
  name     = "defaulted"
  location = "europe-west1"
}

resource "google_container_cluster" "explicit" {
  name     = "explicit"
  location = "europe-west1"

  logging_config {
    enable_components = ["SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS"]
  }
}
