resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  default_node_pool {
    name                   = "system"
    vm_size                = "Standard_D2s_v5"
    node_public_ip_enabled = true # expect: PN002
  }
}

# Separate node pools count too (Checkov CKV_AZURE_143 only looks at default_node_pool).
resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = "user"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.k.id
  vm_size               = "Standard_D2s_v5"
  enable_node_public_ip = true # expect: PN002
}
