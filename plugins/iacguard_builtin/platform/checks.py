"""Policies only one graph across formats can answer."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext
from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource, Violation
from iacguard.values import get
from iacguard_builtin.cloud.nodes import nodes_of
from iacguard_builtin.cloud.services import is_designated_entry_point, is_public_load_balancer


class ExposedOnPublicNodesParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cloud: str = "auto"
    public_entry_points: list[str] = []


def _exposure_of(graph: ResourceGraph, service: Resource, params: ExposedOnPublicNodesParams
                 ) -> str | None:
    kind = get(service.body, ("spec", "type"))
    if kind == "NodePort":
        return "opens a NodePort on every node"
    if is_public_load_balancer(graph, service, params.cloud) \
            and not is_designated_entry_point(service, params.public_entry_points):
        return "gets an internet-facing load balancer (and a NodePort on every node)"
    return None


def service_exposed_on_public_nodes(ctx: CheckContext[ExposedOnPublicNodesParams]) -> Iterator[Violation]:
    graph = ctx.graph
    for service in graph.resources("Service"):
        how = _exposure_of(graph, service, ctx.params)
        if how is None:
            continue
        for edge in graph.out_edges(service, EdgeKind.TARGETS_CLUSTER):
            cluster = graph.get(edge.target)
            nodes = nodes_of(graph, cluster)
            via = service.context.get("helm_release")
            origin = f" (deployed by {via})" if via else ""
            # The first sentence stays short (it is what SARIF viewers and PR tables show).
            subject = f"Service {service.namespace or 'default'}/{service.name}{origin}"
            where = f"on public nodes of cluster {cluster.display_name}"
            reasons = "; ".join(nodes.reasons)
            if nodes.public is None:
                # Unknown is not private: say so instead of passing.
                for v in ctx.unresolved(service, ("spec", "type"), f"{subject} may be exposed "
                                        f"{where}. It {how}, and the nodes may be reachable "
                                        f"from the internet: {reasons}"):
                    yield v.model_copy(update={"key": f"unresolved:{cluster.id}"})
            elif nodes.public:
                yield Violation.at(
                    service, ("spec", "type"),
                    f"{subject} is exposed {where}. It {how}, and the nodes are reachable from "
                    f"the internet: {reasons}",
                    related=[(cluster, ()), *((r, ()) for r in nodes.related if r.id != cluster.id)],
                    key=cluster.id,
                )
