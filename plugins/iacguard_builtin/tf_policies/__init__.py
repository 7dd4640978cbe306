"""Checks for cloud infrastructure (EKS, GKE, AKS) on Terraform-shaped resources."""
