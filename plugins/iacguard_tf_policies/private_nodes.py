"""private-nodes: cluster nodes must not have public IP addresses or sit in public subnets."""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.checks import CheckContext, NoParams
from iacguard.model import Resource, Violation
from iacguard.values import as_list, is_unknown
from iacguard_tf_policies.aws_network import (
    INSTANCE,
    NODE_GROUP,
    SUBNET,
    looks_like_node,
    node_launch_templates,
    subnet_exposure,
)
from iacguard_tf_policies.common import Attr, attr, block_label, blocks, has_references, referenced


def node_group_in_public_subnet(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    """EKS node groups whose subnets are public (IP mapping or a default route to an IGW)."""
    graph = ctx.graph
    for group in graph.resources(NODE_GROUP):
        subnets = referenced(graph, group, ("subnet_ids",), {SUBNET})
        if not subnets:
            value = group.body.get("subnet_ids")
            unknown = is_unknown(value) or any(is_unknown(v) for v in as_list(value))
            if unknown and not has_references(graph, group, ("subnet_ids",)):
                setting = attr(group, ("subnet_ids",))
                yield from ctx.unresolved(group, ("subnet_ids",),
                                          f"{group.display_name} {setting.describe()}")
            continue
        for subnet in subnets:
            exposure = subnet_exposure(graph, subnet)
            if exposure.public:
                yield Violation.at(
                    group, ("subnet_ids",),
                    f"node group {group.display_name} is placed in public subnet "
                    f"{subnet.display_name}: {'; '.join(exposure.reasons)}",
                    related=[(subnet, ())], key=subnet.id,
                )
            elif exposure.unresolved:
                for what in exposure.unresolved:
                    for v in ctx.unresolved(group, ("subnet_ids",), what):
                        yield v.model_copy(update={"key": f"unresolved:{subnet.id}"})


def _public_ip(ctx: CheckContext[NoParams], setting: Attr, subject: str) -> Iterator[Violation]:
    flag = setting.flag()
    if flag is None and setting.present:
        yield from ctx.unresolved(setting.resource, setting.at, f"{subject}: {setting.describe()}")
    elif flag:
        yield Violation.at(setting.resource, setting.at,
                           f"{subject} gets a public IP address: {setting.describe()}")


def _aws_nodes(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    graph = ctx.graph
    for template in node_launch_templates(graph):
        if template.kind == "aws_launch_configuration":
            setting = attr(template, ("associate_public_ip_address",), False)
            yield from _public_ip(ctx, setting, f"node launch configuration {template.display_name}")
            continue
        for path, _ in blocks(template, "network_interfaces"):
            setting = attr(template, (*path, "associate_public_ip_address"), False)
            yield from _public_ip(ctx, setting, f"node launch template {template.display_name}")
    for instance in graph.resources(INSTANCE):
        if not looks_like_node(instance):
            continue
        # The provider default follows the subnet's map_public_ip_on_launch.
        setting = attr(instance, ("associate_public_ip_address",))
        if setting.present:
            yield from _public_ip(ctx, setting, f"node instance {instance.display_name}")
            continue
        for subnet in referenced(graph, instance, ("subnet_id",), {SUBNET}):
            mapping = attr(subnet, ("map_public_ip_on_launch",), False)
            if mapping.flag():
                yield Violation.at(
                    instance, (), f"node instance {instance.display_name} gets a public IP "
                    f"address from its subnet: {subnet.display_name} {mapping.describe()}",
                    related=[(subnet, mapping.at)])


def _gke(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    graph = ctx.graph
    private: dict[str, bool | None] = {}
    managed_pools: set[str] = set()  # clusters with a google_container_node_pool in the scan
    for pool in graph.resources("google_container_node_pool"):
        managed_pools.update(c.id for c in referenced(graph, pool, ("cluster",),
                                                      {"google_container_cluster"}))
    for cluster in graph.resources("google_container_cluster"):
        setting = attr(cluster, ("private_cluster_config", 0, "enable_private_nodes"), False)
        flag = setting.flag()
        private[cluster.id] = flag
        # The cluster setting reaches nodes through its default pool (absent with inline node_pool
        # blocks or remove_default_node_pool), inline pools without their own network_config, or
        # pools made outside the scan; pools in the scan are judged below, each on its own.
        inline = blocks(cluster, "node_pool")
        inheriting = [p for p, _ in inline
                      if not attr(cluster, (*p, "network_config", 0, "enable_private_nodes")).present]
        has_default = not inline and cluster.body.get("remove_default_node_pool") is not True
        applies = has_default or bool(inheriting) or (not inline and cluster.id not in managed_pools)
        if applies and flag is None and setting.present:
            yield from ctx.unresolved(cluster, setting.at,
                                      f"{cluster.display_name} {setting.describe()}")
        elif applies and flag is False:
            yield Violation.at(
                cluster, setting.at,
                f"GKE cluster {cluster.display_name} gives its nodes public IP addresses: "
                f"{setting.describe('private_cluster_config.enable_private_nodes')}")
        # Inline node pools may override the cluster setting to public.
        for path, _ in blocks(cluster, "node_pool"):
            own = attr(cluster, (*path, "network_config", 0, "enable_private_nodes"))
            if own.present and own.flag() is False:
                yield Violation.at(cluster, own.at, f"{block_label(cluster, path)} of GKE cluster "
                                   f"{cluster.display_name} gives its nodes public IP addresses: "
                                   f"{own.describe()}")
    for pool in graph.resources("google_container_node_pool"):
        own = attr(pool, ("network_config", 0, "enable_private_nodes"))
        clusters = referenced(graph, pool, ("cluster",), {"google_container_cluster"})
        if own.present:
            flag = own.flag()
            if flag is None:
                yield from ctx.unresolved(pool, own.at, f"{pool.display_name} {own.describe()}")
            elif not flag:
                yield Violation.at(pool, own.at, f"GKE node pool {pool.display_name} gives its "
                                   f"nodes public IP addresses: {own.describe()}")
            continue
        for cluster in clusters:
            if private.get(cluster.id) is False:
                yield Violation.at(
                    pool, (), f"GKE node pool {pool.display_name} inherits public node IP "
                    f"addresses from {cluster.display_name} (private_cluster_config."
                    "enable_private_nodes not true) and sets no network_config.enable_private_nodes",
                    related=[(cluster, ())])


def _aks_pool(ctx: CheckContext[NoParams], resource: Resource, base: tuple[str | int, ...],
              subject: str) -> Iterator[Violation]:
    for name in ("node_public_ip_enabled", "enable_node_public_ip"):
        setting = attr(resource, (*base, name), False)
        if setting.present:
            yield from _public_ip(ctx, setting, subject)
            return


def _aks(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for cluster in ctx.graph.resources("azurerm_kubernetes_cluster"):
        for path, _ in blocks(cluster, "default_node_pool"):
            yield from _aks_pool(ctx, cluster, path,
                                 f"default node pool of AKS cluster {cluster.display_name}")
    for pool in ctx.graph.resources("azurerm_kubernetes_cluster_node_pool"):
        yield from _aks_pool(ctx, pool, (), f"AKS node pool {pool.display_name}")


def node_public_ip(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    """Nodes that get public IPs: AWS node templates/instances, GKE clusters/pools, AKS pools."""
    yield from _aws_nodes(ctx)
    yield from _gke(ctx)
    yield from _aks(ctx)

