"""Administrative ports (what an attacker logs in or runs commands through) and port specs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iacguard.values import is_unknown

SSH, RDP, KUBELET = 22, 3389, 10250
PORT_NAMES = {SSH: "SSH", RDP: "RDP", KUBELET: "kubelet"}
ADMIN_PORTS = (SSH, RDP, KUBELET)  # the kubelet API runs commands in any pod on the node
LOGIN_PORTS = (SSH, RDP)  # what a bastion forwards


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




def port_label(ports: Iterable[int]) -> str:
    return ", ".join(f"{p} ({PORT_NAMES[p]})" if p in PORT_NAMES else str(p) for p in ports)
