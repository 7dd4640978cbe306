# No source at all: GCP applies the rule to 0.0.0.0/0.
resource "google_compute_firewall" "ssh_default_source" { # expect: BAS001
  name    = "ssh-default-source"
  network = "default"

  allow {
    protocol = "tcp"
    ports    = ["22", "3389"]
  }
}

resource "google_compute_firewall" "all_tcp" {
  name          = "all-tcp"
  network       = "default"
  source_ranges = ["10.0.0.0/8", "0.0.0.0/0"] # expect: BAS001

  allow {
    protocol = "tcp"
  }
}
