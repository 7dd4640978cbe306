resource "aws_eks_cluster" "plain" { # expect: ENC001
  name     = "plain"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids = ["subnet-1"]
  }
}

resource "google_container_cluster" "g" {
  name     = "g"
  location = "europe-west1"

  database_encryption {
    state = "DECRYPTED" # expect: ENC001
  }
}

# A disk encryption set protects node disks, not etcd.
resource "azurerm_kubernetes_cluster" "k" { # expect: ENC001
  name                   = "k"
  location               = "westeurope"
  resource_group_name    = "rg"
  dns_prefix             = "k"
  disk_encryption_set_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/d"
}
