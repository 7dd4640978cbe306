"""The `cidr` and `port-exposure` templates: who may reach a resource, and on which ports.

    template: cidr
    params:
      rules:
        - kinds: [aws_eks_cluster]
          path: vpc_config.0.public_access_cidrs
          default: ["0.0.0.0/0"]        # the provider default when not written
          judge: world                   # world | outside-approved | too-broad
          message: "{resource} is reachable from {cidrs}"

`world`: the entries make the list reach the whole internet (`0.0.0.0/0`, `::/0`, `*`, or
public halves that add up to it); `outside-approved`: public entries outside every
`approved` network; `too-broad`: entries wider than `max_prefix` (IPv4; /48 for IPv6).

    template: port-exposure
    params:
      ports: [22, 3389]
      rules:
        - kinds: [aws_security_group]
          entries: ingress.*             # each rule entry of the resource
          from_port: from_port           # paths inside an entry ...
          to_port: to_port
          protocol: protocol
          sources: [cidr_blocks, ipv6_cidr_blocks]
          message: "{resource} opens {ports} to {cidrs}"

An entry is a finding when its protocol carries TCP, its port range covers one of `ports`
and its sources reach the whole internet. `port_ranges` (a list like `["22", "8000-9000"]`)
replaces `from_port`/`to_port` for clouds that write ranges as text (GCP, Azure).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from iacguard.checks import CheckContext
from iacguard.model import Resource, Violation
from iacguard.values import MISSING, as_list, is_unknown
from iacguard_builtin.cloud.cidrs import MIN_PREFIX_IPV4, covers, network, too_broad, world_entries
from iacguard_builtin.cloud.ports import covered_ports, port_label, port_range, protocol_carries_tcp
from iacguard_builtin.cloud.settings import attr, fmt
from iacguard_builtin.templates.paths import AttrPath, Step, dotted, lookup
from iacguard_builtin.templates.rules import Rule


class CidrRule(Rule):
    path: AttrPath
    default: Any = MISSING
    judge: Literal["world", "outside-approved", "too-broad"] = "world"
    approved: list[str] = Field(default_factory=list)
    max_prefix: int = MIN_PREFIX_IPV4

    PLACEHOLDERS: ClassVar[frozenset[str]] = Rule.PLACEHOLDERS | {"setting", "cidrs", "path"}

    @model_validator(mode="after")
    def _approved_are_networks(self) -> CidrRule:
        bad = [a for a in self.approved if network(a) is None]
        if bad:
            raise ValueError(f"approved: not CIDR blocks: {', '.join(bad)}")
        return self


class CidrParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[CidrRule] = Field(min_length=1)


def _offending(rule: CidrRule, values: list[Any]) -> list[int]:
    if rule.judge == "world":
        return world_entries(values)
    if rule.judge == "too-broad":
        return [i for i, v in enumerate(values) if too_broad(v, rule.max_prefix)]
    approved = [n for n in map(network, rule.approved) if n is not None]
    found = []
    for i, value in enumerate(values):
        net = network(value)
        if net is not None and net.is_global and not any(covers(a, net) for a in approved):
            found.append(i)
    return found


def cidr(ctx: CheckContext[CidrParams]) -> Iterator[Violation]:
    for rule in ctx.params.rules:
        for resource in ctx.resources(rule.kinds or None):
            if not rule.in_namespace(resource) or (gate := rule.gate(resource.body)) is False:
                continue
            for relative, _ in lookup(resource.body, rule.path):
                setting = attr(resource, relative, rule.default)
                values = as_list(setting.value)
                if setting.unknown:
                    yield from ctx.unresolved(resource, setting.at, f"{resource.display_name} "
                                              f"{setting.describe(dotted(rule.path))}")
                    continue
                bad = _offending(rule, values)
                if not bad:
                    continue
                described = setting.describe(dotted(rule.path))
                if gate is None:
                    yield from ctx.unresolved(resource, setting.at,
                                              f"{resource.display_name} {described}")
                    continue
                at = (*setting.at, bad[0]) if setting.present and isinstance(
                    setting.value, list) else setting.at
                yield Violation.at(resource, at, rule.text(
                    resource, setting=described, path=dotted(rule.path),
                    cidrs=", ".join(fmt(values[i]) for i in bad)))


class PortRule(Rule):
    entries: AttrPath
    from_port: AttrPath | None = None
    to_port: AttrPath | None = None
    port_ranges: AttrPath | None = None
    protocol: AttrPath | None = None
    sources: list[AttrPath] = Field(min_length=1)

    PLACEHOLDERS: ClassVar[frozenset[str]] = Rule.PLACEHOLDERS | {"ports", "cidrs"}

    @model_validator(mode="after")
    def _one_port_form(self) -> PortRule:
        ranges = self.port_ranges is not None
        pair = self.from_port is not None and self.to_port is not None
        if ranges == pair:
            raise ValueError("give either from_port and to_port, or port_ranges")
        return self


class PortParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ports: list[int] = Field(min_length=1)
    rules: list[PortRule] = Field(min_length=1)


def _first(entry: Any, path: AttrPath | None) -> Any:
    if path is None:
        return MISSING
    return next((v for _, v in lookup(entry, path)), MISSING)


def _ranges(rule: PortRule, entry: Any) -> list[tuple[int, int]] | None:
    """The entry's port ranges; None when unknown. No port given: every port."""
    if rule.port_ranges is not None:
        written = _first(entry, rule.port_ranges)
        if is_unknown(written) or any(is_unknown(v) for v in as_list(written)):
            return None
        if written is MISSING or written == []:
            return [(0, 65535)]
        return [r for r in map(port_range, as_list(written)) if r is not None]
    low, high = _first(entry, rule.from_port), _first(entry, rule.to_port)
    if is_unknown(low) or is_unknown(high):
        return None
    found = port_range(f"{low}-{high}") if low is not MISSING and high is not MISSING else None
    return [found] if found else [(0, 65535)]


