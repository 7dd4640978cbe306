"""Findings as LSP diagnostics: range, severity, rule code and docs link, related places."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter

from iacguard.model import Location, ScanError, Severity
from iacguard.policy_docs import rule_docs_url
from iacguard_builtin.lsp.analysis import Issue, Snapshot

SOURCE = "iacguard"

SEVERITIES = {
    Severity.CRITICAL: types.DiagnosticSeverity.Error,
    Severity.HIGH: types.DiagnosticSeverity.Error,
    Severity.MEDIUM: types.DiagnosticSeverity.Warning,
    Severity.LOW: types.DiagnosticSeverity.Information,
    Severity.INFO: types.DiagnosticSeverity.Hint,
}


def rule_url(rule_id: str) -> str:
    return rule_docs_url(rule_id)


def to_range(loc: Location, lines: list[str]) -> types.Range:
    """1-based inclusive-start / exclusive-end columns to LSP's 0-based positions; a span
    that ends where it starts (or only names the file) covers the rest of its first line."""
    start = types.Position(max(loc.start_line - 1, 0), max(loc.start_col - 1, 0))
    end = types.Position(max(loc.end_line - 1, 0), max(loc.end_col - 1, 0))
    if loc.precision == "file":
        start = types.Position(0, 0)
    if loc.precision == "file" or (end.line, end.character) <= (start.line, start.character):
        text = lines[start.line] if start.line < len(lines) else ""
        end = types.Position(start.line, max(len(text.rstrip("\r\n")), start.character))
    return end_before_newline(start, end, lines)


def end_before_newline(start: types.Position, end: types.Position,
                       lines: list[str]) -> types.Range:
    """A span ending at column 0 of the next line ends at the end of its last line instead."""
    if end.character == 0 and end.line > start.line:
        prev = lines[end.line - 1] if end.line - 1 < len(lines) else ""
        end = types.Position(end.line - 1, len(prev.rstrip("\r\n")))
    return types.Range(start, end)


def uri_of(path: Path) -> str:
    return path.as_uri()


def diagnostic(issue: Issue, snapshot: Snapshot, lines: list[str]) -> types.Diagnostic:
    f = issue.finding
    related = [types.DiagnosticRelatedInformation(
        location=types.Location(uri=uri_of(snapshot.root / loc.path),
                                range=types.Range(types.Position(loc.start_line - 1, loc.start_col - 1),
                                                  types.Position(loc.start_line - 1, loc.start_col - 1))),
        message=f"related: {loc.path}:{loc.start_line}") for loc in f.related]
    return types.Diagnostic(
        range=to_range(f.location, lines),
        message=f"{f.title}: {f.message}",
        severity=SEVERITIES[f.severity],
        code=f.rule_id,
        code_description=types.CodeDescription(href=rule_url(f.rule_id)),
        source=SOURCE,
        related_information=related or None,
        data={"fingerprint": f.fingerprint},
    )


def error_diagnostic(error: ScanError) -> types.Diagnostic:
    """An internal error (crashed loader or check, bad configuration) where it happened."""
    return types.Diagnostic(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        message=f"iacguard {error.kind}: {error.first_line}",
        severity=types.DiagnosticSeverity.Error, code=error.kind, source=SOURCE)


@functools.cache
def _converter() -> Any:
    """One converter for the process: `get_converter()` builds a new one each call (~30 ms
    registering lsprotocol's hooks), and ids are asked for every file at every check."""
    return get_converter()


def result_id(diagnostics: list[types.Diagnostic]) -> str:
    """A content hash: the same diagnostics give the same id, across checks."""
    data = _converter().unstructure(diagnostics)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:20]
