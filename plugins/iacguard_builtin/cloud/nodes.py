"""Whether cluster nodes get public addresses, and why: one answer for every policy.

Every fact that decides it is a `NodeSetting` (where it is written, public / private /
unknown, and why). The private-nodes policies report the public and unknown settings one
by one (PN001 the subnet placements, PN002 the addresses); `nodes_of` gathers the settings
of one cluster's nodes into a verdict (LB002), so the two can never disagree:

- EKS: each node group's subnets (`subnets.subnet_exposure`) and its launch templates'
  `associate_public_ip_address`;
- GKE: the cluster's `private_cluster_config.enable_private_nodes`, where it reaches nodes
  (its default pool, inline pools without their own setting, pools made outside the scan),
  and every pool's own `network_config.enable_private_nodes`, which overrides it;
- AKS: the default node pool and every extra pool (`node_public_ip_enabled`, older
  `enable_node_public_ip`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from iacguard.graph import ResourceGraph
from iacguard.model import Resource
from iacguard.values import as_list, is_unknown
from iacguard_builtin.cloud.aws_nodes import (
    LAUNCH_CONFIGURATION,
    launch_templates_of,
    node_instances,
    node_launch_templates,
)
from iacguard_builtin.cloud.clusters import (
    AKS,
    AKS_NODE_POOL,
    EKS,
    EKS_NODE_GROUP,
    GKE,
    GKE_NODE_POOL,
    clusters_of_pool,
    pools_of,
)
from iacguard_builtin.cloud.references import has_references, referenced
from iacguard_builtin.cloud.settings import Attr, attr, block_label, blocks
from iacguard_builtin.cloud.subnets import SUBNET, subnet_exposure

Placement = Literal["subnet", "address"]


@dataclass(frozen=True)
class NodeSetting:
    """One fact about whether some nodes are reachable from the internet."""

    resource: Resource  # where it is written (where a finding points)
    path: tuple[str | int, ...]
    public: bool | None  # None: unknown before apply, never taken as private
    reason: str  # why public, or what is unknown; ready for a message
    placement: Placement  # "subnet": the nodes' subnet is public; "address": nodes get public IPs
    related: tuple[Resource, ...] = ()
    key: str | None = None  # tells apart several settings at one path


@dataclass(frozen=True)
class NodesVerdict:
    """Whether a cluster's nodes are public: True, False, or None (unknown), and why."""

    public: bool | None
    settings: tuple[NodeSetting, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        """The public settings' reasons; the unknown ones' when none is public."""
        return tuple(s.reason for s in self.settings if s.public is self.public)

    @property
    def related(self) -> tuple[Resource, ...]:
        found: dict[str, Resource] = {}
        for s in self.settings:
            if s.public is self.public:
                for r in (s.resource, *s.related):
                    found.setdefault(r.id, r)
        return tuple(found.values())


def _address(setting: Attr, subject: str) -> NodeSetting:
    """A public-IP flag (absent = the provider default, false)."""
    flag = setting.flag()
    if flag is None and setting.present:
        return NodeSetting(setting.resource, setting.at, None, f"{subject}: {setting.describe()}",
                           "address")
    if flag:
        return NodeSetting(setting.resource, setting.at, True,
                           f"{subject} gets a public IP address: {setting.describe()}", "address")
    return NodeSetting(setting.resource, setting.at, False, f"{subject}: {setting.describe()}",
                       "address")


# -- AWS ----------------------------------------------------------------------------------

def launch_template_settings(template: Resource) -> list[NodeSetting]:
    if template.kind == LAUNCH_CONFIGURATION:
        return [_address(attr(template, ("associate_public_ip_address",), False),
                         f"node launch configuration {template.display_name}")]
    return [_address(attr(template, (*path, "associate_public_ip_address"), False),
                     f"node launch template {template.display_name}")
            for path, _ in blocks(template, "network_interfaces")]


def instance_settings(graph: ResourceGraph, instance: Resource) -> list[NodeSetting]:
    # The provider default follows the subnet's map_public_ip_on_launch.
    setting = attr(instance, ("associate_public_ip_address",))
    if setting.present:
        return [_address(setting, f"node instance {instance.display_name}")]
    found: list[NodeSetting] = []
    for subnet in referenced(graph, instance, ("subnet_id",), {SUBNET}):
        mapping = attr(subnet, ("map_public_ip_on_launch",), False)
        flag = mapping.flag()
        found.append(NodeSetting(
            instance, (), flag, f"node instance {instance.display_name} gets a public IP address "
            f"from its subnet: {subnet.display_name} {mapping.describe()}", "address", (subnet,)))
    return found


def node_group_settings(graph: ResourceGraph, group: Resource) -> list[NodeSetting]:
    """Where an EKS node group's subnets put its nodes."""
    subnets = referenced(graph, group, ("subnet_ids",), {SUBNET})
    if not subnets:
        value = group.body.get("subnet_ids")
        unknown = is_unknown(value) or any(is_unknown(v) for v in as_list(value))
        if unknown and not has_references(graph, group, ("subnet_ids",)):
            setting = attr(group, ("subnet_ids",))
            return [NodeSetting(group, ("subnet_ids",), None,
                                f"{group.display_name} {setting.describe()}", "subnet")]
        return []
    found: list[NodeSetting] = []
    for subnet in subnets:
        exposure = subnet_exposure(graph, subnet)
        if exposure.public:
            found.append(NodeSetting(
                group, ("subnet_ids",), True, f"node group {group.display_name} is placed in public "
                f"subnet {subnet.display_name}: {'; '.join(exposure.reasons)}", "subnet", (subnet,),
                key=subnet.id))
        elif exposure.unresolved:
            found += [NodeSetting(group, ("subnet_ids",), None, what, "subnet", (subnet,),
                                  key=f"unresolved:{subnet.id}") for what in exposure.unresolved]
        else:
            found.append(NodeSetting(group, ("subnet_ids",), False, f"{subnet.display_name} is "
                                     "private", "subnet", (subnet,), key=subnet.id))
    return found


# -- GKE ----------------------------------------------------------------------------------

def _gke_private_nodes(cluster: Resource) -> Attr:
    return attr(cluster, ("private_cluster_config", 0, "enable_private_nodes"), False)


def _own_private_nodes(owner: Resource, base: tuple[str | int, ...]) -> Attr:
    return attr(owner, (*base, "network_config", 0, "enable_private_nodes"))


def _judge_own(setting: Attr, subject: str) -> NodeSetting:
    """A pool's own enable_private_nodes (present)."""
    flag = setting.flag()
    if flag is None:
        return NodeSetting(setting.resource, setting.at, None, f"{subject} {setting.describe()}",
                           "address")
    why = "gives its nodes public IP addresses" if not flag else "has private nodes"
    return NodeSetting(setting.resource, setting.at, not flag, f"{subject} {why}: "
                       f"{setting.describe()}", "address")


def gke_cluster_settings(graph: ResourceGraph, cluster: Resource) -> list[NodeSetting]:
    """The cluster setting where it reaches nodes, and inline pools' own settings."""
    found: list[NodeSetting] = []
    setting = _gke_private_nodes(cluster)
    flag = setting.flag()
    # The cluster setting reaches nodes through its default pool (absent with inline node_pool
    # blocks or remove_default_node_pool), inline pools without their own network_config, or
    # pools made outside the scan; pools in the scan are judged each on its own.
    inline = blocks(cluster, "node_pool")
    inheriting = [p for p, _ in inline if not _own_private_nodes(cluster, p).present]
    has_default = not inline and cluster.body.get("remove_default_node_pool") is not True
    outside = not inline and not pools_of(graph, cluster)
    if has_default or inheriting or outside:
        if flag is None:
            reason = f"{cluster.display_name} {setting.describe()}"
        elif not flag:
            reason = (f"GKE cluster {cluster.display_name} gives its nodes public IP addresses: "
                      f"{setting.describe('private_cluster_config.enable_private_nodes')}")
        else:
            reason = f"GKE cluster {cluster.display_name} has private nodes: {setting.describe()}"
        # An unknown that was written is unresolved; the default (false) is public.
        public = None if flag is None else not flag
        if public is not None or setting.present:
            found.append(NodeSetting(cluster, setting.at, public, reason, "address"))
    for path, _ in inline:
        own = _own_private_nodes(cluster, path)
        if own.present:
            found.append(_judge_own(own, f"{block_label(cluster, path)} of GKE cluster "
                                         f"{cluster.display_name}"))
    return found


def gke_pool_settings(graph: ResourceGraph, pool: Resource) -> list[NodeSetting]:
    """A node pool's own setting, else what it inherits from its cluster."""
    own = _own_private_nodes(pool, ())
    if own.present:
        return [_judge_own(own, f"GKE node pool {pool.display_name}")]
    found: list[NodeSetting] = []
    for cluster in clusters_of_pool(graph, pool):
        setting = _gke_private_nodes(cluster)
        flag = setting.flag()
        if flag is None:
            reason = (f"GKE node pool {pool.display_name} inherits {cluster.display_name} "
                      f"{setting.describe()}")
        elif not flag:
            reason = (f"GKE node pool {pool.display_name} inherits public node IP addresses from "
                      f"{cluster.display_name} (private_cluster_config.enable_private_nodes not "
                      "true) and sets no network_config.enable_private_nodes")
        else:
            reason = f"GKE node pool {pool.display_name} inherits private nodes from {cluster.display_name}"
        found.append(NodeSetting(pool, (), None if flag is None else not flag, reason, "address",
                                 (cluster,)))
    return found


# -- AKS ----------------------------------------------------------------------------------

AKS_PUBLIC_IP_KEYS = ("node_public_ip_enabled", "enable_node_public_ip")  # new, older name


def aks_pool_setting(resource: Resource, base: tuple[str | int, ...], subject: str) -> NodeSetting:
    for name in AKS_PUBLIC_IP_KEYS:
        setting = attr(resource, (*base, name), False)
        if setting.present:
            return _address(setting, subject)
    return _address(attr(resource, (*base, AKS_PUBLIC_IP_KEYS[0]), False), subject)


def aks_cluster_settings(cluster: Resource) -> list[NodeSetting]:
    return [aks_pool_setting(cluster, path, f"default node pool of AKS cluster {cluster.display_name}")
            for path, _ in blocks(cluster, "default_node_pool")]


def aks_pool_settings(pool: Resource) -> list[NodeSetting]:
    return [aks_pool_setting(pool, (), f"AKS node pool {pool.display_name}")]


# -- all nodes, and one cluster's ---------------------------------------------------------------

def node_settings(graph: ResourceGraph) -> Iterator[NodeSetting]:
    """Every node setting in the scan, each once (whether or not its cluster is scanned)."""
    for template in node_launch_templates(graph):
        yield from launch_template_settings(template)
    for instance in node_instances(graph):
        yield from instance_settings(graph, instance)
    for group in graph.resources(EKS_NODE_GROUP):
        yield from node_group_settings(graph, group)
    for cluster in graph.resources(GKE):
        yield from gke_cluster_settings(graph, cluster)
    for pool in graph.resources(GKE_NODE_POOL):
        yield from gke_pool_settings(graph, pool)
    for cluster in graph.resources(AKS):
        yield from aks_cluster_settings(cluster)
    for pool in graph.resources(AKS_NODE_POOL):
        yield from aks_pool_settings(pool)


def cluster_settings(graph: ResourceGraph, cluster: Resource) -> list[NodeSetting]:
    """The settings that decide the addresses of `cluster`'s nodes."""
    found: list[NodeSetting] = []
    if cluster.kind == EKS:
        for group in pools_of(graph, cluster):
            found += node_group_settings(graph, group)
            for template in launch_templates_of(graph, group):
                found += launch_template_settings(template)
    elif cluster.kind == GKE:
        found += gke_cluster_settings(graph, cluster)
        for pool in pools_of(graph, cluster):
            found += gke_pool_settings(graph, pool)
    elif cluster.kind == AKS:
        found += aks_cluster_settings(cluster)
        for pool in pools_of(graph, cluster):
            found += aks_pool_settings(pool)
    return found


def nodes_of(graph: ResourceGraph, cluster: Resource) -> NodesVerdict:
    """Are the nodes of `cluster` public, and why: public if any setting is, else unknown if any
    setting is unknown, else private (also when none of its nodes is in the scan)."""
    settings = tuple(cluster_settings(graph, cluster))
    states = {s.public for s in settings}
    public = True if True in states else None if None in states else False
    return NodesVerdict(public, settings)
