resource "google_container_cluster" "g" {
  name     = "g"
  location = "europe-west1"

  network_policy {
    enabled = false # expect: NETP101
  }
}

resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  network_profile { # expect: NETP101
    network_plugin = "azure"
  }
}
