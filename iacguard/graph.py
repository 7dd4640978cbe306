"""The resource graph: a typed facade over `networkx.MultiDiGraph`.

Schema, enforced here and nowhere else:
- node key = `Resource.id`; node data = `{"resource": Resource}` only;
- edge key = the edge kind; edge data = `{"edge": Edge}` only; the kind must be one the
  graph was told about (the core's well-known `EdgeKind`s plus what plugins declare through
  `iacguard_edge_kinds`), so a misspelt kind fails where it is drawn.

Linkers write through `add_edge`; checks read through the accessors (or `.nx`, a frozen
view). Nothing else is stored on nodes or edges: no flattened attributes, no styling.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

import networkx as nx

from iacguard.model import Edge, Resource


class GraphSchemaError(ValueError):
    pass


class ResourceGraph:
    def __init__(self, resources: Iterable[Resource] = (),
                 edge_kinds: Iterable[str] | None = None) -> None:
        self._g = nx.MultiDiGraph()
        self._edge_kinds = None if edge_kinds is None else frozenset(edge_kinds)
        self._by_kind: dict[str, list[str]] = defaultdict(list)
        for resource in resources:
            self.add_resource(resource)

    # -- writing (loaders via the engine, linkers) ---------------------------------
    def add_resource(self, resource: Resource) -> None:
        if resource.id in self._g:
            raise GraphSchemaError(f"duplicate resource id {resource.id!r}")
        self._g.add_node(resource.id, resource=resource)
        self._by_kind[resource.kind].append(resource.id)

    def remove_file(self, file: str) -> list[Resource]:
        """Drop every resource that was loaded from `file` (for re-loading one file)."""
        gone = [r for r in self.resources() if r.origin.file == file]
        for resource in gone:
            self._g.remove_node(resource.id)
            self._by_kind[resource.kind].remove(resource.id)
        return gone

    def add_edge(self, edge: Edge) -> None:
        if self._edge_kinds is not None and str(edge.kind) not in self._edge_kinds:
            raise GraphSchemaError(f"edge kind {str(edge.kind)!r} is not declared by any plugin")
        for end in (edge.source, edge.target):
            if end not in self._g:
                raise GraphSchemaError(f"edge {edge.kind} refers to unknown resource {end!r}")
        key = f"{edge.kind}:{len(self._g.get_edge_data(edge.source, edge.target) or {})}"
        self._g.add_edge(edge.source, edge.target, key=key, edge=edge)

    def clear_edges(self) -> None:
        self._g.remove_edges_from(list(self._g.edges(keys=True)))

    # -- reading (checks, reporters) -----------------------------------------------
    def __contains__(self, resource_id: object) -> bool:
        return resource_id in self._g

    def __len__(self) -> int:
        return int(self._g.number_of_nodes())

    def get(self, resource_id: str) -> Resource:
        resource: Resource = self._g.nodes[resource_id]["resource"]
        return resource

    def resources(self, kind: str | Iterable[str] | None = None) -> Iterator[Resource]:
        """Resources in insertion order, optionally only of the given kind(s)."""
        if kind is None:
            for _, data in self._g.nodes(data=True):
                yield data["resource"]
            return
        kinds = [kind] if isinstance(kind, str) else list(kind)
        for k in kinds:
            for rid in self._by_kind.get(k, ()):
                yield self.get(rid)

    def edges(self, kind: str | None = None) -> Iterator[Edge]:
        for _, _, data in self._g.edges(data=True):
            edge: Edge = data["edge"]
            if kind is None or edge.kind == kind:
                yield edge

    def out_edges(self, resource: Resource | str, kind: str | None = None) -> list[Edge]:
        rid = resource if isinstance(resource, str) else resource.id
        found = [data["edge"] for _, _, data in self._g.out_edges(rid, data=True)]
        return [e for e in found if kind is None or e.kind == kind]

    def in_edges(self, resource: Resource | str, kind: str | None = None) -> list[Edge]:
        rid = resource if isinstance(resource, str) else resource.id
        found = [data["edge"] for _, _, data in self._g.in_edges(rid, data=True)]
        return [e for e in found if kind is None or e.kind == kind]

    def targets(self, resource: Resource | str, kind: str | None = None) -> list[Resource]:
        return [self.get(e.target) for e in self.out_edges(resource, kind)]

    def referrers(self, resource: Resource | str, kind: str | None = None) -> list[Resource]:
        return [self.get(e.source) for e in self.in_edges(resource, kind)]

    @property
    def nx(self) -> nx.MultiDiGraph:
        """A read-only view for graph algorithms (writes raise)."""
        return nx.freeze(self._g.copy(as_view=True))
