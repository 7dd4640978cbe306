"""Shared helpers for the cloud checks: values with their origin, defaults, graph hops, CIDRs.

Terraform resources arrive in plan-JSON `values` shape: nested blocks are lists of dicts,
attributes that were not written are absent (the provider default applies), and values
known only after apply are `Unknown`. Every finding states the evaluated value and where
it came from, so the helpers here carry that origin along with the value.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource
from iacguard.values import MISSING, Path, as_list, get, is_unknown, pointer, truthy

PROVIDER_DEFAULT = "provider default"
LITERAL = "literal"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Source spellings that mean "anyone on the internet" (Azure service tags included).
WORLD_WORDS = frozenset({"*", "internet", "any", "0.0.0.0/0", "::/0"})


# -- values and where they came from ----------------------------------------------------

def fmt(value: Any) -> str:
    """A value as it would be written in HCL, for messages."""
    if is_unknown(value):
        return str(value)  # "(unknown: var.x has no value)"
    if value is MISSING:
        return "(absent)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def origin(resource: Resource, path: Path) -> str:
    """Where the value at `path` came from: a provenance description, literal or default."""
    if get(resource.body, path) is MISSING:
        return PROVIDER_DEFAULT
    parts = list(path)
    while parts:
        found = resource.provenance.get(pointer(parts))
        if found is not None:
            return found.description
        parts.pop()
    return LITERAL


def existing_path(resource: Resource, path: Path) -> tuple[str | int, ...]:
    """The longest prefix of `path` present in the body (where a default should be reported)."""
    parts = list(path)
    while parts and get(resource.body, parts) is MISSING:
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True)
class Attr:
    """An attribute's effective value: as written, or the provider default when absent."""

    resource: Resource
    path: tuple[str | int, ...]
    value: Any
    present: bool
    where: str

    @property
    def unknown(self) -> bool:
        return is_unknown(self.value) or (
            isinstance(self.value, list) and any(is_unknown(v) for v in self.value)
        )

    @property
    def at(self) -> tuple[str | int, ...]:
        """The path to report: the attribute, or its nearest written parent if defaulted."""
        return self.path if self.present else existing_path(self.resource, self.path)

    @property
    def name(self) -> str:
        return ".".join(str(p) for p in self.path if not isinstance(p, int))

    def describe(self, name: str | None = None) -> str:
        """`name = value (where it came from)`."""
        if self.value is MISSING:
            return f"{name or self.name} is not set ({self.where})"
        if is_unknown(self.value) and self.where == LITERAL:
            return f"{name or self.name} = {fmt(self.value)}"
        return f"{name or self.name} = {fmt(self.value)} ({self.where})"

    def flag(self) -> bool | None:
        """The value as a boolean, `None` when unknown or not a boolean."""
        if is_unknown(self.value):
            return None
        return truthy(self.value)


def attr(resource: Resource, path: Path, default: Any = MISSING) -> Attr:
    value = get(resource.body, path)
    if value is MISSING or value is None:
        # Terraform treats null like an omitted argument: the provider default applies.
        return Attr(resource, tuple(path), default, False, PROVIDER_DEFAULT)
    return Attr(resource, tuple(path), value, True, origin(resource, path))


def blocks(resource: Resource, name: str) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """A nested block's instances with their paths (`(name, i)`); blocks are lists of dicts."""
    value = resource.body.get(name)
    if isinstance(value, dict):  # tolerate a single block given as a mapping
        return [((name,), value)]
    return [((name, i), b) for i, b in enumerate(as_list(value)) if isinstance(b, dict)]






def block_label(resource: Resource, path: tuple[str | int, ...]) -> str:
    """`node_pool "workers"` (its `name`), else `node_pool[1]`, for messages about inline blocks."""
    name = get(resource.body, (*path, "name"))
    if isinstance(name, str) and name:
        return f'{path[0]} "{name}"'
    return f"{path[0]}[{path[1]}]" if len(path) > 1 else str(path[0])


def tags_of(resource: Resource) -> dict[str, str]:
    """Tags as a flat mapping (`tags`/`tags_all` maps and ASG-style `tag` blocks)."""
    found: dict[str, str] = {}
    for key in ("tags_all", "tags", "labels"):
        value = resource.body.get(key)
        if isinstance(value, dict):
            found.update({str(k): str(v) for k, v in value.items() if not is_unknown(v)})
    for block in as_list(resource.body.get("tag")):
        if isinstance(block, dict) and isinstance(block.get("key"), str):
            found[block["key"]] = str(block.get("value", ""))
    return found


# -- names and globs ----------------------------------------------------------------------

def glob_any(text: str, patterns: Iterable[str]) -> bool:
    lowered = text.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


def designated(resource: Resource, patterns: Iterable[str]) -> bool:
    """True if the resource's address or name matches one of the glob patterns."""
    patterns = list(patterns)
    candidates = [resource.name, resource.address or ""]
    value = resource.body.get("name")
    if isinstance(value, str):
        candidates.append(value)
    return any(c and glob_any(c, patterns) for c in candidates)


# -- graph hops ---------------------------------------------------------------------------

