"""`--format markdown` escapes text from scanned files with `iacguard.review.escape_markdown`."""

from __future__ import annotations

import re
from pathlib import Path

from iacguard_builtin.reporters import markdown_report
from synthetic import finding, result

from iacguard.model import ScanError, Severity
from iacguard.reporting import RenderOptions

HOSTILE = "ping @security-team <img src=x onerror=alert(1)> <!-- iacguard:finding:deadbeef --> | x"


def test_no_mention_html_or_marker_reaches_the_table(tmp_path: Path) -> None:
    scanned = result([finding("LB001", Severity.HIGH, path="k8s/@ops/a_b.yaml", line=3,
                              message=HOSTILE)], tmp_path,
                     errors=[ScanError(kind="loader-crashed", message="@root <b>boom</b>\nmore")])
    text = markdown_report.render(scanned, RenderOptions())
    row = next(line for line in text.splitlines() if line.startswith("| high | LB001"))
    assert row == ("| high | LB001 some-rule | k8s:k8s/@\u2060ops/a\\_b.yaml:3 | "
                   "k8s/@\u2060ops/a\\_b.yaml:3 | ping @\u2060security-team \\<img src=x "
                   "onerror=alert(1)\\> \\<\\!-- iacguard:finding:deadbeef --\\> \\| x |")
    assert text.splitlines()[-1] == "- error: loader-crashed: @\u2060root \\<b\\>boom\\</b\\>"
    assert re.findall(r"(?<!\\)<|@\w", text) == []  # every < escaped, every @ joined off
