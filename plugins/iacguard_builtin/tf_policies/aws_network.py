"""AWS network facts answered on the graph: bastions and security-group ingress.

All hops follow `REFERENCES` edges (the referencing attribute's path is on the edge). Public
subnets and node detection are the cloud library's (`iacguard_builtin.cloud.subnets`, `aws_nodes`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from iacguard.graph import ResourceGraph
from iacguard.model import Resource
from iacguard.values import get, is_unknown
from iacguard_builtin.cloud.aws_nodes import (
    AUTOSCALING_GROUP,
    INSTANCE,
    LAUNCH_CONFIGURATION,
    LAUNCH_TEMPLATE,
    looks_like_node,
    node_instances,
    node_launch_templates,
)
from iacguard_builtin.cloud.cidrs import world_entries
from iacguard_builtin.cloud.clusters import EKS
from iacguard_builtin.cloud.references import contains, referenced
from iacguard_builtin.cloud.settings import blocks, glob_any, tags_of
from iacguard_builtin.cloud.subnets import SUBNET

SECURITY_GROUP = "aws_security_group"


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


BASTION_HOST_KINDS = (INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, AUTOSCALING_GROUP)


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
    """The CIDR sources that make the rule world-reachable (`iacguard_builtin.cloud.cidrs`)."""
    cidrs = [s for s in rule.sources if s.kind == "cidr"]
    return [cidrs[i] for i in world_entries([s.value for s in cidrs])]


# -- nodes ------------------------------------------------------------------------------------

def node_security_groups(graph: ResourceGraph, node_name_patterns: tuple[str, ...]
                         ) -> list[Resource]:
    """Security groups on nodes: from node launch templates and instances, or tagged/named so."""
    found: list[Resource] = []
    hosts = node_launch_templates(graph) + node_instances(graph)
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
    for cluster in graph.resources(EKS):
        found += referenced(graph, cluster, ("vpc_config",), {SECURITY_GROUP})
    return found
