"""Baselines: the findings a repository accepted, so a gate fails only on what is new.

A baseline file is JSON, sorted and deterministic: one entry per finding with its
fingerprint (what matching uses: rule + resource identity + logical path, never lines), the
rule, the repository-relative file (or Terraform root) and the resource. Fingerprints carry
the resource's path relative to the scan root, so create and use a baseline from the same
scan paths; two same-named resources in different files or roots are different entries.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iacguard.config_errors import describe
from iacguard.errors import ConfigError
from iacguard.model import Finding

BASELINE_VERSION = 1


class BaselineEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fingerprint: str
    rule: str
    path: str  # relative to the repository root (the scan root outside a repository)
    resource: str
    reason: str | None = None  # optional, kept by `baseline update`

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.path, self.rule, self.resource, self.fingerprint)


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = BASELINE_VERSION
    entries: list[BaselineEntry] = Field(default_factory=list)

    def fingerprints(self) -> dict[str, BaselineEntry]:
        return {e.fingerprint: e for e in self.entries}


def repo_prefix(root: Path) -> str:
    """The scan root's path inside its git checkout ('' at the top or outside one)."""
    for candidate in (root, *root.parents):
        if (candidate / ".git").exists():
            rel = root.relative_to(candidate).as_posix()
            return "" if rel == "." else rel
    return ""


def entry_of(finding: Finding, prefix: str) -> BaselineEntry:
    path = finding.location.path
    return BaselineEntry(fingerprint=finding.fingerprint, rule=finding.rule_id,
                         path=str(PurePosixPath(prefix) / path) if prefix else path,
                         resource=finding.resource.id)


def create(findings: list[Finding], root: Path) -> Baseline:
    """Every finding not already suppressed inline (findings about suppressions left out)."""
    prefix = repo_prefix(root)
    entries = {entry_of(f, prefix) for f in findings
               if f.suppression is None and f.category != "suppressions"}
    return Baseline(entries=sorted(entries, key=BaselineEntry.sort_key))


def update(old: Baseline, findings: list[Finding]) -> tuple[Baseline, list[BaselineEntry]]:
    """The old entries that still match a finding (fixed ones dropped, none added), and
    the dropped ones."""
    current = {f.fingerprint for f in findings}
    kept = [e for e in old.entries if e.fingerprint in current]
    dropped = [e for e in old.entries if e.fingerprint not in current]
    return Baseline(entries=sorted(kept, key=BaselineEntry.sort_key)), dropped


def dumps(baseline: Baseline) -> str:
    data = baseline.model_dump(exclude_none=True)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc}") from exc
    try:
        return Baseline.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe(exc, Baseline, str(path), "baseline")) from None


def line_of(text: str, fingerprint: str) -> int:
    """The line of the baseline file naming `fingerprint` (1 when it is not found)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fingerprint in line:
            return number
    return 1