def _exposure(rule: PortRule, ports: list[int], entry: Any) -> tuple[list[int], list[Any]] | None:
    """(exposed ports, world sources), empty when closed; None when unknown."""
    protocol = _first(entry, rule.protocol)
    carries = True if protocol is MISSING else protocol_carries_tcp(protocol)  # unwritten: all
    ranges = _ranges(rule, entry)
    sources = [v for path in rule.sources for v in as_list(_first(entry, path))]
    if carries is None or ranges is None or any(is_unknown(s) for s in sources):
        return None
    world = [sources[i] for i in world_entries(sources)]
    exposed = sorted({p for low, high in ranges for p in covered_ports(low, high, ports)})
    if not carries or not world or not exposed:
        return [], []
    return exposed, world


def port_exposure(ctx: CheckContext[PortParams]) -> Iterator[Violation]:
    for rule in ctx.params.rules:
        for resource in ctx.resources(rule.kinds or None):
            if not rule.in_namespace(resource) or (gate := rule.gate(resource.body)) is False:
                continue
            for path, entry in lookup(resource.body, rule.entries):
                if entry is MISSING:
                    continue
                yield from _judge_entry(ctx, rule, resource, path, entry, gate)


def _judge_entry(ctx: CheckContext[PortParams], rule: PortRule, resource: Resource,
                 path: tuple[Step, ...], entry: Any, gate: bool | None) -> Iterator[Violation]:
    exposure = _exposure(rule, ctx.params.ports, entry)
    if exposure is None or (exposure[0] and gate is None):
        yield from ctx.unresolved(resource, path, f"{resource.display_name} {dotted(path)} "
                                  "ports or sources")
    elif exposure[0]:
        ports, world = exposure
        yield Violation.at(resource, path, rule.text(
            resource, ports=port_label(ports), cidrs=", ".join(fmt(w) for w in world)))
