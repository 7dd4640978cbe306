"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning consumes it, within its limits.

URIs are relative to the repository root when the scan root is inside a git checkout (so
alerts land on the right files), else relative to the scan root.

GitHub rejects a whole upload that exceeds one of its limits, so the log keeps to them and
says what it left out (`runs[0].invocations[0].toolExecutionNotifications`):
- one run, whose `automationDetails.id` is `<category>/` (`--sarif-category`, default
  `iacguard`): two uploads with the same tool and category replace each other;
- at most 25,000 results: the most severe are kept (unsuppressed before suppressed at one
  severity), listed in the report's order;
- at most 1,000 related locations per result (the first ones are kept);
- at most 20 tags per rule;
- at most 10 MB gzip-compressed: the least severe results are dropped until it fits.
`partialFingerprints.primaryLocationLineHash` is the finding's fingerprint (rule, resource
identity, logical path: never a line), so an alert survives line shifts; `:n` counts repeats
of one fingerprint in the run, so each value is unique.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacguard.model import Finding, Location, PolicyMeta, ScanResult, Severity, Suppression
from iacguard.policy_docs import SOURCE_URL
from iacguard.reporting import RenderOptions
from iacguard_builtin.reporters.locations import RepositoryPaths

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DEFAULT_CATEGORY = "iacguard"
CATEGORY_OPTION = "sarif_category"  # Config.options key of --sarif-category
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


@dataclass(frozen=True)
class Limits:
    """GitHub code scanning's limits for one upload (docs: "SARIF support for code scanning")."""

    results: int = 25_000  # per run
    related: int = 1_000  # locations per result
    tags: int = 20  # per rule
    gzip_bytes: int = 10_000_000  # the whole file, gzip-compressed (10 MB)


def automation_id(category: str) -> str:
    """`<category>/`, as `upload-sarif` writes a category."""
    return category if category.endswith("/") else f"{category}/"


def _rule(policy: PolicyMeta, limits: Limits) -> dict[str, Any]:
    help_markdown = (
        f"**{policy.title}**\n\n{policy.rationale.strip()}\n\n"
        f"**Remediation.** {policy.remediation.strip()}"
    )
    if policy.references:
        help_markdown += "\n\n" + "\n".join(f"- <{r}>" for r in policy.references)
    properties: dict[str, Any] = {
        "tags": list(dict.fromkeys(["security", "iac", policy.category]))[: limits.tags],
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


def _physical(repo: RepositoryPaths, loc: Location) -> dict[str, Any]:
    region: dict[str, Any] = {
        "startLine": loc.start_line,
        "startColumn": loc.start_col,
        "endLine": loc.end_line,
    }
    if loc.end_col > 1:
        region["endColumn"] = loc.end_col
    return {
        "artifactLocation": {"uri": repo(loc.path), "uriBaseId": "%SRCROOT%"},
        "region": region,
    }


def _suppression(suppression: Suppression, repo: RepositoryPaths) -> dict[str, Any]:
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
        "location": {"physicalLocation": _physical(repo, where)},
        "properties": properties,
    }


def _result(finding: Finding, index: dict[str, int], repo: RepositoryPaths, line_hash: str,
            limits: Limits) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index[finding.rule_id],
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": _physical(repo, finding.location)}],
        "partialFingerprints": {
            "primaryLocationLineHash": line_hash,
            "iacguard/v1": finding.fingerprint,
        },
        "properties": {"severity": finding.severity.label, "resource": finding.resource.id},
    }
    if finding.suppression is not None:
        result["suppressions"] = [_suppression(finding.suppression, repo)]
    if finding.related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(repo, loc)}
            for i, loc in enumerate(finding.related[: limits.related])
        ]
        if len(finding.related) > limits.related:
            result["properties"]["relatedLocationsOmitted"] = len(finding.related) - limits.related
    return result


def _ranked(findings: list[Finding]) -> list[int]:
    """Indexes of `findings`, most severe first (unsuppressed first at one severity), then
    in the report's order: the order results are kept in when a limit is reached."""
    return sorted(range(len(findings)),
                  key=lambda i: (-findings[i].severity, findings[i].suppression is not None, i))


