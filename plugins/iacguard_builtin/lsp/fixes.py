"""Code actions: "suppress with reason" for every finding, and quick fixes where the fix is
unambiguous. Each is a text edit of the document the finding is in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from iacguard_builtin.cloud.load_balancers import markers_for
from iacguard_builtin.cloud.services import cloud_for
from iacguard_builtin.lsp.analysis import Issue, Snapshot
from iacguard_builtin.lsp.edits import LineEdit, comment_above, hcl_set, yaml_set

SUPPRESSION_DAYS = 90
PLACEHOLDER_REASON = "REASON: say why this is accepted"


@dataclass(frozen=True)
class Fix:
    title: str
    edit: LineEdit
    preferred: bool = False


def suppression(issue: Issue, lines: list[str], today: dt.date) -> Fix | None:
    """`# iacguard:ignore RULE until=DATE reason` above the finding (JSON has no comments)."""
    if issue.file.name.endswith(".json"):
        return None
    until = today + dt.timedelta(days=SUPPRESSION_DAYS)
    rule = issue.finding.rule_id
    comment = f"iacguard:ignore {rule} until={until.isoformat()} {PLACEHOLDER_REASON}"
    return Fix(f"Suppress {rule} here (with a reason)",
               comment_above(lines, issue.finding.location.start_line, comment))


def _block(path: tuple[str | int, ...], name: str) -> tuple[str | int, ...] | None:
    """The `name` block instance (`name/0`) the path lies in."""
    for i, part in enumerate(path[:-1]):
        if part == name and isinstance(path[i + 1], int):
            return path[:i + 2]
    return None


def _until(path: tuple[str | int, ...], last: str) -> tuple[str | int, ...]:
    return path[:path.index(last)] if last in path else path


def _private_api(issue: Issue, lines: list[str], snap: Snapshot) -> Fix | None:
    r = issue.resource
    if r is None or r.kind != "aws_eks_cluster":
        return None
    block = _block(issue.path, "vpc_config")
    edit = hcl_set(r, lines, block, "endpoint_public_access", "false") if block else None
    return Fix("Make the API endpoint private (endpoint_public_access = false)", edit, True) if edit else None


def _private_nodes(issue: Issue, lines: list[str], snap: Snapshot) -> Fix | None:
    r = issue.resource
    if r is None or not r.kind.startswith("google_container_"):
        return None
    block = _block(issue.path, "private_cluster_config") or _block(issue.path, "network_config")
    edit = hcl_set(r, lines, block, "enable_private_nodes", "true") if block else None
    return Fix("Give the nodes private addresses (enable_private_nodes = true)", edit, True) if edit else None


def _no_token(issue: Issue, lines: list[str], snap: Snapshot) -> Fix | None:
    r = issue.resource
    if r is None or r.format != "kubernetes":
        return None
    base = _until(issue.path, "automountServiceAccountToken")
    edit = yaml_set(r, lines, base, ["automountServiceAccountToken"], "false")
    title = "Do not mount the API token (automountServiceAccountToken: false)"
    return Fix(title, edit, True) if edit else None


def _no_escalation(issue: Issue, lines: list[str], snap: Snapshot) -> Fix | None:
    r = issue.resource
    if r is None or r.format != "kubernetes":
        return None
    base = _until(issue.path, "securityContext")
    edit = yaml_set(r, lines, base, ["securityContext", "allowPrivilegeEscalation"], "false")
    return Fix("Forbid privilege escalation (allowPrivilegeEscalation: false)", edit, True) if edit else None


def _internal_lb(issue: Issue, lines: list[str], snap: Snapshot) -> Fix | None:
    """Only for a known cloud (configured, or the cluster the Service is deployed to): which
    annotation is right depends on it."""
    r = issue.resource
    if r is None or r.format != "kubernetes" or snap.graph is None:
        return None
    configured = str(getattr(snap.policy_params.get("LB001"), "cloud", "auto"))
    cloud = cloud_for(snap.graph, r, configured)
    if cloud == "auto":
        return None
    marker = markers_for(cloud)[0]
    edit = yaml_set(r, lines, ("metadata",), ["annotations", marker.annotation], f'"{marker.expected}"')
    title = f"Make the load balancer internal ({cloud}: {marker.annotation})"
    return Fix(title, edit, True) if edit else None


QUICK_FIXES: dict[str, Callable[[Issue, list[str], Snapshot], Fix | None]] = {
    "API001": _private_api,
    "PN002": _private_nodes,
    "SAT001": _no_token,
    "PSC003": _no_escalation,
    "LB001": _internal_lb,
}


def fixes_for(issue: Issue, lines: list[str], snap: Snapshot, today: dt.date) -> list[Fix]:
    out: list[Fix] = []
    quick = QUICK_FIXES.get(issue.finding.rule_id)
    if quick is not None and issue.resource is not None and \
            issue.resource.origin.file == str(issue.file):
        fix = quick(issue, lines, snap)
        if fix is not None:
            out.append(fix)
    suppress = suppression(issue, lines, today)
    if suppress is not None:
        out.append(suppress)
    return out