def contains(resources: Iterable[Resource], resource: Resource) -> bool:
    """Membership by id (resources compare by value, which is slow and not identity)."""
    return any(r.id == resource.id for r in resources)


def _on_path(edge_path: Any, prefix: str) -> bool:
    return isinstance(edge_path, str) and (edge_path == prefix or edge_path.startswith(prefix + "/"))


def referenced(
    graph: ResourceGraph, resource: Resource, path: Path, kinds: Iterable[str] | None = None
) -> list[Resource]:
    """Resources that `resource` references from the attribute at `path` (or below it)."""
    prefix = pointer(path)
    wanted = set(kinds) if kinds is not None else None
    found: list[Resource] = []
    for edge in graph.out_edges(resource, EdgeKind.REFERENCES):
        if _on_path(edge.attrs.get("path"), prefix):
            target = graph.get(edge.target)
            if (wanted is None or target.kind in wanted) and not contains(found, target):
                found.append(target)
    return found




def referrers(
    graph: ResourceGraph, resource: Resource, kinds: Iterable[str], path: Path | None = None
) -> list[Resource]:
    """Resources of `kinds` that reference `resource` (from the attribute at `path` if given)."""
    wanted = set(kinds)
    prefix = pointer(path) if path is not None else None
    found: list[Resource] = []
    for edge in graph.in_edges(resource, EdgeKind.REFERENCES):
        source = graph.get(edge.source)
        if source.kind not in wanted or contains(found, source):
            continue
        if prefix is None or _on_path(edge.attrs.get("path"), prefix):
            found.append(source)
    return found


def has_references(graph: ResourceGraph, resource: Resource, path: Path) -> bool:
    prefix = pointer(path)
    return any(_on_path(e.attrs.get("path"), prefix)
               for e in graph.out_edges(resource, EdgeKind.REFERENCES))


# -- CIDRs --------------------------------------------------------------------------------

def network(value: Any) -> Network | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def is_world(value: Any) -> bool:
    """`0.0.0.0/0`, `::/0` or any other /0, and the words that mean the internet."""
    if isinstance(value, str) and value.strip().lower() in WORLD_WORDS:
        return True
    net = network(value)
    return net is not None and net.prefixlen == 0


def covers(outer: Network, inner: Network) -> bool:
    return outer.version == inner.version and inner.subnet_of(outer)  # type: ignore[arg-type]


class CidrPolicy(BaseModel):
    """How an allow-list entry is judged once `/0` (never acceptable) is ruled out.

    With `approved_cidrs` set, every public entry must lie inside an approved CIDR. With
    it empty, any public entry passes unless it is broader than the minimum prefix
    length (`0.0.0.0/1` is half the internet and no office or VPN needs more than a /16).
    Private ranges (RFC 1918, ULA, CGNAT) are not internet exposure and always pass.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    approved_cidrs: list[str] = []
    min_prefix_length_ipv4: int = 16
    min_prefix_length_ipv6: int = 48

    @field_validator("approved_cidrs")
    @classmethod
    def _are_cidrs(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if network(v) is None]
        if bad:
            raise ValueError(f"not CIDRs: {', '.join(bad)}")
        return value

    def judge(self, cidr: str) -> str | None:
        """Why `cidr` is not an acceptable allow-list entry, or `None` if it is."""
        net = network(cidr)
        if net is None:
            return f"{fmt(cidr)} is not a CIDR"
        if not net.is_global:
            return None
        approved = [n for n in (network(a) for a in self.approved_cidrs) if n is not None]
        if approved:
            if any(covers(a, net) for a in approved):
                return None
            return f"{net} is not inside an approved CIDR ({', '.join(map(str, approved))})"
        minimum = self.min_prefix_length_ipv4 if net.version == 4 else self.min_prefix_length_ipv6
        if net.prefixlen < minimum:
            return (f"{net} spans {net.num_addresses:,} addresses (prefix shorter than "
                    f"/{minimum})")
        return None


# -- ports --------------------------------------------------------------------------------

ALL_PROTOCOLS = frozenset({"-1", "all", "*"})


def protocol_carries_tcp(protocol: Any) -> bool | None:
    """Whether an ingress rule's protocol admits TCP (SSH, RDP, kubelet are all TCP)."""
    if is_unknown(protocol):
        return None
    text = str(protocol).strip().lower()
    return text in ALL_PROTOCOLS or text in {"tcp", "6"}


def port_range(text: Any) -> tuple[int, int] | None:
    """`"22"`, `"20-30"`, `22`, `"*"` as an inclusive range; `None` if not a port spec."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return (text, text)
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text in ("*", ""):
        return (0, 65535)
    low, _, high = text.partition("-")
    try:
        return (int(low), int(high or low))
    except ValueError:
        return None


def covered_ports(low: int, high: int, ports: Iterable[int]) -> list[int]:
    return [p for p in ports if low <= p <= high]


PORT_NAMES = {22: "SSH", 3389: "RDP", 10250: "kubelet"}


def port_label(ports: Iterable[int]) -> str:
    return ", ".join(f"{p} ({PORT_NAMES[p]})" if p in PORT_NAMES else str(p) for p in ports)
