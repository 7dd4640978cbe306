resource "google_container_cluster" "calico" {
  name     = "calico"
  location = "europe-west1"

  network_policy {
    enabled = true
  }
}

resource "google_container_cluster" "dpv2" {
  name              = "dpv2"
  location          = "europe-west1"
  datapath_provider = "ADVANCED_DATAPATH"
}

resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  network_profile {
    network_plugin = "azure"
    network_policy = "azure"
  }
}
