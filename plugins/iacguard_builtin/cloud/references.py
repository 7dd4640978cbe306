"""Hops along `references` edges: what a resource's attribute points at, and who points at it.

The Terraform loader draws a `references` edge for every reference in an attribute and
records the attribute's path on the edge, so a hop can ask for one attribute (and below).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource
from iacguard.values import Path, pointer


def contains(resources: Iterable[Resource], resource: Resource) -> bool:
    """Membership by id (resources compare by value, which is slow and not identity)."""
    return any(r.id == resource.id for r in resources)


def _on_path(edge_path: Any, prefix: str) -> bool:
    return isinstance(edge_path, str) and (edge_path == prefix or edge_path.startswith(prefix + "/"))


def referenced(
    graph: ResourceGraph, resource: Resource, path: Path, kinds: Iterable[str] | None = None
) -> list[Resource]:
    """Resources that `resource` references from the attribute at `path` (or below it)."""
    prefix = pointer(path)
    wanted = set(kinds) if kinds is not None else None
    found: list[Resource] = []
    for edge in graph.out_edges(resource, EdgeKind.REFERENCES):
        if _on_path(edge.attrs.get("path"), prefix):
            target = graph.get(edge.target)
            if (wanted is None or target.kind in wanted) and not contains(found, target):
                found.append(target)
    return found


def referrers(
    graph: ResourceGraph, resource: Resource, kinds: Iterable[str], path: Path | None = None
) -> list[Resource]:
    """Resources of `kinds` that reference `resource` (from the attribute at `path` if given)."""
    wanted = set(kinds)
    prefix = pointer(path) if path is not None else None
    found: list[Resource] = []
    for edge in graph.in_edges(resource, EdgeKind.REFERENCES):
        source = graph.get(edge.source)
        if source.kind not in wanted or contains(found, source):
            continue
        if prefix is None or _on_path(edge.attrs.get("path"), prefix):
            found.append(source)
    return found


def has_references(graph: ResourceGraph, resource: Resource, path: Path) -> bool:
    prefix = pointer(path)
    return any(_on_path(e.attrs.get("path"), prefix)
               for e in graph.out_edges(resource, EdgeKind.REFERENCES))
