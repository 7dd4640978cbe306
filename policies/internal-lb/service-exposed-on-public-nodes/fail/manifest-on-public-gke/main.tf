resource "google_container_cluster" "shop" {
  name     = "shop"
  location = "europe-west1"
  private_cluster_config {
    enable_private_endpoint = false
  }
}
