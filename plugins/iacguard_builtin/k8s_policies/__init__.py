"""Checks for Kubernetes objects, whatever format they were loaded from."""
