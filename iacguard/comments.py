"""Comments as loaders report them: where a comment addressed to iacguard was written.

Loaders do not interpret comments; they report them (`LoadResult.comments`) through the one
shared helper here, `comments_read(ctx)`: every file the unit read through `ctx.fs` in a
syntax with comments is scanned (files without the word `iacguard` are skipped at a byte
search; not memoised: `ctx.memo`'s counters belong to the loaders). The core decides what the
comments mean (`suppressions.py`).

The scanners know just enough syntax not to mistake data for a comment:
- HCL (`.tf`, `.tfvars`, `.hcl`): `#`, `//` and `/* */` outside strings and heredocs;
- YAML and Helm templates: `#` at a line start or after a blank, outside quotes and block
  scalars (`key: |`), and Go-template comments `{{/* ... */}}`.
Only comments that mention `iacguard` are kept (the rest is never looked at).
"""

from __future__ import annotations

import re
from pathlib import Path

from iacguard.loading import LoadContext
from iacguard.model import Comment

MARKER = "iacguard"
HCL_SUFFIXES = (".tf", ".tfvars", ".hcl")
YAML_SUFFIXES = (".yaml", ".yml", ".tpl")
MAX_COMMENT_FILE_BYTES = 10 * 1024 * 1024


_HEREDOC = re.compile(r"<<-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")
_BLOCK_SCALAR = re.compile(r"(?:^|[\s:-])[|>][0-9+-]*\s*(?:#.*)?$")
_TEMPLATE_COMMENT = re.compile(r"{{-?\s*/\*(.*?)\*/\s*-?}}")


def hcl_comments(file: str, text: str) -> list[Comment]:
    out: list[Comment] = []
    heredoc: str | None = None
    in_block: list[str] | None = None  # text of an open /* */ comment
    block_start = (0, False)
    for number, line in enumerate(text.splitlines(), start=1):
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        i, n, in_string, code_before = 0, len(line), False, False
        while i < n:
            if in_block is not None:
                end = line.find("*/", i)
                if end < 0:
                    in_block.append(line[i:])
                    break
                in_block.append(line[i:end])
                out.append(Comment(file=file, line=block_start[0], text=" ".join(" ".join(in_block).split()),
                                   own_line=block_start[1]))
                in_block, i = None, end + 2
                continue
            ch = line[i]
            if in_string:
                if ch == "\\":
                    i += 2
                    continue
                if ch == '"':
                    in_string = False
            elif ch == '"':
                in_string, code_before = True, True
            elif ch == "#" or line.startswith("//", i):
                body = line[i + (1 if ch == "#" else 2):]
                out.append(Comment(file=file, line=number, text=body.strip(),
                                   own_line=not code_before))
                break
            elif line.startswith("/*", i):
                in_block, block_start = [], (number, not code_before)
                i += 2
                continue
            elif not ch.isspace():
                code_before = True
                match = _HEREDOC.match(line, i)
                if match:
                    heredoc = match.group(1)
                    break
            i += 1
    return [c for c in out if MARKER in c.text]


def _strip_quoted(line: str) -> int:
    """Index of the first `#` that starts a YAML comment (-1 when there is none)."""
    quote: str | None = None
    for i, ch in enumerate(line):
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in "\"'" and (i == 0 or line[i - 1] in " \t:[{,-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return -1


def yaml_comments(file: str, text: str) -> list[Comment]:
    out: list[Comment] = []
    scalar_indent: int | None = None  # indentation of the key that opened a block scalar
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if scalar_indent is not None:
            if not stripped or indent > scalar_indent:
                continue
            scalar_indent = None
        for match in _TEMPLATE_COMMENT.finditer(line):
            own = not (line[:match.start()].strip() or line[match.end():].strip())
            out.append(Comment(file=file, line=number, text=match.group(1).strip(), own_line=own))
        code = _TEMPLATE_COMMENT.sub("", line)
        at = _strip_quoted(code)
        if at >= 0:
            out.append(Comment(file=file, line=number, text=code[at + 1:].strip(),
                               own_line=not code[:at].strip()))
            code = code[:at]
        if (_BLOCK_SCALAR.search(code.rstrip()) and ":" in code) or code.strip() in ("|", ">", "- |"):
            scalar_indent = indent
    return [c for c in out if MARKER in c.text]


def scan_comments(path: Path, text: str) -> list[Comment]:
    name = path.name.lower()
    if name.endswith(HCL_SUFFIXES):
        return hcl_comments(str(path), text)
    if name.endswith(YAML_SUFFIXES):
        return yaml_comments(str(path), text)
    return []


def comments_read(ctx: LoadContext) -> list[Comment]:
    """The iacguard comments of every file this unit has read so far through `ctx.fs`."""
    inputs = ctx.fs.inputs
    if inputs is None:
        return []
    out: list[Comment] = []
    for kind, key in sorted(inputs.observed):
        path = Path(key)
        if kind != "read" or not path.name.lower().endswith((*HCL_SUFFIXES, *YAML_SUFFIXES)):
            continue
        out.extend(_scan_file(ctx, path))
    return out


def _scan_file(ctx: LoadContext, path: Path) -> list[Comment]:
    try:
        data = ctx.fs.read_bytes(path)
    except OSError:
        return []
    if len(data) > MAX_COMMENT_FILE_BYTES or MARKER.encode() not in data:
        return []
    return scan_comments(path, data.decode("utf-8", errors="replace"))

