resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  addon_profile {
    kube_dashboard {
      enabled = false
    }
  }
}

resource "azurerm_kubernetes_cluster" "modern" {
  name                = "modern"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "m"
}
