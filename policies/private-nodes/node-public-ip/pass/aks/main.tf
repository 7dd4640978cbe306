resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  default_node_pool {
    name    = "system"
    vm_size = "Standard_D2s_v5"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                   = "user"
  kubernetes_cluster_id  = azurerm_kubernetes_cluster.k.id
  vm_size                = "Standard_D2s_v5"
  node_public_ip_enabled = false
}
