"""Kubernetes manifests: YAML/JSON loader, object helpers and the in-cluster linker."""
