"""private-nodes: cluster nodes must not have public IP addresses or sit in public subnets.

The judgement is the cloud library's (`iacguard_builtin.cloud.nodes`), which LB002 asks too; these
checks report its public settings (and the unknown ones as unresolved) one by one.
"""

from __future__ import annotations

from collections.abc import Iterator

from iacguard.checks import CheckContext, NoParams
from iacguard.model import Violation
from iacguard_builtin.cloud.nodes import NodeSetting, Placement, node_settings


def _report(ctx: CheckContext[NoParams], placement: Placement) -> Iterator[Violation]:
    for setting in node_settings(ctx.graph):
        if setting.placement != placement:
            continue
        if setting.public is None:
            for v in ctx.unresolved(setting.resource, setting.path, setting.reason):
                yield v.model_copy(update={"key": setting.key}) if setting.key else v
        elif setting.public:
            yield _violation(setting)


def _violation(setting: NodeSetting) -> Violation:
    return Violation.at(setting.resource, setting.path, setting.reason,
                        related=[(r, ()) for r in setting.related], key=setting.key or "")


def node_group_in_public_subnet(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    """EKS node groups whose subnets are public (IP mapping or a route to an IGW)."""
    yield from _report(ctx, "subnet")


def node_public_ip(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    """Nodes that get public IPs: AWS node templates/instances, GKE clusters/pools, AKS pools."""
    yield from _report(ctx, "address")
