"""Cross-format edges.

- `deploys`: a Terraform `helm_release` -> every object rendered from its chart (the
  Terraform loader renders local charts and names the release in the objects' context).
- `targets-cluster`: a Kubernetes object -> the cluster resource it is deployed to, decided
  in this order:
  1. configuration: a deployment scope with a `cluster` (`scopes: [{name, paths,
     cluster}]`) sends its objects to the cluster with that Terraform address, and
     `options: {clusters: {"<path glob>": "<cluster address>"}}` maps the files matching
     the glob (relative to the scan root) to one;
  2. an object Terraform creates (`kubernetes_*`, or rendered from a `helm_release`) targets
     the only cluster of its Terraform root module;
  3. otherwise, when the scan holds exactly one cluster, every object targets it.
  Where none of these decides, no edge is drawn (a guess would be worse than nothing).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from iacguard.config import Config
from iacguard.graph import ResourceGraph
from iacguard.loading import LoadContext
from iacguard.model import Edge, EdgeKind, Resource
from iacguard.values import as_dict
from iacguard_builtin.cloud.clusters import CLUSTER_KINDS

HELM_RELEASE = "helm_release"


def terraform_root(resource: Resource) -> str | None:
    """The root module a Terraform-loaded resource came from (`tf:<root>:<address>` ids)."""
    if "terraform_root" in resource.context:
        return resource.context["terraform_root"]
    if resource.format == "terraform" and resource.id.startswith("tf:"):
        return resource.id.split(":", 2)[1]
    return None


def is_kubernetes_object(resource: Resource) -> bool:
    return resource.api_version is not None


def _configured(config: Config, clusters: list[Resource]) -> list[tuple[str, Resource]]:
    mapping = as_dict(config.options.get("clusters"))
    by_address = {c.address: c for c in clusters}
    return [(str(glob), by_address[str(address)]) for glob, address in mapping.items()
            if str(address) in by_address]


def _scope_clusters(config: Config, clusters: list[Resource]) -> dict[str, Resource]:
    by_address = {c.address: c for c in clusters}
    return {rule.name: by_address[rule.cluster] for rule in config.scopes
            if rule.cluster is not None and rule.cluster in by_address}


def _scope_name(resource: Resource) -> str:
    return (resource.scope or "").split("@", 1)[0]


def link(graph: ResourceGraph, config: Config, root: Path) -> None:
    clusters = list(graph.resources(CLUSTER_KINDS))
    releases = {(terraform_root(r), r.address): r for r in graph.resources(HELM_RELEASE)
                if r.format == "terraform"}
    objects = [r for r in graph.resources() if is_kubernetes_object(r)]
    for obj in objects:
        key = (obj.context.get("terraform_root"), obj.context.get("helm_release"))
        release = releases.get(key)
        if release is not None:
            graph.add_edge(Edge(source=release.id, target=obj.id, kind=EdgeKind.DEPLOYS,
                                attrs={"path": "chart"}))
    if not clusters:
        return
    per_root: dict[str | None, list[Resource]] = {}
    for cluster in clusters:
        per_root.setdefault(terraform_root(cluster), []).append(cluster)
    configured = _configured(config, clusters)
    by_scope = _scope_clusters(config, clusters)
    for obj in [*objects, *releases.values()]:
        target: Resource | None = by_scope.get(_scope_name(obj))
        how = f"configuration (scope {_scope_name(obj)})" if target is not None else ""
        rel = LoadContext(root, config).relpath(Path(obj.origin.file)) if configured else ""
        for glob, cluster in configured:
            if target is None and fnmatch.fnmatch(rel, glob):
                target, how = cluster, f"configuration ({glob})"
                break
        obj_root = terraform_root(obj)
        if target is None and obj_root is not None and len(per_root.get(obj_root, [])) == 1:
            target, how = per_root[obj_root][0], "the only cluster of its Terraform root module"
        if target is None and len(clusters) == 1:
            target, how = clusters[0], "the only cluster in the scan"
        if target is not None:
            graph.add_edge(Edge(source=obj.id, target=target.id, kind=EdgeKind.TARGETS_CLUSTER,
                                attrs={"how": how}))
