"""Re-using a root's previous load when what changed only moved blocks.

Evaluating a root module is a function of the files it read; where their blocks are written
only decides the lines in the result (spans, and the `file:line` ending the description of
a provenance). An edit that changes nothing but the text between the top-level blocks of a
`.tf` file (comments, blank lines) therefore gives the previous result with those lines
moved. Each load keeps its result and what it observed in the session's `Memo`, under its
claim; the next load of that claim replays the observations through `ctx.fs` and, when
every one is unchanged except `.tf` files whose blocks (`hcl_blocks.layout`) are the same
texts at other lines, answers the previous result with its lines moved and its comments
read again (a new comment may be a suppression).

Anything else is a full load: a changed block, a listing, probe or environment variable
that differs, a walked tree or an external tool, a moved file that the configuration also
read as data (`file("main.tf")`), a span that lies outside the moved blocks, a message
naming a moved line. tests/test_reload.py checks the re-used result equals a fresh scan.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from iacguard.comments import comments_read
from iacguard.fs import FileSystem, Inputs, ObservationKind, digest
from iacguard.loading import Claim, LoadContext, LoadProblem, LoadResult
from iacguard.model import Comment, Provenance, Resource, SourceSpan
from iacguard_builtin.terraform.hcl import decode_text
from iacguard_builtin.terraform.hcl_blocks import Chunk, layout

Observation = tuple[tuple[ObservationKind, str], str]


@dataclass(frozen=True)
class Previous:
    result: LoadResult  # as loaded, comments included
    observed: tuple[Observation, ...]  # in the order the load made them
    data_files: frozenset[str]  # files the configuration read as data (file(), templatefile())


class NotMoved(Exception):
    """The previous result cannot be re-used: load again."""


def _key(claim: Claim) -> tuple[str, Claim]:
    return ("tf-load", claim)


def remember(claim: Claim, ctx: LoadContext, result: LoadResult, data_files: set[Path]) -> None:
    inputs = ctx.fs.inputs
    if inputs is None:
        return
    ctx.memo.put(_key(claim), Previous(result, tuple(inputs.observed.items()),
                                       frozenset(str(p) for p in data_files)))


# -- lines --------------------------------------------------------------------------------
class LineMap:
    """Old line -> new line of a file whose blocks moved (each block by its own delta)."""

    def __init__(self, old: tuple[Chunk, ...], new: tuple[Chunk, ...]) -> None:
        self.starts = [c.offset + 1 for c in old]  # first line of each block, 1-based
        self.ends = [c.offset + c.text.count("\n") + 1 for c in old]
        self.deltas = [n.offset - o.offset for o, n in zip(old, new, strict=True)]
        # Spans already moved, by identity: parsed blocks are shared by every root that reads
        # the file, so their spans are moved once per edit, not once per root.
        self.spans: dict[int, tuple[SourceSpan, SourceSpan]] = {}

    def delta(self, first: int, last: int) -> int:
        i = bisect.bisect_right(self.starts, first) - 1
        if i < 0 or last > self.ends[i]:
            raise NotMoved(f"lines {first}-{last} are not inside one block")
        return self.deltas[i]


def _moved(ctx: LoadContext, old_digest: str, new_digest: str, data: bytes) -> LineMap:
    key = ("tf-line-map", old_digest, new_digest)
    found = ctx.memo.peek(key)
    if isinstance(found, LineMap):
        return found
    old = layout(ctx.memo, old_digest, None)
    try:
        new = layout(ctx.memo, new_digest, decode_text(data, "utf-8-sig"))
    except UnicodeDecodeError:
        raise NotMoved("not text") from None
    if old is None or new is None or [c.text for c in old] != [c.text for c in new]:
        raise NotMoved("blocks changed")
    lines = LineMap(old, new)
    ctx.memo.put(key, lines)
    return lines


# -- replaying what the previous load observed --------------------------------------------
def _replay(fs: FileSystem, ctx: LoadContext, previous: Previous) -> dict[str, LineMap]:
    moved: dict[str, LineMap] = {}
    for (kind, key), value in previous.observed:
        path = Path(key)
        if kind == "read":
            try:
                data = fs.read_bytes(path)
            except OSError:
                raise NotMoved(f"{key} is gone") from None
            now = digest(data)
            if now != value:
                if not key.endswith(".tf") or key in previous.data_files or \
                        str(path.resolve()) in previous.data_files:
                    raise NotMoved(f"{key} changed")
                moved[key] = _moved(ctx, value, now, data)
        elif kind == "stat":
            if fs.kind(path) != value:
                raise NotMoved(f"{key} is now {fs.kind(path)}")
        elif kind == "list":
            names = "\0".join(p.name for p in fs.iterdir(path))
            if digest(names.encode()) != value:
                raise NotMoved(f"the entries of {key} changed")
        elif kind == "env":
            if (fs.environ(key) or "") != value:
                raise NotMoved(f"${key} changed")
        else:  # a walked tree or a tool: what it saw is not recorded by value
            raise NotMoved(f"{kind} {key}")
    return moved


# -- moving the previous result ------------------------------------------------------------
class _Mover:
    def __init__(self, ctx: LoadContext, moved: dict[str, LineMap]) -> None:
        self.moved = moved
        self.rel = {f: ctx.relpath(Path(f)) for f in moved}
        self.named = [f"{rel}:" for rel in self.rel.values()]

    def span(self, span: SourceSpan) -> SourceSpan:
        lines = self.moved.get(span.file)
        if lines is None or span.precision == "file":  # only the file is known: no lines
            return span
        done = lines.spans.get(id(span))
        if done is not None and done[0] is span:
            return done[1]
        delta = lines.delta(span.start_line, span.end_line)
        # Validated when it was made; only its lines change (model_copy costs ~5x more).
        moved = span if delta == 0 else SourceSpan.model_construct(
            file=span.file, start_line=span.start_line + delta, start_col=span.start_col,
            end_line=span.end_line + delta, end_col=span.end_col, precision=span.precision)
        lines.spans[id(span)] = (span, moved)
        return moved

    def text(self, text: str) -> None:
        if ":" in text and any(name in text for name in self.named):
            raise NotMoved(f"a message names a moved line: {text[:80]}")

    def provenance(self, prov: Provenance) -> Provenance:
        if prov.span is None or prov.span.file not in self.moved:
            self.text(prov.description)
            return prov
        rel = self.rel[prov.span.file]
        suffix = f"{rel}:{prov.span.start_line}"
        head = prov.description.removesuffix(suffix)
        if head == prov.description:
            raise NotMoved(f"a provenance names no line of its span: {prov.description[:80]}")
        self.text(head)
        span = self.span(prov.span)
        if span is prov.span:
            return prov
        return prov.model_copy(update={"span": span,
                                       "description": f"{head}{rel}:{span.start_line}"})

    def resource(self, resource: Resource) -> Resource:
        moved = self.moved
        update: dict[str, Any] = {}
        origin = self.span(resource.origin)
        if origin is not resource.origin:
            update["origin"] = origin
        if any(s.file in moved for s in resource.source_map.values()):
            changed = _mapped(resource.source_map, self.span)
            if changed is not None:
                update["source_map"] = changed
        if any(p.span is not None and p.span.file in moved for p in resource.provenance.values()):
            provenance = _mapped(resource.provenance, self.provenance)
            if provenance is not None:
                update["provenance"] = provenance
        else:
            for prov in resource.provenance.values():
                self.text(prov.description)
        if any(s.file in moved for s in resource.enclosing):
            enclosing = tuple(self.span(s) for s in resource.enclosing)
            if any(a is not b for a, b in zip(enclosing, resource.enclosing, strict=True)):
                update["enclosing"] = enclosing
        return resource.model_copy(update=update) if update else resource

    def problem(self, problem: LoadProblem) -> LoadProblem:
        self.text(problem.message)
        span = self.span(problem.span)
        return problem if span is problem.span else LoadProblem(span=span, message=problem.message,
                                                                rule=problem.rule)


def _mapped(table: Mapping[str, Any], move: Callable[[Any], Any]) -> dict[str, Any] | None:
    """`table` with `move` applied to its values; None when no value moved."""
    out = {k: move(v) for k, v in table.items()}
    return out if any(out[k] is not v for k, v in table.items()) else None


def _comments(ctx: LoadContext, previous: Previous, moved: set[str]) -> list[Comment]:
    """`comments_read(ctx)`, scanning again only the moved files (a comment may be new)."""
    reads = sorted(key for (kind, key), _ in previous.observed if kind == "read")
    kept: dict[str, list[Comment]] = {}
    for comment in previous.result.comments:
        kept.setdefault(comment.file, []).append(comment)
    if not kept.keys() <= set(reads):
        return comments_read(ctx)
    out: list[Comment] = []
    for key in reads:
        if key in moved:
            view = FileSystem(ctx.fs.overlays, Inputs({("read", key): ""}))
            out.extend(comments_read(LoadContext(ctx.root, ctx.config, view, ctx.memo)))
        else:
            out.extend(kept.get(key, ()))
    return out


def reuse(claim: Claim, ctx: LoadContext) -> LoadResult | None:
    """The previous load of `claim` with its lines moved, when that is what a load would give;
    what it observed is recorded in `ctx.fs` as a load would record it."""
    previous = ctx.memo.peek(_key(claim))
    if not isinstance(previous, Previous) or ctx.fs.inputs is None:
        return None
    probe = ctx.fs.recording()
    try:
        moved = _replay(probe, ctx, previous)
        mover = _Mover(ctx, moved)
        resources = [mover.resource(r) for r in previous.result.resources]
        problems = [mover.problem(p) for p in previous.result.problems]
    except NotMoved:
        return None
    assert probe.inputs is not None
    ctx.fs.inputs.merge(probe.inputs)
    result = replace(previous.result, resources=resources, problems=problems,
                     consumed=list(previous.result.consumed), stats=dict(previous.result.stats),
                     comments=_comments(ctx, previous, set(moved)))
    remember(claim, ctx, result, {Path(f) for f in previous.data_files})
    return result
