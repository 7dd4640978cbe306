resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  api_server_access_profile {
    authorized_ip_ranges = ["84.17.33.4/32", "84.17.40.0/24", "10.20.0.0/16"]
  }
}
