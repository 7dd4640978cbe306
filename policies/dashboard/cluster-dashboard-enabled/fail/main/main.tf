resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  addon_profile {
    kube_dashboard {
      enabled = true # expect: DASH101
    }
  }
}

resource "google_container_cluster" "g" {
  name     = "g"
  location = "europe-west1"

  addons_config {
    kubernetes_dashboard {
      disabled = false # expect: DASH101
    }
  }
}
