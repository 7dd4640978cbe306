"""Address ranges: which are the whole internet, which are overly broad (the package docstring
states the rule every policy follows)."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Source spellings that mean "anyone on the internet" (Azure service tags included).
WORLD_WORDS = frozenset({"*", "internet", "any", "0.0.0.0/0", "::/0"})
WORLD = {4: ipaddress.ip_network("0.0.0.0/0"), 6: ipaddress.ip_network("::/0")}
# No office or VPN egress needs more than a /16 (IPv4) or a /48 (IPv6).
MIN_PREFIX_IPV4 = 16
MIN_PREFIX_IPV6 = 48


def network(value: Any) -> Network | None:
    if not isinstance(value, str):
        return None
    return _network(value.strip())


@functools.lru_cache(maxsize=4096)
def _network(text: str) -> Network | None:
    """Parsed once per spelling (networks are immutable): a large plan repeats a few CIDRs
    in thousands of rules."""
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def is_world(value: Any) -> bool:
    """One entry that alone is the whole internet: any /0, and the words that mean it."""
    if isinstance(value, str) and value.strip().lower() in WORLD_WORDS:
        return True
    net = network(value)
    return net is not None and net.prefixlen == 0


def covers(outer: Network, inner: Network) -> bool:
    return outer.version == inner.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def world_entries(values: Sequence[Any]) -> list[int]:
    """Indices of the entries that make `values` world-reachable (empty: it is not).

    Entries that are the world alone, if any; else the public entries of an IP version whose
    entries together cover its whole address space (`0.0.0.0/1` + `128.0.0.0/1`).
    """
    alone = [i for i, v in enumerate(values) if is_world(v)]
    if alone:
        return alone
    found: list[int] = []
    for version, world in WORLD.items():
        nets = [(i, n) for i, n in ((i, network(v)) for i, v in enumerate(values))
                if n is not None and n.version == version]
        # One version per pass: collapse_addresses cannot mix them.
        if list(ipaddress.collapse_addresses(n for _, n in nets)) == [world]:  # type: ignore[type-var]
            found += [i for i, n in nets if n.is_global]
    return found


def too_broad(value: Any, min_prefix_ipv4: int = MIN_PREFIX_IPV4,
              min_prefix_ipv6: int = MIN_PREFIX_IPV6) -> str | None:
    """Why a public entry is overly broad (`None`: narrow, private or not a CIDR)."""
    net = network(value)
    if net is None or not net.is_global:
        return None
    minimum = min_prefix_ipv4 if net.version == 4 else min_prefix_ipv6
    if net.prefixlen < minimum:
        return f"{net} spans {net.num_addresses:,} addresses (prefix shorter than /{minimum})"
    return None


@dataclass(frozen=True)
class Reach:
    """Who an allow-list lets in: world-reachable entries, and overly broad ones with why."""

    world: tuple[int, ...]
    broad: tuple[tuple[int, str], ...]

    @property
    def restricts(self) -> bool:
        return not self.world and not self.broad

    def describe(self, values: Sequence[Any]) -> str:
        if self.world:
            shown = ", ".join(str(values[i]) for i in self.world)
            if not is_world(values[self.world[0]]):
                return f"{shown} together cover the whole internet"
            return f"{shown} {'is' if len(self.world) == 1 else 'are'} the whole internet"
        return "; ".join(why for _, why in self.broad)


def reach(values: Sequence[Any]) -> Reach:
    """Judge an allow-list by the library's rule (default thresholds)."""
    world = world_entries(values)
    broad = [(i, why) for i, v in enumerate(values)
             if i not in world and (why := too_broad(v)) is not None]
    return Reach(tuple(world), tuple(broad))
