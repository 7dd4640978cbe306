"""`--format markdown`: a summary for a pull-request or run comment.

The gate's decision first (from `ScanResult.failing()`, as every format), then counts by
severity and a table of the failing findings. Text from the scanned files is escaped with
the one escaping every comment uses (`iacguard.review.escape_markdown`): it cannot break the
table, write markup or HTML (so no hidden marker), or @mention anyone.
"""

from __future__ import annotations

from iacguard.model import ScanResult, Severity
from iacguard.reporting import RenderOptions
from iacguard.review import escape_markdown

MAX_ROWS = 200


def escape(text: str) -> str:
    """One table cell: `escape_markdown` (one line, specials backslash-escaped, no HTML,
    no @mention)."""
    return escape_markdown(text)


def render(result: ScanResult, options: RenderOptions) -> str:
    failing = result.failing()
    if result.errors:
        verdict = f"**iacguard: error** ({len(result.errors)} internal errors; the gate fails)"
    elif failing:
        verdict = f"**iacguard: failed** ({len(failing)} failures at or above {result.fail_on.label})"
    else:
        verdict = f"**iacguard: passed** (0 failures at or above {result.fail_on.label})"
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    lines = [verdict, "",
             f"{len(result.findings)} findings in {result.files_scanned} files, "
             f"{result.resources} resources.", "",
             "| " + " | ".join(s.label for s in sorted(Severity, reverse=True)) + " |",
             "|" + "---|" * len(Severity),
             "| " + " | ".join(str(counts[s]) for s in sorted(Severity, reverse=True)) + " |"]
    if failing:
        lines += ["", "| Severity | Rule | Resource | Location | Message |", "|---|---|---|---|---|"]
        for f in failing[:MAX_ROWS]:
            where = f"{f.location.path}:{f.location.start_line}"
            resource = f.resource.address or f.resource.id
            lines.append(f"| {f.severity.label} | {f.rule_id} {escape(f.rule_name)} | "
                         f"{escape(resource)} | {escape(where)} | {escape(f.message)} |")
        if len(failing) > MAX_ROWS:
            lines += ["", f"... and {len(failing) - MAX_ROWS} more failing findings."]
    for error in result.errors:
        lines += ["", f"- error: {escape(error.kind)}: {escape(error.first_line)}"]
    return "\n".join(lines) + "\n"
