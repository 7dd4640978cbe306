resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"
}

resource "azurerm_monitor_diagnostic_setting" "audit" {
  name                       = "audit"
  target_resource_id         = azurerm_kubernetes_cluster.k.id
  log_analytics_workspace_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w"

  enabled_log {
    category = "kube-audit-admin"
  }
}
