"""Kustomize loader: builds kustomizations with kubectl kustomize or kustomize."""
