"""Deployment scopes: which resources deploy together.

Linking and scope-wide policies (network-policy coverage, role counts, public load-balancer
counts, dangling backends) never look across scopes. The rule:
- every rendered Helm chart profile, kustomize build and Terraform root is its own scope
  (the unit, plus the variant for units that render several);
- loose manifests: the folder that holds them. Every repository in the corpus keeps one
  deployable per folder (each kubernetes/examples app, each kubernetes-goat scenario, each
  ingress-nginx provider bundle, each checkov test case), while sibling folders are
  unrelated; pooling by a higher folder mixed 137 unrelated workloads under one
  NetworkPolicy. The folder rule also gives a folder the same findings whether it is
  scanned alone or with its parent, since it does not depend on the scan root;
- configuration joins folders (`scopes: [{name, paths: [globs], cluster}]`): every unit
  or loose manifest under a matching path is in scope `name`.
"""

from __future__ import annotations

import fnmatch

from iacguard.config import Config, ScopeRule


def configured_scope(rel: str, config: Config) -> ScopeRule | None:
    for rule in config.scopes:
        if any(fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch(rel, glob.rstrip("/") + "/*")
               for glob in rule.paths):
            return rule
    return None


def unit_scope(rel: str, is_directory: bool, config: Config) -> str:
    """The scope of a unit at `rel` (relative to the scan root)."""
    rule = configured_scope(rel, config)
    if rule is not None:
        return rule.name
    if is_directory:
        return rel
    folder = rel.rsplit("/", 1)[0] if "/" in rel else "."
    return folder


def resource_scope(scope: str, variant: str | None) -> str:
    return f"{scope}@{variant}" if variant else scope
