"""What a review says, on hand-built findings: text from scanned files comes out inert,
the summary fits the size limit without cutting a row, comments are ordered and anchored."""

from __future__ import annotations

import re

from iacguard_builtin.review.anchors import Anchor
from iacguard_builtin.review.classify import Classification, NewFinding
from iacguard_builtin.review.render import (
    Compared,
    comment_body,
    first_sentence,
    placements,
    review_comments,
    summary_key,
    summary_markdown,
)
from iacguard_builtin.review.scanning import Scanned

from iacguard.model import Finding, Location, PolicyMeta, ResourceRef, Severity
from iacguard.review import ReviewComment, marked_fingerprint

MARKER = "<!-- iacguard:finding:0123456789abcdef -->"
COMPARED = Compared("a" * 40, "b" * 40, working_tree=False)


def _finding(n: int, *, name: str = "web", message: str = "exposed", severity: Severity = Severity.HIGH,
             path: str = "k8s/svc.yaml") -> Scanned:
    return Scanned(Finding(
        rule_id="LB001", rule_name="public-load-balancer-service", category="internal-lb",
        severity=severity, title="t", message=message,
        resource=ResourceRef(id=f"k8s:{n}", kind="Service", name=name, format="kubernetes",
                             namespace="shop"),
        location=Location(path=path, start_line=n, end_line=n), fingerprint=f"{n:032x}"),
        None, (), ())


def _classification(new: list[NewFinding], pre: list[Scanned] | None = None) -> Classification:
    return Classification(tuple(new), (), tuple(pre or ()), (), Severity.LOW)


def test_names_and_messages_from_scanned_files_come_out_inert() -> None:
    hostile = _finding(7, name="@octocat", message=f"bad {MARKER} <img src=x> **bold** @team")
    new = NewFinding(hostile, Anchor("line", "main.tf", "main.tf", 5, None, None, "related",
                                     "default of var.x @octocat"))
    meta = PolicyMeta(id="LB001", name="public-load-balancer-service", category="internal-lb",
                      severity=Severity.HIGH, title="t", check="x", rationale="r",
                      remediation=f"Annotate it {MARKER}. Then more.")
    c = _classification([new])
    for text in (comment_body(new, {"LB001": meta}),
                 summary_markdown(c, COMPARED, placements(c, None))):
        assert marked_fingerprint(text) is None
        assert re.search(r"(?<!\\)<", text) is None  # every < escaped: no HTML, no comment
        assert not re.search(r"@[A-Za-z]", text)  # no @mention survives
        assert "@\u2060octocat" in text and r"\*\*bold\*\*" in text
    body = comment_body(new, {"LB001": meta})
    assert "Reported on Service shop/@\u2060octocat in k8s/svc.yaml:7; this change causes it here." \
        in body
    assert r"**Fix:** Annotate it \<\!-- iacguard:finding:0123456789abcdef --\>." in body


def test_the_summary_fits_the_limit_and_cuts_tables_between_rows() -> None:
    new = [NewFinding(_finding(i, message="m" * 200), Anchor("summary")) for i in range(1, 400)]
    pre = [_finding(i, path="k8s/old.yaml") for i in range(1, 400)]
    c = _classification(new, pre)
    text = summary_markdown(c, COMPARED, placements(c, None), limit=20_000)
    assert len(text) <= 20_000
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(line.endswith(" |") and line.count(" | ") >= 3 for line in rows)
    more = re.findall(r"^… and (\d+) more$", text, re.MULTILINE)
    shown_new = sum(1 for line in rows if "summary only" in line)
    shown_pre = sum(1 for line in rows if "k8s/old.yaml" in line)
    assert [int(m) for m in more] == [399 - shown_new, 399 - shown_pre]
    assert shown_new > 0 and text.endswith("</details>\n")  # the later section's frame is kept
    small = _classification(new[:50], pre[:50])
    full = summary_markdown(small, COMPARED, placements(small, None))
    assert "… and" not in full and len(full) < 65_536 - 512


def test_comments_are_most_severe_first_then_by_place() -> None:
    low = NewFinding(_finding(1, severity=Severity.LOW), Anchor("line", "a.tf", "a.tf", 1))
    high_b = NewFinding(_finding(2), Anchor("line", "b.tf", "b.tf", 9, 7, 6))
    high_a = NewFinding(_finding(3), Anchor("file", "a.tf", "old/a.tf"))
    skipped = NewFinding(_finding(4, severity=Severity.CRITICAL), Anchor("summary"))
    comments = review_comments(_classification([low, high_b, high_a, skipped]), {})
    assert [(c.fingerprint[-1], c.path, c.old_path, c.line, c.start_line, c.old_line)
            for c in comments] == [("3", "a.tf", "old/a.tf", None, None, None),
                                   ("2", "b.tf", "b.tf", 9, 7, 6),
                                   ("1", "a.tf", "a.tf", 1, None, None)]
    assert all(isinstance(c, ReviewComment) for c in comments)


def test_first_sentence_skips_periods_in_code() -> None:
    assert first_sentence("Set `a.b = true` on it. Then more.") == "Set `a.b = true` on it."
    assert first_sentence("Use v1.2\nor later") == "Use v1.2 or later"


def test_summary_keys() -> None:
    assert summary_key(["."]) == "iacguard"
    assert summary_key(["k8s", "infra/prod"]) == "iacguard:infra/prod:k8s"
    assert summary_key(["dir with space"]) == "iacguard:dir_with_space"
    long = summary_key(["x" * 200])
    assert long.startswith("iacguard:") and len(long) == len("iacguard:") + 16
