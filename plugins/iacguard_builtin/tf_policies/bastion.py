"""bastion-access: administrative ports are reachable only through a bastion.

`admin_port_open_to_world` flags SSH/RDP/kubelet ingress from anywhere on anything but a
bastion (AWS security groups, EKS node-group remote access, GCP firewalls, Azure NSGs).
`admin_port_not_from_bastion` answers the graph question no other scanner asks: admin
ingress on *node* security groups must come from the bastion's security group (an SG
attached to a bastion instance) or the bastion's subnet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext
from iacguard.graph import ResourceGraph
from iacguard.model import Resource, Violation
from iacguard.values import as_list, get, is_unknown
from iacguard_builtin.cloud.cidrs import covers, network, world_entries
from iacguard_builtin.cloud.clusters import EKS_NODE_GROUP, GKE, GKE_NODE_POOL
from iacguard_builtin.cloud.ports import (
    ADMIN_PORTS,
    LOGIN_PORTS,
    covered_ports,
    port_label,
    port_range,
    protocol_carries_tcp,
)
from iacguard_builtin.cloud.references import has_references, referenced
from iacguard_builtin.cloud.settings import attr, blocks, fmt, glob_any, origin
from iacguard_builtin.tf_policies.aws_network import (
    SECURITY_GROUP,
    BastionRules,
    IngressRule,
    Source,
    cluster_security_groups,
    find_bastions,
    ingress_rules,
    node_security_groups,
    world_sources,
)


class BastionParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ports: list[int] = list(ADMIN_PORTS)
    # A resource is a bastion if its name (label or `name` attribute) matches a pattern, a
    # tag matches `Key=value` (globs), or its address matches an explicit address glob.
    bastion_name_patterns: list[str] = ["*bastion*"]
    bastion_tags: list[str] = ["Name=*bastion*", "Role=bastion"]
    bastion_addresses: list[str] = []
    # Source ranges of managed bastion paths (Google IAP TCP forwarding).
    managed_bastion_ranges: list[str] = ["35.235.240.0/20"]

    def rules(self) -> BastionRules:
        return BastionRules(tuple(self.bastion_name_patterns), tuple(self.bastion_tags),
                            tuple(self.bastion_addresses))


class NodeBastionParams(BastionParams):
    ports: list[int] = list(LOGIN_PORTS)
    # Security groups named like this are node groups even when nothing attaches them here.
    node_name_patterns: list[str] = ["*node*", "*worker*"]


def _rule_ports(rule: IngressRule, ports: list[int]) -> list[int] | None:
    carries = protocol_carries_tcp(rule.protocol)
    if carries is None:
        return None
    if not carries:
        return []
    span = rule.ports()
    return None if span is None else covered_ports(*span, ports)


def _describe_source(rule: IngressRule, source: Source) -> str:
    if source.group is not None:
        return source.group.display_name
    return f"{fmt(source.value)} ({origin(rule.resource, source.path)})"


BASTION_ADVICE = "the bastion's own admin access must be limited to allow-listed CIDRs"


def _aws_world(ctx: CheckContext[BastionParams], on_bastion: bool) -> Iterator[Violation]:
    graph = ctx.graph
    bastions = find_bastions(graph, ctx.params.rules())
    for rule in ingress_rules(graph):
        opened = world_sources(rule)
        if not opened:
            continue
        if (rule.target is not None and bastions.has_sg(rule.target)) != on_bastion:
            continue
        ports = _rule_ports(rule, ctx.params.ports)
        where = rule.target.display_name if rule.target else rule.resource.display_name
        if ports is None:
            yield from ctx.unresolved(rule.resource, rule.path,
                                      f"ports of ingress rule on {where} open to the world")
            continue
        for source in opened:
            if ports:
                tail = f": {BASTION_ADVICE}" if on_bastion else ", and it is not a bastion"
                yield Violation.at(
                    rule.resource, source.path,
                    f"{'bastion ' if on_bastion else ''}security group {where} allows "
                    f"{port_label(ports)} from {_describe_source(rule, source)}{tail}",
                    key=str(source.path))


def _eks_remote_access(ctx: CheckContext[BastionParams]) -> Iterator[Violation]:
    for group in ctx.graph.resources(EKS_NODE_GROUP):
        for path, _ in blocks(group, "remote_access"):
            key = attr(group, (*path, "ec2_ssh_key"))
            if not key.present:
                continue
            sources = attr(group, (*path, "source_security_group_ids"), [])
            if sources.present and (is_unknown(sources.value) or bool(as_list(sources.value))):
                continue
            if has_references(ctx.graph, group, (*path, "source_security_group_ids")):
                continue
            yield Violation.at(
                group, path,
                f"node group {group.display_name} enables SSH with {key.describe()} and "
                f"{sources.describe()}: EKS then opens port 22 to 0.0.0.0/0")


def _gcp_allows(rule: Resource, ports: list[int]) -> list[int] | None:
    opened: list[int] = []
    for _, allow in blocks(rule, "allow"):
        carries = protocol_carries_tcp(allow.get("protocol"))
        if carries is None:
            return None
        if not carries:
            continue
        specs = allow.get("ports")
        if specs is None or specs == []:
            opened += ports
            continue
        for spec in as_list(specs):
            if is_unknown(spec):
                return None
            span = port_range(spec)
            if span is not None:
                opened += covered_ports(*span, ports)
    return sorted(set(opened))


def _gcp_world(ctx: CheckContext[BastionParams], on_bastion: bool) -> Iterator[Violation]:
    rules = ctx.params.rules()
    for fw in ctx.graph.resources("google_compute_firewall"):
        direction = fw.body.get("direction", "INGRESS")
        if direction != "INGRESS" or fw.body.get("disabled") is True:
            continue
        targets = [t for t in as_list(fw.body.get("target_tags")) if isinstance(t, str)]
        if (rules.matches(fw) or any(glob_any(t, rules.name_patterns) for t in targets)) != on_bastion:
            continue
        tail = (f": {BASTION_ADVICE}" if on_bastion else " and its targets are not a bastion (use IAP "
                f"TCP forwarding from {', '.join(ctx.params.managed_bastion_ranges)})")
        ports = _gcp_allows(fw, ctx.params.ports)
        if not ports:
            if ports is None:
                yield from ctx.unresolved(fw, ("allow",), f"allowed ports of {fw.display_name}")
            continue
        # With no source at all, GCP applies an ingress rule to 0.0.0.0/0.
        ranges = attr(fw, ("source_ranges",), ["0.0.0.0/0"])
        if not ranges.present:
            if fw.body.get("source_tags") or fw.body.get("source_service_accounts"):
                continue
            yield Violation.at(fw, ranges.at, f"firewall {fw.display_name} allows "
                               f"{port_label(ports)} from {ranges.describe()}{tail}")
            continue
        if is_unknown(ranges.value):
            yield from ctx.unresolved(fw, ranges.at, f"{fw.display_name} source_ranges")
            continue
        cidrs = as_list(ranges.value)
        for i in world_entries(cidrs):
            cidr = cidrs[i]
            yield Violation.at(
                fw, ("source_ranges", i),
                f"firewall {fw.display_name} allows {port_label(ports)} from {fmt(cidr)} "
                f"({origin(fw, ('source_ranges', i))}){tail}", key=str(i))


def _azure_rule(ctx: CheckContext[BastionParams], holder: Resource, base: tuple[str | int, ...],
                rule: dict[str, Any], bastion_hosts: list[Resource], on_bastion: bool,
                nsg_is_bastion: bool) -> Iterator[Violation]:
    if str(rule.get("direction", "")).lower() != "inbound":
        return
    if str(rule.get("access", "")).lower() != "allow":
        return
    if protocol_carries_tcp(rule.get("protocol", "*")) is False:
        return
    name = rule.get("name")
    named = isinstance(name, str) and glob_any(name, ctx.params.bastion_name_patterns)
    if (nsg_is_bastion or named) != on_bastion:
        return
    opened: list[int] = []
    specs = [rule.get("destination_port_range"), *as_list(rule.get("destination_port_ranges"))]
    for spec in specs:
        span = port_range(spec) if spec is not None else None
        if span is not None:
            opened += covered_ports(*span, ctx.params.ports)
    if not opened:
        return
    sources: list[tuple[tuple[str | int, ...], Any]] = []
    if rule.get("source_address_prefix") is not None:
        sources.append(((*base, "source_address_prefix"), rule["source_address_prefix"]))
    for i, prefix in enumerate(as_list(rule.get("source_address_prefixes"))):
        sources.append(((*base, "source_address_prefixes", i), prefix))
    advice = (f"; connect through {bastion_hosts[0].display_name} instead" if bastion_hosts
              else "; use Azure Bastion or an allow-listed jump host")
    if on_bastion:
        advice = f": {BASTION_ADVICE}"
    for i in world_entries([prefix for _, prefix in sources]):
        path, prefix = sources[i]
        yield Violation.at(
            holder, path,
            f"network security rule {fmt(name)} in {holder.display_name} allows "
            f"{port_label(sorted(set(opened)))} from {fmt(prefix)} ({origin(holder, path)})"
            f"{advice}", key=str(path))


def _azure_world(ctx: CheckContext[BastionParams], on_bastion: bool) -> Iterator[Violation]:
    bastion_hosts = list(ctx.graph.resources("azurerm_bastion_host"))
    rules = ctx.params.rules()
    for nsg in ctx.graph.resources("azurerm_network_security_group"):
        for path, rule in blocks(nsg, "security_rule"):
            yield from _azure_rule(ctx, nsg, path, rule, bastion_hosts, on_bastion,
                                   rules.matches(nsg))
    for rule_res in ctx.graph.resources("azurerm_network_security_rule"):
        nsgs = referenced(ctx.graph, rule_res, ("network_security_group_name",))
        yield from _azure_rule(ctx, rule_res, (), rule_res.body, bastion_hosts, on_bastion,
                               any(rules.matches(n) for n in nsgs))


def admin_port_open_to_world(ctx: CheckContext[BastionParams]) -> Iterator[Violation]:
    """World-open admin ports on anything but a bastion."""
    yield from _aws_world(ctx, on_bastion=False)
    yield from _eks_remote_access(ctx)
    yield from _gcp_world(ctx, on_bastion=False)
    yield from _azure_world(ctx, on_bastion=False)


def bastion_open_to_world(ctx: CheckContext[BastionParams]) -> Iterator[Violation]:
    """The bastion itself with admin ports open to the whole internet instead of an allow-list."""
    yield from _aws_world(ctx, on_bastion=True)
    yield from _gcp_world(ctx, on_bastion=True)
    yield from _azure_world(ctx, on_bastion=True)


def _from_bastion(graph: ResourceGraph, source: Source, bastion_sgs: list[Resource],
                  bastion_cidrs: list[str]) -> bool:
    if source.kind == "sg":
        return source.group is not None and any(source.group.id == b.id for b in bastion_sgs)
    net = network(source.value)
    return net is not None and any(
        (outer := network(c)) is not None and covers(outer, net) for c in bastion_cidrs)


def admin_port_not_from_bastion(ctx: CheckContext[NodeBastionParams]) -> Iterator[Violation]:
    yield from _aws_not_from_bastion(ctx)
    yield from _gcp_not_from_bastion(ctx)


# -- GCP: firewall rules that reach GKE nodes -----------------------------------------------

GKE_NODE_TAGS = ("gke-*",)  # GKE tags every node "gke-<cluster>-<hash>-node"


def _gke_node_tags(graph: ResourceGraph) -> set[str]:
    tags: set[str] = set()
    for owner in graph.resources((GKE, GKE_NODE_POOL)):
        for base in [(), *(path for path, _ in blocks(owner, "node_pool"))]:
            value = get(owner.body, (*base, "node_config", 0, "tags"))
            tags.update(t for t in as_list(value) if isinstance(t, str))
    return tags


@dataclass
class _GcpBastions:
    tags: set[str]
    cidrs: list[str]
    accounts: set[str]


def _gcp_bastions(graph: ResourceGraph, rules: BastionRules) -> _GcpBastions:
    found = _GcpBastions(set(), [], set())
    for vm in graph.resources(("google_compute_instance", "google_compute_instance_template")):
        vm_tags = [t for t in as_list(vm.body.get("tags")) if isinstance(t, str)]
        if not (rules.matches(vm) or any(glob_any(t, rules.name_patterns) for t in vm_tags)):
            continue
        found.tags.update(vm_tags)
        for subnet in referenced(graph, vm, ("network_interface",), {"google_compute_subnetwork"}):
            cidr = subnet.body.get("ip_cidr_range")
            if isinstance(cidr, str):
                found.cidrs.append(cidr)
        for path, _ in blocks(vm, "service_account"):
            email = get(vm.body, (*path, "email"))
            if isinstance(email, str):
                found.accounts.add(email)
    return found


def _gcp_not_from_bastion(ctx: CheckContext[NodeBastionParams]) -> Iterator[Violation]:
    graph = ctx.graph
    if not any(True for _ in graph.resources(GKE)):
        return  # without a GKE cluster in the scan there are no nodes to protect
    rules = ctx.params.rules()
    node_tags = _gke_node_tags(graph)
    bastion = _gcp_bastions(graph, rules)
    allowed = [*ctx.params.managed_bastion_ranges, *bastion.cidrs]
    for fw in graph.resources("google_compute_firewall"):
        if fw.body.get("direction", "INGRESS") != "INGRESS" or fw.body.get("disabled") is True:
            continue
        targets = [t for t in as_list(fw.body.get("target_tags")) if isinstance(t, str)]
        if rules.matches(fw) or any(glob_any(t, rules.name_patterns) for t in targets):
            continue  # the bastion's own rule
        if targets and not any(t in node_tags or glob_any(t, GKE_NODE_TAGS) for t in targets):
            continue  # targets other instances, not nodes
        ports = _gcp_allows(fw, ctx.params.ports)
        if not ports:
            continue
        sources = as_list(fw.body.get("source_ranges"))
        world = world_entries(sources)
        for i, cidr in enumerate(sources):
            path = ("source_ranges", i)
            if is_unknown(cidr):
                yield from ctx.unresolved(fw, path, f"source of admin ingress {fw.display_name}")
                continue
            net = network(cidr)
            if i in world or net is None or any(
                    (outer := network(c)) is not None and covers(outer, net) for c in allowed):
                continue
            yield Violation.at(
                fw, path, f"firewall {fw.display_name} lets {fmt(cidr)} ({origin(fw, path)}) reach "
                f"GKE nodes on {port_label(ports)}; admin access must come from IAP "
                f"({', '.join(ctx.params.managed_bastion_ranges)}) or the bastion", key=str(i))
        for key, known in (("source_tags", bastion.tags), ("source_service_accounts", bastion.accounts)):
            for i, source in enumerate(as_list(fw.body.get(key))):
                if not isinstance(source, str) or source in known or glob_any(
                        source, rules.name_patterns):
                    continue
                yield Violation.at(
                    fw, (key, i), f"firewall {fw.display_name} lets {key[:-1].replace('_', ' ')} "
                    f"{fmt(source)} reach GKE nodes on {port_label(ports)}, and it is not the "
                    "bastion", key=f"{key}{i}")


def _aws_not_from_bastion(ctx: CheckContext[NodeBastionParams]) -> Iterator[Violation]:
    graph = ctx.graph
    bastions = find_bastions(graph, ctx.params.rules())
    node_sgs = {sg.id: sg for sg in node_security_groups(graph, tuple(ctx.params.node_name_patterns))
                if not bastions.has_sg(sg)}
    control_plane = {sg.id for sg in cluster_security_groups(graph)}
    where_bastion = (
        f"bastion security groups: {', '.join(b.display_name for b in bastions.security_groups)}"
        if bastions.security_groups else "no bastion found in the scan"
    )
    for rule in ingress_rules(graph):
        if rule.target is None or rule.target.id not in node_sgs:
            continue
        ports = _rule_ports(rule, ctx.params.ports)
        if ports == []:
            continue
        world = world_sources(rule)
        for source in rule.sources:
            if source.kind == "self" or source in world:
                continue  # self is node-to-node; world-open is admin-port-open-to-world's
            if source.kind == "sg" and source.group is not None and (
                    source.group.id in control_plane or source.group.id == rule.target.id):
                continue  # the control plane must reach nodes; a group referencing itself is `self`
            if source.kind == "unknown" or ports is None:
                what = "ports" if ports is None else "source"
                yield from ctx.unresolved(
                    rule.resource, source.path, f"{what} of admin ingress on node security group "
                    f"{rule.target.display_name} ({fmt(source.value)})")
                continue
            if _from_bastion(graph, source, bastions.security_groups, bastions.subnet_cidrs):
                continue
            what = "security group" if source.kind == "sg" else "CIDR"
            yield Violation.at(
                rule.resource, source.path,
                f"node security group {rule.target.display_name} allows {port_label(ports)} from "
                f"{what} {_describe_source(rule, source)}, which is not the bastion "
                f"({where_bastion})",
                related=[(source.group, ())] if source.group is not None else [],
                key=str(source.path))
    for group in graph.resources(EKS_NODE_GROUP):
        for path, _ in blocks(group, "remote_access"):
            sg_path = (*path, "source_security_group_ids")
            groups = referenced(graph, group, sg_path, {SECURITY_GROUP})
            for sg in groups:
                if not bastions.has_sg(sg):
                    yield Violation.at(
                        group, sg_path,
                        f"node group {group.display_name} allows SSH from security group "
                        f"{sg.display_name}, which is not the bastion ({where_bastion})",
                        related=[(sg, ())], key=sg.id)

