"""What the cloud checks share beyond the cloud library (`iacguard_builtin.cloud`): designated entry
points and the allow-list policy of API002."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, field_validator

from iacguard.model import Resource
from iacguard_builtin.cloud.cidrs import MIN_PREFIX_IPV4, MIN_PREFIX_IPV6, covers, network, too_broad
from iacguard_builtin.cloud.settings import fmt, glob_any


def designated(resource: Resource, patterns: Iterable[str]) -> bool:
    """True if the resource's address or name matches one of the glob patterns."""
    patterns = list(patterns)
    candidates = [resource.name, resource.address or ""]
    value = resource.body.get("name")
    if isinstance(value, str):
        candidates.append(value)
    return any(c and glob_any(c, patterns) for c in candidates)


class CidrPolicy(BaseModel):
    """How an allow-list entry is judged once `/0` (never acceptable) is ruled out.

    With `approved_cidrs` set, every public entry must lie inside an approved CIDR. With
    it empty, any public entry passes unless it is overly broad (`iacguard_builtin.cloud.cidrs`:
    `0.0.0.0/1` is half the internet and no office or VPN needs more than a /16).
    Private ranges (RFC 1918, ULA, CGNAT) are not internet exposure and always pass.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    approved_cidrs: list[str] = []
    min_prefix_length_ipv4: int = MIN_PREFIX_IPV4
    min_prefix_length_ipv6: int = MIN_PREFIX_IPV6

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
        return too_broad(net.with_prefixlen, self.min_prefix_length_ipv4, self.min_prefix_length_ipv6)
