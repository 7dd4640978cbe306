"""Terraform plan JSON (`terraform show -json`) as a loader; see `plugin`."""
