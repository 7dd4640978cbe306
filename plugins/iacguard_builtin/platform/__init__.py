"""One graph across formats: what Terraform deploys and which cluster Kubernetes objects land on."""
