"""`--format text`: a report for triage.

It opens with the verdict and a summary by rule (count per rule, most severe first), then
lists findings grouped by severity and rule (`--group-by file`: by file, in line order).
`--quiet` keeps the summary and the failing findings; `--compact` prints one line per
finding (`path:line: severity RULE message`); `--min-severity` hides lower findings from
the display only (the verdict and exit code follow `--fail-on`). Long messages wrap at
`RenderOptions.width`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from itertools import groupby

from iacguard.model import Finding, ScanResult, Severity
from iacguard.reporting import RenderOptions

COLORS = {
    Severity.CRITICAL: "\033[1;35m",
    Severity.HIGH: "\033[1;31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[36m",
    Severity.INFO: "\033[2m",
}
BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"
INDENT = "      "  # under a finding's location line: its message and details
MIN_WIDTH = 40

Paint = Callable[[str, str], str]


def _by_triage(f: Finding) -> tuple[int, str, str, int, str]:
    return (-int(f.severity), f.rule_id, f.location.path, f.location.start_line, f.fingerprint)


def _wrap(text: str, width: int, indent: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, width=max(width, MIN_WIDTH), initial_indent=indent,
                               subsequent_indent=indent, break_long_words=False,
                               break_on_hyphens=False) or [indent]
    return lines


def _resource(f: Finding) -> str:
    r = f.resource
    if r.address:
        return r.address
    return f"{r.kind} {r.namespace}/{r.name}" if r.namespace else f"{r.kind} {r.name}"


def _details(f: Finding, *, by_file: bool) -> str:
    """What the group header does not already say: the context (values profile, root...)."""
    parts = [f"{f.rule_name} · {_resource(f)}"] if by_file else []
    parts += [f"{k}={v}" for k, v in f.context.items()]
    return " · ".join(parts)


def _summary(shown: list[Finding], paint: Paint) -> list[str]:
    """One row per rule: severity, id, name, count; most severe first, then by id."""
    rows: list[tuple[Severity, str, str, int]] = []
    for (severity, rule_id), group in groupby(sorted(shown, key=_by_triage),
                                              key=lambda f: (f.severity, f.rule_id)):
        members = list(group)
        rows.append((severity, rule_id, members[0].rule_name, len(members)))
    if not rows:
        return []
    name_width = max(len(r[2]) for r in rows)
    lines = [paint(BOLD, "Summary by rule")]
    for severity, rule_id, name, count in rows:
        lines.append(f"  {paint(COLORS[severity], f'{severity.label:<8}')} {rule_id:<8} "
                     f"{name:<{name_width}}  {count:>4}")
    return [*lines, ""]


def _finding_block(f: Finding, options: RenderOptions, paint: Paint, *, by_file: bool) -> list[str]:
    sev = paint(COLORS[f.severity], f"{f.severity.label:<8}")
    where = f"{f.location.path}:{f.location.start_line}"
    lines = [f"  {f.location.start_line:>5}  {sev} {f.rule_id}" if by_file
             else f"  {where}  {_resource(f)}"]
    lines += _wrap(f.message, options.width, INDENT)
    if f.suppression is not None:
        s = f.suppression
        until = f" until {s.expires}" if s.expires else ""
        lines += [paint(DIM, line) for line in _wrap(
            f"suppressed ({s.kind}, {s.path}:{s.line}{until}): {s.reason}", options.width, INDENT)]
    details = _details(f, by_file=by_file)
    if details:
        lines += [paint(DIM, line) for line in _wrap(details, options.width, INDENT)]
    return lines


def _grouped(shown: list[Finding], options: RenderOptions, paint: Paint) -> list[str]:
    lines: list[str] = []
    if options.group_by == "file":
        ordered = sorted(shown, key=Finding.sort_key)
        for path, group in groupby(ordered, key=lambda f: f.location.path):
            lines.append(paint(BOLD, path))
            for f in group:
                lines += _finding_block(f, options, paint, by_file=True)
            lines.append("")
        return lines
    for (severity, rule_id), group in groupby(sorted(shown, key=_by_triage),
                                              key=lambda f: (f.severity, f.rule_id)):
        members = list(group)
        first = members[0]
        label = paint(COLORS[severity], severity.label)
        lines.append(f"{label} {paint(BOLD, rule_id)} {first.rule_name}: {first.title} "
                     f"({len(members)})")
        for f in members:
            lines += _finding_block(f, options, paint, by_file=False)
        lines.append("")
    return lines


def _compact(shown: list[Finding], paint: Paint) -> list[str]:
    ordered = sorted(shown, key=Finding.sort_key)
    return [f"{f.location.path}:{f.location.start_line}: "
            f"{paint(COLORS[f.severity], f.severity.label)} {f.rule_id} "
            f"{' '.join(f.message.split())}" for f in ordered]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _totals(result: ScanResult, shown: list[Finding], options: RenderOptions) -> str:
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    parts = [f"{counts[s]} {s.label}" for s in sorted(Severity, reverse=True) if counts[s]]
    failing = len(result.failing())
    line = (_count(len(result.findings), "finding") + (f" ({', '.join(parts)})" if parts else "")
            + f" in {_count(result.files_scanned, 'file')}, "
            + f"{_count(result.resources, 'resource')}; "
            + f"{failing} at or above {result.fail_on.label}"
            + _suppressed(result))
    hidden = len(result.findings) - len(shown)
    if hidden:
        why = "below --fail-on (--quiet)" if options.quiet else \
            f"below {options.min_severity.label} (--min-severity)"
        line += f"; {hidden} not shown, {why}"
    return line


def _verdict(result: ScanResult, paint: Paint) -> str:
    failing = len(result.failing())
    if result.errors:
        return paint(COLORS[Severity.HIGH], f"iacguard: error ({len(result.errors)} internal "
                                            "errors: the scan is incomplete)")
    if failing:
        return paint(BOLD, f"iacguard: failed: {_count(failing, 'finding')} at or above "
                           f"{result.fail_on.label}")
    return paint(BOLD, f"iacguard: passed: nothing at or above {result.fail_on.label}")


def _suppressed(result: ScanResult) -> str:
    kinds: dict[str, int] = {}
    for f in result.suppressed():
        assert f.suppression is not None
        kinds[f.suppression.kind] = kinds.get(f.suppression.kind, 0) + 1
    if not kinds:
        return ""
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    return f"; {sum(kinds.values())} suppressed ({parts})"


def render(result: ScanResult, options: RenderOptions) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if options.color else text

    threshold = max(options.min_severity, result.fail_on) if options.quiet else options.min_severity
    shown = [f for f in result.findings if f.severity >= threshold]
    lines: list[str] = []
    if options.compact:
        lines += _compact(shown, paint)
        if shown:
            lines.append("")
    else:
        lines += [_verdict(result, paint), ""]
        lines += _summary(shown, paint)
        lines += _grouped(shown, options, paint)
    lines.append(_totals(result, shown, options))
    for error in result.errors:
        lines.append(paint(COLORS[Severity.HIGH], f"error: {error.kind}: "
                           f"{error.first_line}"))
    return "\n".join(lines) + "\n"
