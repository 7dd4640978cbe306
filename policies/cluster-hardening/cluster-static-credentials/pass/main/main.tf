resource "google_container_cluster" "g" {
  name     = "g"
  location = "europe-west1"

  master_auth {
    client_certificate_config {
      issue_client_certificate = false
    }
  }
}

resource "azurerm_kubernetes_cluster" "k" {
  name                   = "k"
  location               = "westeurope"
  resource_group_name    = "rg"
  dns_prefix             = "k"
  local_account_disabled = true

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
  }
}
