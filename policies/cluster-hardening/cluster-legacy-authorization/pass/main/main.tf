resource "google_container_cluster" "g" {
  name               = "g"
  location           = "europe-west1"
  enable_legacy_abac = false
}

resource "azurerm_kubernetes_cluster" "defaulted" {
  name                = "defaulted"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "d"
}
