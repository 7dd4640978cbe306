"""AWS network facts answered on the graph: public subnets, security-group ingress, nodes.

All hops follow `REFERENCES` edges (the referencing attribute's path is on the edge), so a
subnet is public through `map_public_ip_on_launch` or through the route table it is
associated with (explicitly, or the VPC's main route table) sending the default route to
an internet gateway.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from iacguard.graph import ResourceGraph
from iacguard.model import Resource
from iacguard.values import get, is_unknown
from iacguard_tf_policies.common import (
    attr,
    blocks,
    contains,
    glob_any,
    is_world,
    referenced,
    referrers,
    tags_of,
)

SECURITY_GROUP = "aws_security_group"
SUBNET = "aws_subnet"
ROUTE_TABLE = "aws_route_table"
INTERNET_GATEWAY = "aws_internet_gateway"
NODE_GROUP = "aws_eks_node_group"
LAUNCH_TEMPLATE = "aws_launch_template"
INSTANCE = "aws_instance"
DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")


# -- subnets ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SubnetExposure:
    """Why a subnet is public (`reasons` empty = private), or that it is unresolved."""

    reasons: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()

    @property
    def public(self) -> bool:
        return bool(self.reasons)


def _route_to_igw(graph: ResourceGraph, holder: Resource, route_path: tuple[str | int, ...],
                  route: dict[str, Any]) -> str | None:
    """A description if this route sends the default route to an internet gateway."""
    destinations = [route.get(k) for k in ("cidr_block", "destination_cidr_block", "ipv6_cidr_block",
                                           "destination_ipv6_cidr_block")]
    default = next((d for d in destinations if isinstance(d, str) and d in DEFAULT_ROUTES), None)
    if default is None:
        return None
    gateways = referenced(graph, holder, (*route_path, "gateway_id"), {INTERNET_GATEWAY})
    if gateways:
        return f"{default} -> {gateways[0].display_name}"
    gateway = route.get("gateway_id")
    if isinstance(gateway, str) and gateway.startswith("igw-"):
        return f"{default} -> {gateway}"
    return None


def route_table_igw_routes(graph: ResourceGraph, table: Resource) -> list[str]:
    """Default routes to an internet gateway, inline (`route` blocks) or as `aws_route`."""
    found: list[str] = []
    for path, route in blocks(table, "route"):
        hit = _route_to_igw(graph, table, path, route)
        if hit:
            found.append(f"{table.display_name}: {hit}")
    for route_res in referrers(graph, table, {"aws_route"}, ("route_table_id",)):
        hit = _route_to_igw(graph, route_res, (), route_res.body)
        if hit:
            found.append(f"{route_res.display_name}: {hit}")
    return found


def _route_tables_of(graph: ResourceGraph, subnet: Resource) -> list[Resource]:
    """Explicitly associated route tables, else the VPC's main route table if it is known."""
    tables: list[Resource] = []
    for assoc in referrers(graph, subnet, {"aws_route_table_association"}, ("subnet_id",)):
        tables += referenced(graph, assoc, ("route_table_id",), {ROUTE_TABLE})
    if tables:
        return tables
    for vpc in referenced(graph, subnet, ("vpc_id",), {"aws_vpc"}):
        for main in referrers(graph, vpc, {"aws_main_route_table_association"}, ("vpc_id",)):
            tables += referenced(graph, main, ("route_table_id",), {ROUTE_TABLE})
        # aws_default_route_table adopts the VPC's main table; it references the VPC's
        # default_route_table_id attribute, i.e. an edge to the VPC.
        tables += referrers(graph, vpc, {"aws_default_route_table"})
    return tables


def subnet_exposure(graph: ResourceGraph, subnet: Resource) -> SubnetExposure:
    reasons: list[str] = []
    unresolved: list[str] = []
    mapping = attr(subnet, ("map_public_ip_on_launch",), False)
    flag = mapping.flag()
    if flag is None:
        unresolved.append(f"{subnet.display_name}: {mapping.describe()}")
    elif flag:
        reasons.append(f"{subnet.display_name} has {mapping.describe()}")
    for table in _route_tables_of(graph, subnet):
        for route in route_table_igw_routes(graph, table):
            reasons.append(f"{subnet.display_name} routes to the internet ({route})")
    return SubnetExposure(tuple(reasons), tuple(unresolved))


# -- bastions -----------------------------------------------------------------------------

