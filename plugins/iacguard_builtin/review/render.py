"""What a review says: one comment per new finding, the summary (Markdown, within the
platform's size limit) and the JSON classification.

Everything taken from scanned files (messages, names, paths, and the policy texts, which a
repository's own policy pack may write) goes through `escape_markdown`, so a scanned file
can never write markup, an `@mention` or a hidden marker into a comment.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iacguard.model import Finding, PolicyMeta, ResourceRef
from iacguard.policy_docs import rule_docs_url
from iacguard.review import MAX_BODY, PublishReport, ReviewComment, capped, escape_markdown
from iacguard_builtin.review.classify import Classification, NewFinding
from iacguard_builtin.review.scanning import Scanned

# Room a platform needs for the hidden marker it appends (and a note it may add).
MARKER_ROOM = 512
MESSAGE_IN_TABLE = 300  # characters of a message in a summary row


@dataclass(frozen=True)
class Compared:
    """The commits a review compared (for the summary's first lines)."""

    merge_base: str
    head: str  # a commit id
    working_tree: bool  # the head side was the working tree (on top of `head`)


def resource_name(ref: ResourceRef) -> str:
    if ref.address:
        return ref.address
    if ref.namespace:
        return f"{ref.kind} {ref.namespace}/{ref.name}"
    return f"{ref.kind} {ref.name}"


def first_sentence(text: str) -> str:
    """Up to the first `.`, `!` or `?` followed by a space, outside `code`."""
    flat = " ".join(text.split())
    in_code = False
    for i, char in enumerate(flat):
        if char == "`":
            in_code = not in_code
        elif char in ".!?" and not in_code and (i + 1 == len(flat) or flat[i + 1] == " "):
            return flat[:i + 1]
    return flat


def _where(finding: Finding) -> str:
    return f"{finding.location.path}:{finding.location.start_line}"


def _rule(finding: Finding) -> str:
    return f"[{escape_markdown(finding.rule_id)}]({rule_docs_url(finding.rule_id)}) " \
           f"{escape_markdown(finding.rule_name)}"


def comment_body(new: NewFinding, catalogue: Mapping[str, PolicyMeta]) -> str:
    f = new.scanned.finding
    lines = [f"**{f.severity.label.upper()}** {_rule(f)}", "", escape_markdown(f.message)]
    meta = catalogue.get(f.rule_id)
    if meta is not None:
        lines += ["", f"**Fix:** {escape_markdown(first_sentence(meta.remediation))}"]
    if new.anchor.via not in (None, "location"):
        lines += ["", f"Reported on {escape_markdown(resource_name(f.resource))} in "
                      f"{escape_markdown(_where(f))}; this change causes it here."]
        if new.anchor.cause:
            lines.append(f"Value: {escape_markdown(new.anchor.cause)}.")
    return capped("\n".join(lines) + "\n", MAX_BODY - MARKER_ROOM)


def review_comments(c: Classification, catalogue: Mapping[str, PolicyMeta]) -> list[ReviewComment]:
    """One comment per new finding anchored in the diff, most severe first, then by place."""
    anchored = [n for n in c.new if n.anchor.kind != "summary"]
    anchored.sort(key=lambda n: (-int(n.scanned.finding.severity), n.anchor.path or "",
                                 n.anchor.line or 0, n.scanned.finding.rule_id, n.scanned.fingerprint))
    return [ReviewComment(
        fingerprint=n.scanned.fingerprint, body=comment_body(n, catalogue),
        path=n.anchor.path or "", old_path=n.anchor.old_path or n.anchor.path or "",
        line=n.anchor.line, start_line=n.anchor.start_line, old_line=n.anchor.old_line)
        for n in anchored]


# -- where each new finding went ------------------------------------------------------------
def placements(c: Classification, report: PublishReport | None) -> dict[str, str]:
    """Per new finding, where it was posted (or would be, without a platform)."""
    outcomes = {o.fingerprint: o for o in report.outcomes} if report else {}
    out: dict[str, str] = {}
    for n in c.new:
        fp, a = n.scanned.fingerprint, n.anchor
        planned = f"line {a.where()}" if a.kind == "line" else f"file {a.path}"
        if a.kind == "summary":
            out[fp] = "summary only (not in the diff)"
        elif report is None:
            out[fp] = planned
        elif fp in report.already:
            out[fp] = f"{planned} (posted before)"
        elif fp in report.held_back:
            out[fp] = "summary only (over the --max-comments cap)"
        elif fp in outcomes and outcomes[fp].posted == "line":
            out[fp] = planned
        elif fp in outcomes and outcomes[fp].posted == "file":
            out[fp] = f"file {a.path}"
        elif fp in outcomes:
            reason = outcomes[fp].reason
            out[fp] = f"summary only ({reason})" if reason else "summary only"
        else:
            out[fp] = "summary only"
    return out


# -- the summary ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Section:
    head: str
    rows: tuple[str, ...]
    foot: str = ""

    @staticmethod
    def _note(more: int) -> str:
        return f"\n… and {more} more\n" if more else ""

    def text(self, kept: int) -> str:
        return self.head + "".join(self.rows[:kept]) + self._note(len(self.rows) - kept) + self.foot

    def fit(self, budget: int) -> str:
        """The section cut between rows to fit `budget` characters (its frame always kept)."""
        size, kept = len(self.head) + len(self.foot), 0
        for row in self.rows:
            if size + len(row) + len(self._note(len(self.rows) - kept - 1)) > budget:
                break
            size, kept = size + len(row), kept + 1
        return self.text(kept)


def _cell(text: str, limit: int | None = None) -> str:
    if limit is not None and len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return escape_markdown(text)


def _row(s: Scanned, *extra: str) -> str:
    f = s.finding
    cells = [f.severity.label, _rule(f), _cell(resource_name(f.resource)), _cell(_where(f)), *extra]
    return "| " + " | ".join(cells) + " |\n"


def verdict(c: Classification) -> str:
    failing = len(c.failing())
    threshold = c.fail_on.label
    if failing:
        return f"{failing} new finding{'s' * (failing != 1)} at or above {threshold}: fails the check"
    below = len(c.new)
    tail = f" ({below} new below it)" if below else ""
    return f"no new findings at or above {threshold}{tail}"


def summary_markdown(c: Classification, compared: Compared, placement: Mapping[str, str],
                     limit: int = MAX_BODY - MARKER_ROOM) -> str:
    head = (f"working tree on {compared.head[:12]}" if compared.working_tree
            else compared.head[:12])
    intro = (f"### iacguard: {verdict(c)}\n\n"
             f"Compared {head} with the merge base {compared.merge_base[:12]}, both with the "
             "head's configuration.\n\n"
             "| new | fixed | pre-existing | suppressed |\n|---:|---:|---:|---:|\n"
             f"| {len(c.new)} | {len(c.fixed)} | {len(c.pre_existing)} | {len(c.suppressed)} |\n")
    columns = "| severity | rule | resource | where |"
    rule = "|---|---|---|---|"
    sections = [_Section(
        "\n#### New findings\n\n| severity | rule | resource | where | finding | comment |\n"
        "|---|---|---|---|---|---|\n" if c.new else "\n#### New findings\n\nNone.\n",
        tuple(_row(n.scanned, _cell(n.scanned.finding.message, MESSAGE_IN_TABLE),
                   _cell(placement.get(n.scanned.fingerprint, "summary only")))
              for n in c.new))]
    if c.fixed:
        sections.append(_Section(f"\n#### Fixed\n\n{columns}\n{rule}\n",
                                 tuple(_row(s) for s in c.fixed)))
    if c.pre_existing:
        sections.append(_Section(
            f"\n<details><summary>Pre-existing findings ({len(c.pre_existing)})</summary>\n\n"
            f"{columns}\n{rule}\n", tuple(_row(s) for s in c.pre_existing), "\n</details>\n"))
    if c.suppressed:
        sections.append(_Section(
            f"\n<details><summary>Suppressed findings ({len(c.suppressed)})</summary>\n\n"
            f"{columns[:-1]} suppressed by |\n{rule}---|\n",
            tuple(_row(s, _cell(_suppressed_by(s))) for s in c.suppressed), "\n</details>\n"))
    return intro + _fitted(sections, limit - len(intro))


def _suppressed_by(s: Scanned) -> str:
    sup = s.finding.suppression
    assert sup is not None
    return f"{sup.kind} at {sup.path}:{sup.line}: {sup.reason}"


def _fitted(sections: Sequence[_Section], budget: int) -> str:
    """The sections within `budget` characters: each table cut between rows (with "… and N
    more"), the later sections' frames always kept."""
    out: list[str] = []
    used = 0
    for i, section in enumerate(sections):
        later = sum(len(s.text(0)) for s in sections[i + 1:])
        text = section.fit(budget - used - later)
        out.append(text)
        used += len(text)
    return "".join(out)


# -- JSON -----------------------------------------------------------------------------------
def _finding(s: Scanned) -> dict[str, Any]:
    out = s.finding.model_dump(mode="json", exclude_none=True)
    out["severity"] = s.finding.severity.label
    return out


def classification_json(c: Classification, compared: Compared, placement: Mapping[str, str]) -> str:
    """The classification, sorted, with each new finding's anchor (deterministic)."""
    new = []
    for n in c.new:
        a = n.anchor
        anchor = {k: v for k, v in {
            "kind": a.kind, "path": a.path, "old_path": a.old_path, "line": a.line,
            "start_line": a.start_line, "old_line": a.old_line, "via": a.via,
            "cause": a.cause or None}.items() if v is not None}
        new.append({"finding": _finding(n.scanned), "anchor": anchor,
                    "comment": placement.get(n.scanned.fingerprint, "summary only")})
    doc = {
        "merge_base": compared.merge_base, "head": compared.head,
        "head_is_working_tree": compared.working_tree,
        "fail_on": c.fail_on.label, "failing": len(c.failing()),
        "counts": {"new": len(c.new), "fixed": len(c.fixed), "pre_existing": len(c.pre_existing),
                   "suppressed": len(c.suppressed)},
        "new": new,
        "fixed": [_finding(s) for s in c.fixed],
        "pre_existing": [_finding(s) for s in c.pre_existing],
        "suppressed": [_finding(s) for s in c.suppressed],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


_KEY_CHARS = re.compile(r"[^A-Za-z0-9_.:/-]")


def summary_key(paths: Sequence[str]) -> str:
    """The summary comment's key: `iacguard` for the whole repository, else with the scanned
    paths (so runs over different parts of one repository keep their own summaries)."""
    shown = sorted(p for p in paths if p not in ("", "."))
    if not shown:
        return "iacguard"
    key = "iacguard:" + ":".join(_KEY_CHARS.sub("_", p) for p in shown)
    if len(key) <= 100:
        return key
    return "iacguard:" + hashlib.sha256("\0".join(shown).encode()).hexdigest()[:16]
