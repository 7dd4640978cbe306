resource "aws_eks_cluster" "encrypted" {
  name     = "encrypted"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids = ["subnet-1"]
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = "arn:aws:kms:eu-west-1:123456789012:key/abc"
    }
  }
}

resource "google_container_cluster" "g" {
  name     = "g"
  location = "europe-west1"

  database_encryption {
    state    = "ENCRYPTED"
    key_name = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"
  }
}

resource "azurerm_kubernetes_cluster" "k" {
  name                = "k"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "k"

  key_management_service {
    key_vault_key_id = "https://vault.vault.azure.net/keys/etcd/0123456789abcdef"
  }
}
