"""`--format github`: GitHub Actions workflow commands, one annotation per unsuppressed finding.

    ::error file=k8s/shop.yaml,line=26,endLine=26,col=3,endColumn=17,title=LB002 ...::message

`error` for critical and high, `warning` for medium, `notice` for low and info; the most
severe first (GitHub shows only the first few annotations of each kind per step). Paths are
relative to the repository root (the runner's workspace). Columns are given for exact
single-line spans only (GitHub ignores them across lines); `endColumn` is the column after
the span, as in SARIF.

The runner reads every line of a step's output that starts with `::` as a command. Values are
escaped as the runner unescapes them (`actions/runner` ActionCommand: `%`, CR and LF in the
message; also `:` and `,` in properties), so text from a scanned file stays on its own line
and inside its own property: it cannot start a second command. The final summary line starts
with `iacguard:` and carries only counts.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from iacguard.model import Finding, Location, ScanError, ScanResult, Severity
from iacguard.reporting import RenderOptions
from iacguard_builtin.reporters.locations import RepositoryPaths

COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, str | int], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(message)}" if props else f"::{name}::{escape_data(message)}"


def _where(loc: Location, repo: RepositoryPaths) -> dict[str, str | int]:
    where: dict[str, str | int] = {"file": repo(loc.path), "line": loc.start_line,
                                   "endLine": loc.end_line}
    if loc.precision == "exact" and loc.start_line == loc.end_line:
        where["col"] = loc.start_col
        if loc.end_col > loc.start_col:
            where["endColumn"] = loc.end_col
    return where


def annotation(finding: Finding, repo: RepositoryPaths) -> str:
    title = f"{finding.rule_id} {finding.rule_name} ({finding.severity.label})"
    return command(COMMAND[finding.severity], {**_where(finding.location, repo), "title": title},
                   finding.message)


def error_annotation(error: ScanError, repo: RepositoryPaths) -> str:
    properties: dict[str, str | int] = {"title": f"iacguard {error.kind}"}
    if error.path:
        properties = {"file": repo(error.path), **properties}
    first = error.first_line
    return command("error", properties, first)


def summary(result: ScanResult, shown: list[Finding]) -> str:
    counts = Counter(f.severity for f in shown)
    by_severity = ", ".join(f"{counts[s]} {s.label}" for s in sorted(Severity, reverse=True)
                            if counts[s])
    failing = len(result.failing())
    verdict = "error" if result.errors else "failed" if failing else "passed"
    text = f"iacguard: {verdict}: {len(shown)} findings"
    if by_severity:
        text += f" ({by_severity})"
    text += f"; {failing} at or above {result.fail_on.label}"
    suppressed = len(result.findings) - len(shown)
    if suppressed:
        text += f"; {suppressed} suppressed"
    if result.errors:
        text += f"; {len(result.errors)} internal errors"
    return text


def render(result: ScanResult, options: RenderOptions) -> str:
    repo = RepositoryPaths(Path(result.root))
    shown = sorted((f for f in result.findings if f.suppression is None),
                   key=lambda f: (-f.severity, f.sort_key()))
    lines = [annotation(f, repo) for f in shown]
    lines += [error_annotation(e, repo) for e in result.errors]
    lines.append(summary(result, shown))
    return "\n".join(lines) + "\n"
