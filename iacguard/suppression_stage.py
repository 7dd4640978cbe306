"""The finding pipeline's suppression stage: inline comments, annotations, then the baseline.

Runs after `unique` (one candidate per fingerprint). A suppressed finding keeps flowing with
its `suppression` set (reported, never failing). The stage adds findings of its own:
`invalid-suppression` for directives that cannot suppress (no reason, expired, forbidden by
the rules) and, when asked, `unused-suppression` for directives and baseline entries that
matched nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from iacguard.baseline import Baseline, BaselineEntry, line_of
from iacguard.config import SuppressionRules
from iacguard.findings import Candidate, Located, from_problem
from iacguard.model import Comment, PolicyMeta, Resource, Severity, SourceSpan, Suppression
from iacguard.suppressions import (
    ANNOTATION,
    Written,
    annotation_of,
    comment_directives,
    covers,
    parse_annotation,
    rule_keys,
    violation_of_rules,
)
from iacguard.values import pointer

INVALID_RULE = "invalid-suppression"
UNUSED_RULE = "unused-suppression"


@dataclass(frozen=True)
class Reporting:
    meta: PolicyMeta
    severity: Severity


@dataclass
class SuppressionStage:
    where: Located
    catalogue: list[PolicyMeta]
    rules: SuppressionRules
    today: dt.date
    comments: list[Comment] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)  # every resource (annotations)
    baseline: Baseline | None = None
    baseline_file: Path | None = None
    invalid: Reporting | None = None  # None: the policy is not active
    unused: Reporting | None = None

    def __call__(self, candidates: list[Candidate]) -> list[Candidate]:
        keys = {m.id: rule_keys(m) for m in self.catalogue}
        all_keys = list(keys.values())
        inline = comment_directives(sorted(set(self.comments), key=_comment_order),
                                    self.where.path_of)
        by_line: dict[tuple[str, int], list[Written]] = {}
        for w in inline:
            by_line.setdefault((w.path, w.line), []).append(w)
        annotations = {r.id: self._annotations(r) for r in self.resources if annotation_of(r)}
        broken = {id(w): why for w in [*inline, *(a for ws in annotations.values() for a in ws)]
                  if (why := violation_of_rules(w, self.rules, all_keys, self.today))}
        used: set[int] = set()
        baselined = self.baseline.fingerprints() if self.baseline else {}
        matched_baseline: set[str] = set()
        out: list[Candidate] = []
        for c in candidates:
            finding = c.finding
            if finding.category == "suppressions":
                out.append(c)
                continue
            rule = keys.get(finding.rule_id, {finding.rule_id})
            written = [w for w in self._nearby(c, by_line)
                       if covers(w, finding, rule) and id(w) not in broken]
            if c.resource is not None:
                written += [w for w in annotations.get(c.resource.id, [])
                            if covers(w, finding, rule) and id(w) not in broken]
            suppression: Suppression | None = None
            if written:
                w = written[0]
                used.add(id(w))
                suppression = Suppression(
                    kind="annotation" if w.kind == "annotation" else "inline", reason=w.reason,
                    rule=w.names(), expires=w.expires.isoformat() if w.expires else None,
                    path=w.path, line=w.line)
            elif finding.fingerprint in baselined:
                matched_baseline.add(finding.fingerprint)
                entry = baselined[finding.fingerprint]
                path = self._baseline_path()
                suppression = Suppression(kind="baseline", rule=entry.fingerprint, path=path,
                                          reason=entry.reason or f"accepted in baseline {path}",
                                          line=self._baseline_line(entry.fingerprint))
            if suppression is not None:
                finding = finding.model_copy(update={"suppression": suppression})
            out.append(replace(c, finding=finding))
        out += self._invalid(inline, annotations, broken)
        if self.rules.report_unused:
            out += self._unused(inline, annotations, used, broken, baselined, matched_baseline)
        return out

    # -- where directives are -----------------------------------------------------------------
    def _nearby(self, c: Candidate, by_line: dict[tuple[str, int], list[Written]]) -> list[Written]:
        """Directives on the finding's line, the line of a field it sits in, its resource's
        first line or an enclosing block's, or in the run of own-line directives right above
        one of them."""
        if not by_line:  # no directive written anywhere: nothing is near
            return []
        anchors = [(c.finding.location.path, c.finding.location.start_line)]
        if c.resource is not None:
            fields = [c.resource.source_map.get(pointer(c.path[:i])) for i in range(len(c.path))]
            for span in (*(f for f in fields if f is not None), c.resource.origin,
                         *c.resource.enclosing):
                anchors.append((self.where.path_of(span.file), span.start_line))
        found: list[Written] = []
        for path, line in dict.fromkeys(anchors):
            found += by_line.get((path, line), [])
            above = line - 1
            while above >= 1 and (run := [w for w in by_line.get((path, above), []) if w.own_line]):
                found += run
                above -= 1
        return found

    def _annotations(self, resource: Resource) -> list[Written]:
        value = annotation_of(resource)
        assert value is not None
        loc = self.where.location(resource.span_for(("metadata", "annotations", ANNOTATION)))
        return parse_annotation(value, path=loc.path, line=loc.start_line)

    def _baseline_path(self) -> str:
        return self.where.relpath(self.baseline_file) if self.baseline_file else "baseline"

    def _baseline_line(self, fingerprint: str) -> int:
        if self.baseline_file is None:
            return 1
        try:
            return line_of(self.baseline_file.read_text(encoding="utf-8"), fingerprint)
        except OSError:
            return 1

    # -- findings about suppressions --------------------------------------------------------------
    def _invalid(self, inline: list[Written], annotations: dict[str, list[Written]],
                 broken: dict[int, str]) -> list[Candidate]:
        if self.invalid is None:
            return []
        out = []
        for w in [*inline, *(a for ws in annotations.values() for a in ws)]:
            why = broken.get(id(w))
            if why is not None:
                out.append(self._located(self.invalid, w.path, w.line,
                                         f"{why}; it does not suppress anything ({w.names() or '?'})"))
        return out

    def _unused(self, inline: list[Written], annotations: dict[str, list[Written]], used: set[int],
                broken: dict[int, str], baselined: dict[str, BaselineEntry],
                matched: set[str]) -> list[Candidate]:
        if self.unused is None:
            return []
        out = []
        for w in [*inline, *(a for ws in annotations.values() for a in ws)]:
            if id(w) not in used and id(w) not in broken:
                out.append(self._located(self.unused, w.path, w.line,
                                         f"suppression of {w.names()} matched no finding"))
        for fingerprint in sorted(set(baselined) - matched):
            entry = baselined[fingerprint]
            what = f"{entry.rule} on {entry.resource}"
            out.append(self._located(self.unused, self._baseline_path(),
                                     self._baseline_line(fingerprint),
                                     f"baseline entry {fingerprint} ({what}) matched no finding"))
        return out

    def _located(self, report: Reporting, path: str, line: int, message: str) -> Candidate:
        located = Located(relpath=lambda _file: path)  # already relative
        span = SourceSpan(file=path, start_line=line, end_line=line, precision="exact")
        return from_problem(report.meta, report.severity, span, message, located)


def _comment_order(c: Comment) -> tuple[str, int, str]:
    return (c.file, c.line, c.text)
