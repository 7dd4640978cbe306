resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  api_server_access_profile {
    # Inside the approved /20, then a home address nobody approved.
    authorized_ip_ranges = [
      "84.17.33.4/32",
      "91.64.12.7/32", # expect: API002
    ]
  }
}
