"""`git diff` output (unified, `-M`, `a/` and `b/` prefixes) as per-file hunks: what a
review comment may be anchored to.

GitHub and GitLab accept a line comment on any head-side line of a hunk (added or context);
we anchor only on the lines the change touched: the added ones, and for a pure deletion the
head line right after it (before it at the end of a hunk), so removing a protective setting
still gets its comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["added", "deleted", "modified", "renamed", "copied"]

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
DEV_NULL = "/dev/null"


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    added: tuple[int, ...] = ()  # head-side numbers of added lines
    context: Mapping[int, int] = field(default_factory=dict)  # head line -> base line
    deleted: tuple[int, ...] = ()  # base-side numbers of deleted lines
    deletion_points: tuple[int, ...] = ()  # head context lines standing for a pure deletion

    @property
    def touched(self) -> tuple[int, ...]:
        """Head-side lines the change touched, ascending."""
        return tuple(sorted({*self.added, *self.deletion_points}))


@dataclass(frozen=True)
class FileDiff:
    path: str | None  # head side; None when the file was deleted
    old_path: str | None  # base side; None when the file was added
    status: Status
    binary: bool = False
    hunks: tuple[Hunk, ...] = ()
    old_no_newline: bool = False  # "\ No newline at end of file" on the base side
    new_no_newline: bool = False


class DiffError(ValueError):
    pass


def unquote(name: str) -> str:
    """A path as git prints it: C-quoted ("a\\tb", octal bytes) when it holds specials."""
    if not (len(name) >= 2 and name[0] == name[-1] == '"'):
        return name
    raw = name[1:-1].encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte != 0x5C:  # backslash
            out.append(byte)
            i += 1
            continue
        nxt = chr(raw[i + 1]) if i + 1 < len(raw) else ""
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif raw[i + 1:i + 4].isdigit() and len(raw[i + 1:i + 4]) == 3:
            out.append(int(raw[i + 1:i + 4], 8) & 0xFF)
            i += 4
        else:
            raise DiffError(f"bad escape in quoted path {name!r}")
    return out.decode("utf-8", "surrogateescape")


def _side(name: str, prefix: str) -> str | None:
    """`a/path` -> `path`; /dev/null -> None. Git adds a tab after a name with a space."""
    name = unquote(name.removesuffix("\t"))
    if name == DEV_NULL:
        return None
    if not name.startswith(prefix):
        raise DiffError(f"expected a {prefix!r} prefix on {name!r}")
    return name[len(prefix):]


def _closing_quote(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i
        else:
            i += 1
    raise DiffError(f"unterminated quoted name in {text!r}")


def _git_line_names(rest: str) -> tuple[str, str]:
    """The two names of `diff --git a/X b/Y` (used when no ---/+++ lines say them: binary
    files, mode changes). Unquoted names with spaces are split where both sides agree."""
    if rest.startswith('"'):
        end = _closing_quote(rest)
        return _side(rest[:end + 1], "a/") or "", _side(rest[end + 2:], "b/") or ""
    if rest.endswith('"'):
        start = rest.rindex(' "')
        return _side(rest[:start], "a/") or "", _side(rest[start + 1:], "b/") or ""
    half = (len(rest) - 1) // 2
    first, second = rest[:half], rest[half + 1:]
    if rest[half] == " " and first[2:] == second[2:]:
        return _side(first, "a/") or "", _side(second, "b/") or ""
    if rest.count(" b/") == 1:
        first, _, second = rest.partition(" b/")
        return _side(first, "a/") or "", second
    raise DiffError(f"cannot tell the names apart in 'diff --git {rest}'")


@dataclass
class _File:
    git_line: str  # what follows `diff --git `: the names when no other header gives them
    old: str | None = None
    new: str | None = None
    seen_old: bool = False
    seen_new: bool = False
    status: Status = "modified"
    binary: bool = False
    hunks: list[Hunk] = field(default_factory=list)
    old_no_newline: bool = False
    new_no_newline: bool = False

    def done(self) -> FileDiff:
        names = ("", "") if self.seen_old and self.seen_new else _git_line_names(self.git_line)
        old = self.old if self.seen_old else names[0]
        new = self.new if self.seen_new else names[1]
        if self.status == "added":
            old = None
        elif self.status == "deleted":
            new = None
        return FileDiff(new, old, self.status, self.binary, tuple(self.hunks),
                        self.old_no_newline, self.new_no_newline)


_HEADERS: tuple[tuple[str, Status], ...] = (
    ("new file mode ", "added"), ("deleted file mode ", "deleted"),
    ("rename from ", "renamed"), ("rename to ", "renamed"),
    ("copy from ", "copied"), ("copy to ", "copied"),
)


def parse(text: str) -> list[FileDiff]:
    """The files of a `git diff` in its order. Raises `DiffError` on output it cannot read
    (never guesses a line number)."""
    lines = text.split("\n")  # not splitlines(): \x0b, \x1c, U+2028 are content
    if lines and lines[-1] == "":
        lines.pop()
    files: list[FileDiff] = []
    current: _File | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("diff --git "):
            if current is not None:
                files.append(current.done())
            current = _File(line[len("diff --git "):])
            i += 1
            continue
        if current is None:
            raise DiffError(f"diff line {i + 1}: text before the first 'diff --git'")
        if line.startswith("@@"):
            hunk, i = _hunk(lines, i, current)
            current.hunks.append(hunk)
            continue
        _header(line, current)
        i += 1
    if current is not None:
        files.append(current.done())
    return files


def _header(line: str, current: _File) -> None:
    for prefix, status in _HEADERS:
        if line.startswith(prefix):
            current.status = status
            name = unquote(line[len(prefix):])
            if prefix.endswith(" from "):
                current.old, current.seen_old = name, True
            elif prefix.endswith(" to "):
                current.new, current.seen_new = name, True
            return
    if line.startswith("--- "):
        current.old, current.seen_old = _side(line[4:], "a/"), True
    elif line.startswith("+++ "):
        current.new, current.seen_new = _side(line[4:], "b/"), True
    elif line.startswith("Binary files ") and line.endswith(" differ"):
        current.binary = True


def _hunk(lines: list[str], i: int, current: _File) -> tuple[Hunk, int]:
    match = _HUNK.match(lines[i])
    if match is None:
        raise DiffError(f"diff line {i + 1}: bad hunk header {lines[i]!r}")
    old_start, new_start = int(match.group(1)), int(match.group(3))
    old_count = int(match.group(2)) if match.group(2) is not None else 1
    new_count = int(match.group(4)) if match.group(4) is not None else 1
    old_no, new_no = old_start, new_start
    old_left, new_left = old_count, new_count
    added: list[int] = []
    deleted: list[int] = []
    context: dict[int, int] = {}
    kinds: list[str] = []  # the hunk's line kinds, to place pure deletions
    heads: list[int] = []  # the head line each entry of `kinds` is at (or before)
    i += 1
    while i < len(lines) and (old_left > 0 or new_left > 0 or lines[i].startswith("\\")):
        line = lines[i]
        kind = line[:1] or " "  # an empty line is empty context (some tools strip the space)
        if kind == "\\":
            last = kinds[-1] if kinds else " "
            if last in "- ":
                current.old_no_newline = True
            if last in "+ ":
                current.new_no_newline = True
            i += 1
            continue
        if kind == " " and old_left and new_left:
            context[new_no] = old_no
            old_no, new_no, old_left, new_left = old_no + 1, new_no + 1, old_left - 1, new_left - 1
        elif kind == "+" and new_left:
            added.append(new_no)
            new_no, new_left = new_no + 1, new_left - 1
        elif kind == "-" and old_left:
            deleted.append(old_no)
            old_no, old_left = old_no + 1, old_left - 1
        else:
            raise DiffError(f"diff line {i + 1}: {line[:20]!r} does not fit the hunk at "
                            f"head line {new_start}")
        kinds.append(kind)
        heads.append(new_no - 1 if kind != "-" else new_no)
        i += 1
    if old_left or new_left:
        raise DiffError(f"hunk at head line {new_start}: the diff ends before its lines do")
    return Hunk(old_start, old_count, new_start, new_count, tuple(added), context,
                tuple(deleted), tuple(_deletion_points(kinds, heads))), i


def _deletion_points(kinds: list[str], heads: list[int]) -> Iterator[int]:
    """For each run of deleted lines with no added line beside it: the context line after
    it, else the one before it (a deletion at the end of the hunk)."""
    n = len(kinds)
    j = 0
    while j < n:
        if kinds[j] != "-":
            j += 1
            continue
        start = j
        while j < n and kinds[j] == "-":
            j += 1
        before = kinds[start - 1] if start > 0 else None
        after = kinds[j] if j < n else None
        if "+" in (before, after):
            continue  # a replacement: the added lines carry it
        if after == " ":
            yield heads[j]
        elif before == " ":
            yield heads[start - 1]


def by_head_path(files: list[FileDiff]) -> dict[str, FileDiff]:
    return {f.path: f for f in files if f.path is not None}