@dataclass(frozen=True)
class BastionRules:
    """How a bastion is recognised (the policy params, shared by the bastion checks)."""

    name_patterns: tuple[str, ...]
    tag_patterns: tuple[str, ...]  # "Key=value-glob"
    addresses: tuple[str, ...]

    def matches(self, resource: Resource) -> bool:
        if resource.address and glob_any(resource.address, self.addresses):
            return True
        names = [resource.name]
        name_attr = resource.body.get("name")
        if isinstance(name_attr, str):
            names.append(name_attr)
        if any(glob_any(n, self.name_patterns) for n in names):
            return True
        tags = tags_of(resource)
        for pattern in self.tag_patterns:
            key, _, value = pattern.partition("=")
            for tag_key, tag_value in tags.items():
                if glob_any(tag_key, [key]) and glob_any(tag_value, [value or "*"]):
                    return True
        return False


def attached_security_groups(graph: ResourceGraph, resource: Resource) -> list[Resource]:
    """Security groups an instance / launch template / node group puts on its interfaces."""
    found: list[Resource] = []
    for path in (("vpc_security_group_ids",), ("security_groups",), ("network_interfaces",),
                 ("vpc_config",)):
        for sg in referenced(graph, resource, path, {SECURITY_GROUP}):
            if not contains(found, sg):
                found.append(sg)
    return found


@dataclass
class Bastions:
    hosts: list[Resource] = field(default_factory=list)
    security_groups: list[Resource] = field(default_factory=list)
    subnet_cidrs: list[str] = field(default_factory=list)

    def has_sg(self, sg: Resource) -> bool:
        return any(sg.id == b.id for b in self.security_groups)


BASTION_HOST_KINDS = (INSTANCE, LAUNCH_TEMPLATE, "aws_launch_configuration",
                      "aws_autoscaling_group")


def find_bastions(graph: ResourceGraph, rules: BastionRules) -> Bastions:
    found = Bastions()
    for host in graph.resources(BASTION_HOST_KINDS):
        if not rules.matches(host):
            continue
        found.hosts.append(host)
        found.security_groups += attached_security_groups(graph, host)
        for subnet in referenced(graph, host, ("subnet_id",), {SUBNET}) + referenced(
            graph, host, ("vpc_zone_identifier",), {SUBNET}
        ):
            cidr = subnet.body.get("cidr_block")
            if isinstance(cidr, str):
                found.subnet_cidrs.append(cidr)
    for sg in graph.resources(SECURITY_GROUP):
        if rules.matches(sg) and not found.has_sg(sg):
            found.security_groups.append(sg)
    return found


# -- security-group ingress -----------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    kind: str  # "cidr" | "sg" | "self" | "prefix-list" | "unknown"
    value: Any
    path: tuple[str | int, ...]
    group: Resource | None = None  # the source security group, when resolved


@dataclass(frozen=True)
class IngressRule:
    """One ingress permission, wherever it was written (inline block or rule resource)."""

    resource: Resource  # where it is written
    path: tuple[str | int, ...]  # the rule within `resource` (`()` for rule resources)
    target: Resource | None  # the security group it opens
    protocol: Any
    from_port: Any
    to_port: Any
    sources: tuple[Source, ...]

    def ports(self) -> tuple[int, int] | None:
        """The inclusive port range; all ports for protocol -1; `None` if unknown."""
        protocol = str(self.protocol).strip().lower() if not is_unknown(self.protocol) else "?"
        if protocol in ("-1", "all"):
            return (0, 65535)
        low, high = self.from_port, self.to_port
        if is_unknown(low) or is_unknown(high):
            return None
        try:
            return (int(low), int(high))
        except (TypeError, ValueError):
            return None


def _cidr_sources(base: tuple[str | int, ...], block: dict[str, Any], keys: tuple[str, ...]
                  ) -> list[Source]:
    sources: list[Source] = []
    for key in keys:
        value = block.get(key)
        if isinstance(value, list):
            for i, cidr in enumerate(value):
                kind = "unknown" if is_unknown(cidr) else "cidr"
                sources.append(Source(kind, cidr, (*base, key, i)))
        elif is_unknown(value):
            sources.append(Source("unknown", value, (*base, key)))
        elif isinstance(value, str):
            sources.append(Source("cidr", value, (*base, key)))
    return sources


def _sg_sources(graph: ResourceGraph, holder: Resource, base: tuple[str | int, ...],
                block: dict[str, Any], key: str) -> list[Source]:
    value = block.get(key)
    if value is None:
        return []
    groups = referenced(graph, holder, (*base, key), {SECURITY_GROUP})
    if groups:
        return [Source("sg", g.display_name, (*base, key), g) for g in groups]
    # Not resolved to a security group in the scan: unknown ids stay unresolved.
    values = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    return [Source("unknown" if is_unknown(v) else "sg", v,
                   (*base, key) if i is None else (*base, key, i)) for i, v in values]


