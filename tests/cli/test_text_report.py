"""The text report for triage, against golden files (`IACGUARD_UPDATE_GOLDEN=1` rewrites
them; review the diff)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from iacguard_builtin.reporters import text_report

from iacguard.cli import main
from iacguard.config import build_config
from iacguard.engine import scan
from iacguard.model import Severity
from iacguard.plugin import make_plugins
from iacguard.reporting import RenderOptions

HERE = Path(__file__).resolve().parent
TRIAGE = HERE / "fixtures" / "triage"
GOLDEN = HERE / "golden"


def _text(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "report.txt"
    assert main(["scan", str(TRIAGE), "--no-fail", "-o", f"text={out}", *args]) == 0
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "args"), [
    ("grouped", ()),
    ("by-file", ("--group-by", "file")),
    ("quiet", ("--quiet", "--fail-on", "high")),
    ("compact", ("--compact",)),
    ("min-severity", ("--min-severity", "medium")),
])
def test_text_report_matches_golden(tmp_path: Path, name: str, args: tuple[str, ...]) -> None:
    text = _text(tmp_path, *args)
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("IACGUARD_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_summary_comes_first_most_severe_first(tmp_path: Path) -> None:
    text = _text(tmp_path)
    summary = text[text.index("Summary by rule"):text.index("\n\n", text.index("Summary by rule"))]
    severities = [Severity.parse(line.split()[0]) for line in summary.splitlines()[1:]]
    assert severities == sorted(severities, reverse=True) and len(severities) == 9
    assert text.index("Summary by rule") < text.index("app.yaml:")


def test_min_severity_is_display_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The gate still fails on the low findings it does not show.
    assert main(["scan", str(TRIAGE), "--min-severity", "critical", "-o", "json=" +
                 str(tmp_path / "r.json"), "-o", "text"]) == 1
    out = capsys.readouterr().out
    assert "Summary by rule" not in out and "9 not shown, below critical (--min-severity)" in out
    assert len(json.loads((tmp_path / "r.json").read_text())["findings"]) == 9


def test_long_messages_wrap_to_the_width() -> None:
    result, _ = scan(make_plugins(), build_config({}, {}), [TRIAGE])
    for width in (60, 80, 120):
        text = text_report.render(result, RenderOptions(width=width))
        message_lines = [line for line in text.splitlines() if line.startswith(text_report.INDENT)]
        assert len(message_lines) >= 9
        # Only a single word longer than the width (an id) may overflow.
        assert all(len(line) <= width for line in message_lines if " " in line.strip())
