"""Helm chart loader: renders charts in-process with helm-python-sdk."""
