"""New, fixed, pre-existing: the findings of the two trees compared by fingerprint.

- new: reported (not suppressed) on the head side only;
- fixed: reported on the base side, gone from the head (not merely suppressed there);
- pre-existing: reported on both sides;
- suppressed: suppressed on the head side (inline, annotation, baseline). Listed apart and
  never new, so a suppression added by the change itself is visible in the summary.

A finding suppressed on the base side whose suppression the change removed is new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from iacguard.model import Severity
from iacguard_builtin.review.anchors import Anchor, anchor
from iacguard_builtin.review.diff import FileDiff
from iacguard_builtin.review.scanning import Scanned, TreeScan


@dataclass(frozen=True)
class NewFinding:
    scanned: Scanned
    anchor: Anchor


@dataclass(frozen=True)
class Classification:
    new: tuple[NewFinding, ...]
    fixed: tuple[Scanned, ...]
    pre_existing: tuple[Scanned, ...]
    suppressed: tuple[Scanned, ...]
    fail_on: Severity

    def failing(self) -> list[NewFinding]:
        return [n for n in self.new if n.scanned.finding.severity >= self.fail_on]

    def current(self) -> set[str]:
        """Fingerprints of every finding the head reports (new or not, unsuppressed)."""
        return {n.scanned.fingerprint for n in self.new} | {s.fingerprint for s in self.pre_existing}


def classify(head: TreeScan, base: TreeScan, files: Mapping[str, FileDiff]) -> Classification:
    reported = {s.fingerprint: s for s in head.findings if not s.suppressed}
    before = {s.fingerprint: s for s in base.findings if not s.suppressed}
    present = {s.fingerprint for s in head.findings}
    new = sorted((s for fp, s in reported.items() if fp not in before), key=Scanned.sort_key)
    return Classification(
        new=tuple(NewFinding(s, anchor(s, head.tree, files)) for s in new),
        fixed=tuple(sorted((s for fp, s in before.items() if fp not in present),
                           key=Scanned.sort_key)),
        pre_existing=tuple(sorted((s for fp, s in reported.items() if fp in before),
                                  key=Scanned.sort_key)),
        suppressed=tuple(sorted((s for s in head.findings if s.suppressed), key=Scanned.sort_key)),
        fail_on=head.fail_on,
    )