def _line_hashes(findings: list[Finding]) -> list[str]:
    """`<fingerprint>:<n>`, n counting earlier results with the same fingerprint."""
    seen: Counter[str] = Counter()
    hashes = []
    for finding in findings:
        seen[finding.fingerprint] += 1
        hashes.append(f"{finding.fingerprint}:{seen[finding.fingerprint]}")
    return hashes


def _notification(rule: str, text: str) -> dict[str, Any]:
    return {"level": "warning", "descriptor": {"id": rule}, "message": {"text": text}}


def _left_out(total: int, kept: int, reason: str) -> dict[str, Any]:
    return _notification("iacguard/results-left-out",
                         f"{total - kept} of {total} results left out: {reason}; the most "
                         "severe were kept (the text or JSON report lists every finding)")


class _Run:
    """The parts of the run that do not depend on which results are kept."""

    def __init__(self, result: ScanResult, category: str, limits: Limits) -> None:
        self.result, self.limits = result, limits
        self.repo = RepositoryPaths(Path(result.root))
        used = {f.rule_id for f in result.findings}
        self.policies = [p for p in result.policies if p.id in used or p.category != "parse-error"]
        self.index = {p.id: i for i, p in enumerate(self.policies)}
        self.category = category

    def log(self, findings: list[Finding], notes: list[dict[str, Any]]) -> dict[str, Any]:
        errors = [{"level": "error", "message": {"text": (e.message.splitlines() or [e.kind])[0]}}
                  for e in self.result.errors]
        hashes = _line_hashes(findings)
        return {
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "iacguard",
                    "semanticVersion": self.result.version,
                    "informationUri": SOURCE_URL,
                    "rules": [_rule(p, self.limits) for p in self.policies],
                }},
                "automationDetails": {"id": automation_id(self.category)},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, self.index, self.repo, h, self.limits)
                            for f, h in zip(findings, hashes, strict=True)],
                "invocations": [{
                    "executionSuccessful": not self.result.errors,
                    "toolExecutionNotifications": errors + notes,
                }],
            }],
        }


def dumps(log: dict[str, Any]) -> str:
    """Compact, sorted JSON: `indent` would switch `json` to its pure-Python encoder, ten
    times slower on a log of 25,000 results (and rendered again when the size must shrink)."""
    return json.dumps(log, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n"


def gzip_size(text: str) -> int:
    """The size `upload-sarif` sends (zlib's default level; no timestamp)."""
    return len(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))


def sarif_log(result: ScanResult, category: str = DEFAULT_CATEGORY,
              limits: Limits = Limits()) -> str:
    """The SARIF text of `result`, within `limits` (the module docstring says how)."""
    run = _Run(result, category, limits)
    findings = result.findings
    ranked = _ranked(findings)
    keep = min(len(ranked), limits.results)
    reasons = ([f"GitHub accepts at most {limits.results:,} results per run"]
               if keep < len(ranked) else [])

    def attempt(count: int) -> str:
        kept = [findings[i] for i in sorted(ranked[:count])]
        notes = []
        crowded = sum(1 for f in kept if len(f.related) > limits.related)
        if crowded:
            notes.append(_notification(
                "iacguard/related-locations-left-out",
                f"{crowded} results have more than {limits.related:,} related locations: the "
                f"first {limits.related:,} of each were kept (properties.relatedLocationsOmitted)"))
        if reasons:
            notes.append(_left_out(len(findings), count, "; ".join(reasons)))
        return dumps(run.log(kept, notes))

    text = attempt(keep)
    size = gzip_size(text)
    if size > limits.gzip_bytes:
        reasons.append(f"the log must stay under {limits.gzip_bytes:,} bytes gzip-compressed "
                       "(GitHub's upload limit)")
    while size > limits.gzip_bytes and keep > 0:
        # Shrink in proportion, a little more so that few attempts are needed, and by one at least.
        keep = max(min(keep - 1, int(keep * limits.gzip_bytes / size * 0.95)), 0)
        text = attempt(keep)
        size = gzip_size(text)
    return text


def render(result: ScanResult, options: RenderOptions) -> str:
    category = str(options.options.get(CATEGORY_OPTION) or DEFAULT_CATEGORY)
    return sarif_log(result, category)