def ingress_rules(graph: ResourceGraph) -> Iterator[IngressRule]:
    """Every security-group ingress permission in the graph, normalised."""
    for sg in graph.resources(SECURITY_GROUP):
        for path, block in blocks(sg, "ingress"):
            sources = _cidr_sources(path, block, ("cidr_blocks", "ipv6_cidr_blocks"))
            sources += _sg_sources(graph, sg, path, block, "security_groups")
            if get(block, ("self",)) is True:
                sources.append(Source("self", True, (*path, "self"), sg))
            yield IngressRule(sg, path, sg, block.get("protocol", "-1"), block.get("from_port"),
                              block.get("to_port"), tuple(sources))
    for rule in graph.resources("aws_security_group_rule"):
        if rule.body.get("type") != "ingress":
            continue
        targets = referenced(graph, rule, ("security_group_id",), {SECURITY_GROUP})
        sources = _cidr_sources((), rule.body, ("cidr_blocks", "ipv6_cidr_blocks"))
        sources += _sg_sources(graph, rule, (), rule.body, "source_security_group_id")
        if rule.body.get("self") is True:
            sources.append(Source("self", True, ("self",), targets[0] if targets else None))
        yield IngressRule(rule, (), targets[0] if targets else None, rule.body.get("protocol"),
                          rule.body.get("from_port"), rule.body.get("to_port"), tuple(sources))
    for rule in graph.resources("aws_vpc_security_group_ingress_rule"):
        targets = referenced(graph, rule, ("security_group_id",), {SECURITY_GROUP})
        sources = _cidr_sources((), rule.body, ("cidr_ipv4", "cidr_ipv6"))
        sources += _sg_sources(graph, rule, (), rule.body, "referenced_security_group_id")
        yield IngressRule(rule, (), targets[0] if targets else None,
                          rule.body.get("ip_protocol"), rule.body.get("from_port"),
                          rule.body.get("to_port"), tuple(sources))


def world_sources(rule: IngressRule) -> list[Source]:
    return [s for s in rule.sources if s.kind == "cidr" and is_world(s.value)]


# -- nodes ------------------------------------------------------------------------------------

NODE_TAG_PATTERNS = ("kubernetes.io/cluster/*", "eks:cluster-name", "k8s.io/cluster-autoscaler/*")
BOOTSTRAP_MARKERS = ("/etc/eks/bootstrap.sh", "nodeadm", "node.eks.aws")


def looks_like_node(resource: Resource) -> bool:
    """An instance or launch template that boots into a Kubernetes node (tags or user data)."""
    if any(glob_any(k, NODE_TAG_PATTERNS) for k in tags_of(resource)):
        return True
    for _, spec in blocks(resource, "tag_specifications"):
        tags = spec.get("tags")
        if isinstance(tags, dict) and any(glob_any(str(k), NODE_TAG_PATTERNS) for k in tags):
            return True
    user_data = resource.body.get("user_data")
    return isinstance(user_data, str) and any(m in user_data for m in BOOTSTRAP_MARKERS)


def node_launch_templates(graph: ResourceGraph) -> list[Resource]:
    """Launch templates used by EKS node groups or auto-scaling groups of nodes, or tagged so."""
    found: list[Resource] = []
    for group in graph.resources((NODE_GROUP, "aws_autoscaling_group")):
        if group.kind == "aws_autoscaling_group" and not looks_like_node(group):
            continue
        for path in (("launch_template",), ("mixed_instances_policy",), ("launch_configuration",)):
            for lt in referenced(graph, group, path, {LAUNCH_TEMPLATE, "aws_launch_configuration"}):
                if not contains(found, lt):
                    found.append(lt)
    for lt in graph.resources((LAUNCH_TEMPLATE, "aws_launch_configuration")):
        if not contains(found, lt) and looks_like_node(lt):
            found.append(lt)
    return found


def node_security_groups(graph: ResourceGraph, node_name_patterns: tuple[str, ...]
                         ) -> list[Resource]:
    """Security groups on nodes: from node launch templates and instances, or tagged/named so."""
    found: list[Resource] = []
    hosts = node_launch_templates(graph) + [i for i in graph.resources(INSTANCE)
                                            if looks_like_node(i)]
    for host in hosts:
        for sg in attached_security_groups(graph, host):
            if not contains(found, sg):
                found.append(sg)
    for sg in graph.resources(SECURITY_GROUP):
        if contains(found, sg):
            continue
        name = sg.body.get("name")
        names = [sg.name] + ([name] if isinstance(name, str) else [])
        if looks_like_node(sg) or any(glob_any(n, node_name_patterns) for n in names):
            found.append(sg)
    return found


def cluster_security_groups(graph: ResourceGraph) -> list[Resource]:
    """The control plane's security groups (it must reach the kubelet on nodes)."""
    found: list[Resource] = []
    for cluster in graph.resources("aws_eks_cluster"):
        found += referenced(graph, cluster, ("vpc_config",), {SECURITY_GROUP})
    return found
