# IAP TCP forwarding is Google's managed bastion path.
resource "google_compute_firewall" "iap_ssh" {
  name          = "iap-ssh"
  network       = "default"
  source_ranges = ["35.235.240.0/20"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

resource "google_compute_firewall" "bastion_ssh" {
  name          = "bastion-ssh"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  target_tags   = ["bastion"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

resource "google_compute_firewall" "web" {
  name          = "web"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]

  allow {
    protocol = "tcp"
    ports    = ["80", "443"]
  }
}

resource "google_compute_firewall" "internal_ssh" {
  name        = "internal-ssh"
  network     = "default"
  source_tags = ["ops"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}
