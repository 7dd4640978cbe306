resource "google_container_cluster" "prod" {
  name     = "prod"
  location = "europe-west1"

  node_config {
    tags = ["prod-nodes"]
  }
}

resource "google_compute_subnetwork" "mgmt" {
  name          = "mgmt"
  network       = "prod"
  ip_cidr_range = "10.10.0.0/28"
}

resource "google_compute_instance" "jump" {
  name         = "jump"
  machine_type = "e2-micro"
  zone         = "europe-west1-b"
  tags         = ["bastion"]

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
    }
  }

  network_interface {
    subnetwork = google_compute_subnetwork.mgmt.id
  }
}

resource "google_compute_firewall" "iap_to_nodes" {
  name          = "iap-to-nodes"
  network       = "prod"
  source_ranges = ["35.235.240.0/20"]
  target_tags   = ["prod-nodes"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

resource "google_compute_firewall" "bastion_to_nodes" {
  name          = "jump-to-nodes"
  network       = "prod"
  source_ranges = ["10.10.0.0/28"]
  source_tags   = ["bastion"]
  target_tags   = ["prod-nodes"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

# Not the nodes: a database VM tag.
resource "google_compute_firewall" "db_ssh" {
  name          = "db-ssh"
  network       = "prod"
  source_ranges = ["10.0.0.0/8"]
  target_tags   = ["postgres"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
