"""`--format gitlab`: a GitLab Code Quality report (`artifacts: reports: codequality:`).

A JSON array of `{description, check_name, fingerprint, severity, location: {path,
lines: {begin}}}`. GitLab compares the merge request's report with the target branch's by
fingerprint and shows one entry per fingerprint, so each fingerprint is

- stable: derived from the finding's fingerprint (rule + resource + logical path, never a
  line) and the file's repository path, so moving a block does not make it "new";
- unique in the array: GitLab merges the reports of every job of a pipeline (two jobs
  scanning sibling directories differ by the repository path), and an entry that would
  repeat one is told apart by its rank among its equals.

Paths are repository-relative (GitLab links them to the diff), as `--format sarif` does.
Suppressed findings are left out. Deterministic: sorted entries and keys, no BOM.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Any

from iacguard.baseline import repo_prefix
from iacguard.model import Finding, ScanResult, Severity
from iacguard.reporting import RenderOptions

SEVERITY = {
    Severity.INFO: "info",
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}
MAX_DESCRIPTION = 240  # the widget shows one line per entry


def _path(prefix: str, path: str) -> str:
    return str(PurePosixPath(prefix) / path) if prefix else path


def description(finding: Finding) -> str:
    """`RULE: message` on one line, cut at its first sentence (or a word) when long."""
    text = f"{finding.rule_id}: {' '.join(finding.message.split())}"
    if len(text) <= MAX_DESCRIPTION:
        return text
    sentence = text.find(". ")
    if 0 < sentence < MAX_DESCRIPTION:
        return text[: sentence + 1]
    cut = text[: MAX_DESCRIPTION - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"


def _fingerprint(finding_fingerprint: str, path: str, rank: int) -> str:
    identity = f"iacguard-codequality/1|{finding_fingerprint}|{path}"
    if rank:
        identity += f"|{rank}"
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def entries(result: ScanResult) -> list[dict[str, Any]]:
    prefix = repo_prefix(Path(result.root))
    shown = sorted((f for f in result.findings if f.suppression is None), key=Finding.sort_key)
    ranks: dict[tuple[str, str], int] = {}
    out: list[dict[str, Any]] = []
    for finding in shown:
        path = _path(prefix, finding.location.path)
        key = (finding.fingerprint, path)
        rank = ranks[key] = ranks.get(key, -1) + 1
        out.append({
            "description": description(finding),
            "check_name": finding.rule_id,
            "fingerprint": _fingerprint(finding.fingerprint, path, rank),
            "severity": SEVERITY[finding.severity],
            "location": {"path": path, "lines": {"begin": max(finding.location.start_line, 1)}},
        })
    return out


def render(result: ScanResult, options: RenderOptions) -> str:
    return json.dumps(entries(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
