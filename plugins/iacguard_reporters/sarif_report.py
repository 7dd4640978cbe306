"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning consumes it.

URIs are relative to the repository root when the scan root is inside a git checkout (so
alerts land on the right files), else relative to the scan root.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from iacguard.model import Finding, Location, PolicyMeta, ScanResult, Severity, Suppression
from iacguard.reporting import RenderOptions

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub: >9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _repo_prefix(root: Path) -> str:
    """The scan root's path inside its git checkout ('' when it is the top or no checkout)."""
    for candidate in (root, *root.parents):
        if (candidate / ".git").exists():
            rel = root.relative_to(candidate).as_posix()
            return "" if rel == "." else rel
    return ""


def _uri(prefix: str, path: str) -> str:
    return str(PurePosixPath(prefix) / path) if prefix else path


def _rule(policy: PolicyMeta) -> dict[str, Any]:
    help_markdown = (
        f"**{policy.title}**\n\n{policy.rationale.strip()}\n\n"
        f"**Remediation.** {policy.remediation.strip()}"
    )
    if policy.references:
        help_markdown += "\n\n" + "\n".join(f"- <{r}>" for r in policy.references)
    properties: dict[str, Any] = {
        "tags": ["security", "iac", policy.category],
        "precision": "high",
        "problem.severity": "error" if policy.severity >= Severity.HIGH else "warning",
    }
    if policy.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[policy.severity]
    rule: dict[str, Any] = {
        "id": policy.id,
        "name": policy.name,
        "shortDescription": {"text": policy.title[:1024]},
        "fullDescription": {"text": " ".join(policy.rationale.split())[:1024]},
        "defaultConfiguration": {"level": LEVEL[policy.severity]},
        "help": {
            "text": f"{' '.join(policy.rationale.split())} Remediation: "
            f"{' '.join(policy.remediation.split())}",
            "markdown": help_markdown,
        },
        "properties": properties,
    }
    if policy.references:
        rule["helpUri"] = policy.references[0]
    return rule


def _physical(prefix: str, loc: Location) -> dict[str, Any]:
    region: dict[str, Any] = {
        "startLine": loc.start_line,
        "startColumn": loc.start_col,
        "endLine": loc.end_line,
    }
    if loc.end_col > 1:
        region["endColumn"] = loc.end_col
    return {
        "artifactLocation": {"uri": _uri(prefix, loc.path), "uriBaseId": "%SRCROOT%"},
        "region": region,
    }


def _suppression(suppression: Suppression, prefix: str) -> dict[str, Any]:
    """Inline comments and annotations are `inSource`; a baseline is `external`."""
    where = Location(path=suppression.path, start_line=suppression.line,
                     end_line=suppression.line)
    properties: dict[str, Any] = {"iacguard/kind": suppression.kind, "rule": suppression.rule}
    if suppression.expires:
        properties["expires"] = suppression.expires
    return {
        "kind": "external" if suppression.kind == "baseline" else "inSource",
        "status": "accepted",
        "justification": suppression.reason,
        "location": {"physicalLocation": _physical(prefix, where)},
        "properties": properties,
    }


def _result(finding: Finding, index: dict[str, int], prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index[finding.rule_id],
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": _physical(prefix, finding.location)}],
        "partialFingerprints": {
            "primaryLocationLineHash": f"{finding.fingerprint}:1",
            "iacguard/v1": finding.fingerprint,
        },
        "properties": {"severity": finding.severity.label, "resource": finding.resource.id},
    }
    if finding.suppression is not None:
        result["suppressions"] = [_suppression(finding.suppression, prefix)]
    if finding.related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(prefix, loc)}
            for i, loc in enumerate(finding.related[:100])
        ]
    return result


def render(result: ScanResult, options: RenderOptions) -> str:
    prefix = _repo_prefix(Path(result.root))
    used = {f.rule_id for f in result.findings}
    policies = [p for p in result.policies if p.id in used or p.category != "parse-error"]
    index = {p.id: i for i, p in enumerate(policies)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iacguard",
                        "semanticVersion": result.version,
                        "informationUri": "https://github.com/iacguard/iacguard",
                        "rules": [_rule(p) for p in policies],
                    }
                },
                "automationDetails": {"id": "iacguard/"},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index, prefix) for f in result.findings[:25000]],
                "invocations": [
                    {
                        "executionSuccessful": not result.errors,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": e.message.splitlines()[0]}}
                            for e in result.errors
                        ],
                    }
                ],
            }
        ],
    }
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
