"""Build Terraform-shaped `Resource`s and graphs by hand, to test checks without the loader."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from iacguard.checks import CheckContext, NoParams
from iacguard.config import Config
from iacguard.graph import ResourceGraph
from iacguard.model import Edge, EdgeKind, PolicyMeta, Provenance, Resource, SourceSpan, Violation
from iacguard.values import pointer

FILE = "/fixture/main.tf"


def _paths(value: Any, path: tuple[str | int, ...]) -> Iterable[tuple[str | int, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def tf(kind: str, name: str, body: dict[str, Any] | None = None, *, address: str | None = None,
       provenance: dict[str, str] | None = None, mapped: bool = True) -> Resource:
    """A resource whose every written path maps to its own line (line = order of writing)."""
    body = body or {}
    address = address or f"{kind}.{name}"
    source_map = {pointer(p): SourceSpan(file=FILE, start_line=i + 1, end_line=i + 1)
                  for i, p in enumerate(_paths(body, ())) if p} if mapped else {}
    return Resource(
        id=f"main.tf:{address}", kind=kind, name=name, format="terraform", address=address,
        body=body, origin=SourceSpan(file=FILE, start_line=1, end_line=1, precision="block"),
        source_map=source_map,
        provenance={k: Provenance(kind="variable-default", description=v)
                    for k, v in (provenance or {}).items()},
    )


def ref(source: Resource, path: str, target: Resource) -> Edge:
    return Edge(source=source.id, target=target.id, kind=EdgeKind.REFERENCES,
                attrs={"path": path})


def graph_of(resources: Iterable[Resource], edges: Iterable[Edge] = ()) -> ResourceGraph:
    graph = ResourceGraph(resources)
    for edge in edges:
        graph.add_edge(edge)
    return graph


def run(check: Callable[[CheckContext[Any]], Iterable[Violation]], resources: Iterable[Resource],
        edges: Iterable[Edge] = (), params: BaseModel | None = None,
        unknowns: str = "report") -> list[Violation]:
    policy = PolicyMeta(id="TST001", name="under-test", category="api-whitelist", severity="high",
                        title="under test", check="under-test", rationale="-", remediation="-.")
    config = Config.model_validate({"unknowns": unknowns})
    ctx = CheckContext(graph_of(resources, edges), policy, params or NoParams(), config)
    return list(check(ctx))


def paths(violations: Iterable[Violation]) -> list[tuple[str, tuple[str | int, ...]]]:
    return [(v.resource.address or v.resource.id, v.path) for v in violations]
