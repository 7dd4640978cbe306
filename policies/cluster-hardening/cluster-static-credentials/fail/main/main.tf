resource "google_container_cluster" "g" {
  name     = "g"
  location = "europe-west1"

  master_auth {
    username = "admin" # expect: CLH102
    password = "correct-horse-battery-staple"

    client_certificate_config {
      issue_client_certificate = true # expect: CLH102
    }
  }
}

# local_account_disabled defaults to false: the static admin account stays.
resource "azurerm_kubernetes_cluster" "k" { # expect: CLH102
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"
}
