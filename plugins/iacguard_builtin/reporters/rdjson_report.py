"""`--format rdjson`: reviewdog's DiagnosticResult JSON (`reviewdog -f=rdjson`).

One diagnostic per unsuppressed finding, in the report's order. Paths are relative to the
repository root, as reviewdog matches them to the diff. Ranges are 1-based with UTF-8 byte
columns and an exclusive end (reviewdog's rules): iacguard's character columns are converted
by reading the line back from the file under the scan root. Where that cannot be done
exactly (a block or file precision, no known end column, a file that cannot be read) the
range is line-only, which reviewdog takes to cover the lines whole.

Messages are Markdown-escaped (`iacguard.review.escape_markdown`): reviewdog posts them as
pull-request comments, where text from a scanned file must not @mention anyone or write
HTML. Internal errors are not diagnostics (no location); the exit code and stderr carry them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iacguard.model import Finding, Location, ScanResult, Severity
from iacguard.policy_docs import SOURCE_URL, rule_docs_url
from iacguard.reporting import RenderOptions
from iacguard.review import escape_markdown
from iacguard_builtin.reporters.locations import RepositoryPaths, SourceLines, byte_column

SEVERITY = {
    Severity.CRITICAL: "ERROR",
    Severity.HIGH: "ERROR",
    Severity.MEDIUM: "WARNING",
    Severity.LOW: "INFO",
    Severity.INFO: "INFO",
}
SOURCE = {"name": "iacguard", "url": SOURCE_URL}


def _range(loc: Location, lines: SourceLines) -> dict[str, Any]:
    line_only = {"start": {"line": loc.start_line}, "end": {"line": loc.end_line}}
    if loc.precision != "exact" or loc.end_col <= 1:  # end_col 1: the end column is unknown
        return line_only
    first, last = lines.line(loc.path, loc.start_line), lines.line(loc.path, loc.end_line)
    if first is None or last is None:
        return line_only
    start, end = byte_column(first, loc.start_col), byte_column(last, loc.end_col)
    if start is None or end is None or (loc.end_line, end) <= (loc.start_line, start):
        return line_only
    return {"start": {"line": loc.start_line, "column": start},
            "end": {"line": loc.end_line, "column": end}}


def _location(loc: Location, lines: SourceLines, repo: RepositoryPaths) -> dict[str, Any]:
    return {"path": repo(loc.path), "range": _range(loc, lines)}


def diagnostic(finding: Finding, lines: SourceLines, repo: RepositoryPaths) -> dict[str, Any]:
    out: dict[str, Any] = {
        "message": escape_markdown(f"{finding.title}: {finding.message}"),
        "location": _location(finding.location, lines, repo),
        "severity": SEVERITY[finding.severity],
        "source": SOURCE,
        "code": {"value": finding.rule_id, "url": rule_docs_url(finding.rule_id)},
    }
    if finding.related:
        out["related_locations"] = [
            {"message": escape_markdown(f"related: {repo(r.path)}:{r.start_line}"),
             "location": _location(r, lines, repo)} for r in finding.related]
    return out


def render(result: ScanResult, options: RenderOptions) -> str:
    root = Path(result.root)
    lines, repo = SourceLines(root), RepositoryPaths(root)
    doc = {"source": SOURCE,
           "diagnostics": [diagnostic(f, lines, repo) for f in result.findings
                           if f.suppression is None]}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
