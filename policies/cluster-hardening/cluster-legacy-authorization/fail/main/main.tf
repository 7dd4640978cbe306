resource "google_container_cluster" "g" {
  name               = "g"
  location           = "europe-west1"
  enable_legacy_abac = true # expect: CLH101
}

resource "azurerm_kubernetes_cluster" "old" {
  name                = "old"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "o"

  role_based_access_control {
    enabled = false # expect: CLH101
  }
}

resource "azurerm_kubernetes_cluster" "new" {
  name                              = "new"
  location                          = "westeurope"
  resource_group_name               = "rg"
  dns_prefix                        = "n"
  role_based_access_control_enabled = false # expect: CLH101
}
