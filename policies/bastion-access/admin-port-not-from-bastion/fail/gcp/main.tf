resource "google_container_cluster" "prod" {
  name     = "prod"
  location = "europe-west1"

  node_config {
    tags = ["prod-nodes"]
  }
}

resource "google_compute_firewall" "ssh_from_vpc" {
  name          = "ssh-from-vpc"
  network       = "prod"
  source_ranges = ["10.0.0.0/8"] # expect: BAS002
  target_tags   = ["prod-nodes"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

# No target tags: the rule reaches every instance in the network, the nodes included.
resource "google_compute_firewall" "rdp_from_ci" {
  name        = "rdp-from-ci"
  network     = "prod"
  source_tags = ["ci-runner"] # expect: BAS002

  allow {
    protocol = "tcp"
    ports    = ["3389"]
  }
}
