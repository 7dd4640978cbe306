"""Policies only one graph across formats can answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from iacguard_k8s_policies.exposure import is_designated_entry_point, is_public_load_balancer
from iacguard_tf_policies.aws_network import subnet_exposure
from iacguard_tf_policies.common import referenced, referrers
from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext
from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource, Violation
from iacguard.values import get, truthy


@dataclass(frozen=True)
class PublicNodes:
    reasons: tuple[str, ...]
    related: tuple[Resource, ...]


def public_nodes(graph: ResourceGraph, cluster: Resource) -> PublicNodes:
    """Why the nodes of `cluster` have public addresses (no reasons: private or unknown)."""
    reasons: list[str] = []
    related: list[Resource] = []
    if cluster.kind == "aws_eks_cluster":
        for group in referrers(graph, cluster, {"aws_eks_node_group"}):
            for subnet in referenced(graph, group, ("subnet_ids",), {"aws_subnet"}):
                verdict = subnet_exposure(graph, subnet)
                if verdict.public:
                    vpcs = referenced(graph, subnet, ("vpc_id",), {"aws_vpc"})
                    where = f" of {vpcs[0].display_name}" if vpcs else ""
                    reasons.append(f"node group {group.display_name} runs in public subnet "
                                   f"{subnet.display_name}{where} ({'; '.join(verdict.reasons)})")
                    related += [group, subnet]
    elif cluster.kind == "google_container_cluster":
        private = truthy(get(cluster.body, ("private_cluster_config", 0, "enable_private_nodes"), False))
        if private is False:
            reasons.append(f"{cluster.display_name} does not set "
                           "private_cluster_config.enable_private_nodes = true")
            related.append(cluster)
    elif cluster.kind == "azurerm_kubernetes_cluster":
        pool = get(cluster.body, ("default_node_pool", 0), {})
        for key in ("node_public_ip_enabled", "enable_node_public_ip"):
            if truthy(get(pool, (key,), False)) is True:
                reasons.append(f"{cluster.display_name} default_node_pool sets {key} = true")
                related.append(cluster)
    return PublicNodes(tuple(reasons), tuple(related))


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
            nodes = public_nodes(graph, cluster)
            if not nodes.reasons:
                continue
            via = service.context.get("helm_release")
            origin = f" (deployed by {via})" if via else ""
            yield Violation.at(
                service, ("spec", "type"),
                f"Service {service.namespace or 'default'}/{service.name}{origin} {how} on cluster "
                f"{cluster.display_name}, whose nodes are reachable from the internet: "
                f"{'; '.join(nodes.reasons)}",
                related=[(cluster, ()), *((r, ()) for r in nodes.related)],
                key=cluster.id,
            )
