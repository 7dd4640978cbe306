"""Synthetic scan results for format tests: findings built directly, no scan."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from iacguard.model import (
    Finding,
    Location,
    PolicyMeta,
    ResourceRef,
    ScanError,
    ScanResult,
    Severity,
    Suppression,
)


def policy(rule_id: str, severity: Severity = Severity.HIGH, name: str = "some-rule") -> PolicyMeta:
    return PolicyMeta(id=rule_id, name=name, category="internal-lb", severity=severity,
                      title=f"title of {rule_id}", check="some-check",
                      rationale="Why it matters.", remediation="Fix it.")


def finding(rule_id: str = "LB001", severity: Severity = Severity.HIGH, *, path: str = "k8s/a.yaml",
            line: int = 1, end_line: int | None = None, col: int = 1, end_col: int = 1,
            precision: str = "exact", message: str = "a message", fingerprint: str | None = None,
            related: Sequence[Location] = (), suppressed: bool = False,
            name: str = "some-rule") -> Finding:
    suppression = (Suppression(kind="inline", reason="accepted", rule=rule_id, path=path, line=line)
                   if suppressed else None)
    return Finding(
        rule_id=rule_id, rule_name=name, category="internal-lb", severity=severity,
        title=f"title of {rule_id}", message=message,
        resource=ResourceRef(id=f"k8s:{path}:{line}", kind="Service", name="web", format="kubernetes"),
        location=Location(path=path, start_line=line, end_line=end_line or line, start_col=col,
                          end_col=end_col, precision=precision),  # type: ignore[arg-type]
        related=list(related), suppression=suppression,
        fingerprint=fingerprint or f"{rule_id}-{path}-{line}-{message}".encode().hex()[:32])


def result(findings: Sequence[Finding], root: Path, *, errors: Sequence[ScanError] = (),
           fail_on: Severity = Severity.LOW) -> ScanResult:
    rules: dict[str, PolicyMeta] = {}
    for f in findings:
        rules.setdefault(f.rule_id, policy(f.rule_id, f.severity, f.rule_name))
    return ScanResult(version="0.1.0", root=str(root), findings=list(findings), errors=list(errors),
                      policies=sorted(rules.values(), key=lambda p: p.id), files_scanned=1,
                      resources=len(findings), fail_on=fail_on)


def repository(tmp_path: Path, scan_dir: str = "infra") -> Path:
    """A checkout (`.git` is all the repository prefix looks for) with the scan root below it."""
    (tmp_path / ".git").mkdir()
    root = tmp_path / scan_dir
    root.mkdir(parents=True, exist_ok=True)
    return root
