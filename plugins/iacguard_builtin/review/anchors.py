"""Where a new finding belongs in the diff: the changed line that causes it.

The places a finding may be caused, in order: its own location; its related locations (the
cluster whose public nodes make an unchanged Service a finding); where the values at its
logical path came from (`Resource.provenance`: a variable default, a tfvars entry, a Helm
values line), then its related resources' values; the module calls that produced it
(`Resource.enclosing`). The first that intersects the lines the change touched becomes a
line comment on that range, within one hunk. Else a file-level comment when the finding's
file is in the diff; else the finding is told in the summary only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from iacguard.model import Location, Resource, SourceSpan
from iacguard.values import pointer
from iacguard_builtin.review.diff import FileDiff
from iacguard_builtin.review.scanning import Scanned, Tree

Via = Literal["location", "related", "provenance", "enclosing"]


@dataclass(frozen=True)
class Span:
    """A candidate place, repository-relative, with why it is a candidate."""

    path: str
    start: int
    end: int
    via: Via
    cause: str = ""  # what was written there, when it is not the finding itself


@dataclass(frozen=True)
class Anchor:
    kind: Literal["line", "file", "summary"]
    path: str | None = None  # head side
    old_path: str | None = None
    line: int | None = None
    start_line: int | None = None  # None: a single line
    old_line: int | None = None  # base-side number of `line` when it is unchanged context
    via: Via | None = None
    cause: str = ""

    def where(self) -> str:
        """`main.tf:5`, `main.tf:3-5`, `main.tf` (file-level) or `` (summary only)."""
        if self.kind == "summary" or self.path is None:
            return ""
        if self.line is None:
            return self.path
        lines = f"{self.start_line}-{self.line}" if self.start_line else f"{self.line}"
        return f"{self.path}:{lines}"


def provenance_spans(resource: Resource, path: tuple[str | int, ...]) -> list[tuple[SourceSpan, str]]:
    """Where the value at `path` came from (its longest prefix with a recorded provenance),
    else where the values below it came from (a finding on a whole block): as
    `iacguard_builtin.lsp`'s hover reads it."""
    parts = list(path)
    while parts:
        prov = resource.provenance.get(pointer(parts))
        if prov is not None:
            return [(prov.span, prov.description)] if prov.span is not None else []
        parts.pop()
    prefix = pointer(path)
    below = sorted(k for k in resource.provenance if not prefix or k.startswith(prefix + "/"))
    return [(p.span, p.description) for p in (resource.provenance[k] for k in below)
            if p.span is not None]


def candidate_spans(scanned: Scanned, tree: Tree) -> Iterator[Span]:
    finding = scanned.finding
    located: list[tuple[Via, Location]] = [("location", finding.location),
                                           *(("related", r) for r in finding.related)]
    for via, loc in located:
        if loc.precision != "file":
            yield Span(loc.path, loc.start_line, max(loc.end_line, loc.start_line), via)
    causes = ([(scanned.resource, scanned.logical_path)] if scanned.resource else []) \
        + list(scanned.related)
    for resource, path in causes:
        for span, description in provenance_spans(resource, path):
            yield from _spans(span, tree, "provenance", description)
    for resource, _ in causes:
        for span in resource.enclosing:
            yield from _spans(span, tree, "enclosing", "")


def _spans(span: SourceSpan, tree: Tree, via: Via, cause: str) -> Iterator[Span]:
    rel = tree.relative(span.file)
    if rel is not None and span.precision != "file":
        yield Span(rel, span.start_line, max(span.end_line, span.start_line), via, cause)


def anchor(scanned: Scanned, tree: Tree, files: Mapping[str, FileDiff]) -> Anchor:
    for span in candidate_spans(scanned, tree):
        diff = files.get(span.path)
        if diff is None or diff.binary:
            continue
        for hunk in diff.hunks:
            hits = [n for n in hunk.touched if span.start <= n <= span.end]
            if hits:
                first, last = hits[0], hits[-1]
                return Anchor("line", span.path, diff.old_path or span.path, last,
                              first if first != last else None, hunk.context.get(last),
                              span.via, span.cause)
    own = files.get(scanned.path)
    if own is not None and own.path is not None:
        return Anchor("file", own.path, own.old_path or own.path, via="location")
    return Anchor("summary")
