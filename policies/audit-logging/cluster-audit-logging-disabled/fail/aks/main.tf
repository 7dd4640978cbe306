resource "azurerm_kubernetes_cluster" "k" { # expect: AUD001
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  oms_agent {
    log_analytics_workspace_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w"
  }
}
