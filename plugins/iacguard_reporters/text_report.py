"""`--format text`: findings grouped by file, most severe first within a line order."""

from __future__ import annotations

from itertools import groupby

from iacguard.model import ScanResult, Severity
from iacguard.reporting import RenderOptions

COLORS = {
    Severity.CRITICAL: "\033[1;35m",
    Severity.HIGH: "\033[1;31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[36m",
    Severity.INFO: "\033[2m",
}
BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


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

    lines: list[str] = []
    for path, group in groupby(result.findings, key=lambda f: f.location.path):
        lines.append(paint(BOLD, path))
        for f in group:
            sev = paint(COLORS[f.severity], f"{f.severity.label:<8}")
            where = f"{f.location.start_line:>5}"
            lines.append(f"  {where}  {sev} {f.rule_id:<8} {f.message}")
            if f.suppression is not None:
                s = f.suppression
                until = f" until {s.expires}" if s.expires else ""
                lines.append(paint(DIM, f"{'':>16}suppressed ({s.kind}, {s.path}:{s.line}{until}): "
                                   f"{s.reason}"))
            lines.append(paint(DIM, f"{'':>16}{f.rule_name} · {f.resource.id}"
                               + (" · " + ", ".join(f"{k}={v}" for k, v in f.context.items())
                                  if f.context else "")))
        lines.append("")
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    parts = [f"{counts[s]} {s.label}" for s in sorted(Severity, reverse=True) if counts[s]]
    failing = len(result.failing())
    lines.append(
        f"{len(result.findings)} findings" + (f" ({', '.join(parts)})" if parts else "")
        + f" in {result.files_scanned} files, {result.resources} resources; "
        + f"{failing} at or above {result.fail_on.label}"
        + _suppressed(result)
    )
    for error in result.errors:
        lines.append(paint(COLORS[Severity.HIGH], f"error: {error.kind}: "
                           f"{error.message.splitlines()[0]}"))
    return "\n".join(lines) + "\n"
