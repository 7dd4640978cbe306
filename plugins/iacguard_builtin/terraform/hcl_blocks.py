"""Parsing a `.tf` file block by block, so that an edit re-parses only the blocks it changed.

python-hcl2's Lark parse costs ~7 µs per byte, so re-parsing a 500-line file on every
keystroke dominates an editor's round trip. A lightweight scanner (aware of strings, their
interpolations, heredocs and comments) splits the file into its top-level blocks, each from
the start of its first line to the end of the line of its closing brace; each block's text
is parsed on its own through the session's `Memo`, keyed by that text, and its lines are
re-based by the lines before it. A block whose text did not change is not parsed again even
when an edit above it moved it.

Whenever the scanner is unsure (top-level attributes, two things on one line, a backslash
outside a string, anything a block's parse rejects, ...) the whole file is parsed as before,
so results and error messages are those of whole-file parsing (tests/terraform/test_hcl_blocks.py
compares the two on every `.tf` file of the corpus).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from lark import Tree
from lark.exceptions import LarkError

from iacguard.fs import digest
from iacguard.loading import Memo
from iacguard.model import SourceSpan
from iacguard_builtin.terraform import hcl
from iacguard_builtin.terraform.hcl import (
    Attr,
    Block,
    HclSyntaxError,
    convert_body,
    decode_text,
    parse_hcl,
)


@dataclass(frozen=True)
class Chunk:
    offset: int  # lines of the file before the chunk
    text: str  # whole lines: the block, up to the end of the line of its closing brace


# In code: comments, heredocs, strings, braces; a backslash only appears in a directive's
# escaped string (`\"a\"`), which the scanner does not follow.
_CODE = re.compile(r'#[^\n]*|//[^\n]*|/\*.*?\*/|<<|["{}\\]', re.S)
# In a quoted string (python-hcl2's lexer: escapes, `$${...}`/`%%{...}`, interpolations).
_STRING = re.compile(r'\\.|\$\$\{[^}]*\}|%%\{[^}]*\}|\$\{|%\{|"|\$\$\{|%%\{', re.S)
# The grammar's heredoc terminals, both kinds.
_HEREDOC = re.compile(r"<<-?(?P<m>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=m)\r?\n")
_GAP = re.compile(r"(?:\s+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_HEADER = re.compile(r'[A-Za-z_][\w-]*(?:[ \t]+(?:"[^"\\\n$%]*"|[A-Za-z_][\w-]*))*\s*\{')
_LINE_END = re.compile(r"[ \t\r]*(?:#[^\n]*|//[^\n]*)?(?:\n|\Z)")


def _skip_string(text: str, i: int) -> int | None:
    """From just after an opening quote: the index after its closing quote."""
    while True:
        m = _STRING.search(text, i)
        if m is None:
            return None
        token = m.group()
        if token == '"':
            return m.end()
        if token in ("${", "%{"):
            end = _skip_code(text, m.end())
            if end is None:
                return None
            i = end
        elif token in ("$${", "%%{"):  # not closed: the lexer would not take it either
            return None
        else:
            i = m.end()


def _skip_code(text: str, i: int) -> int | None:
    """From just after an opening brace: the index after the brace that closes it."""
    depth = 0
    while True:
        m = _CODE.search(text, i)
        if m is None:
            return None
        token = m.group()
        if token == '"':
            end = _skip_string(text, m.end())
            if end is None:
                return None
            i = end
        elif token == "<<":
            heredoc = _HEREDOC.match(text, m.start())
            if heredoc is None:
                return None
            i = heredoc.end()
        elif token == "{":
            depth += 1
            i = m.end()
        elif token == "}":
            if depth == 0:
                return m.end()
            depth -= 1
            i = m.end()
        elif token == "\\":
            return None
        else:  # a comment
            i = m.end()


def split_blocks(text: str) -> list[Chunk] | None:
    """The top-level blocks of `text` as whole-line chunks; None when unsure."""
    chunks: list[Chunk] = []
    pos = 0
    line = 0  # newlines in text[:pos]
    try:
        while True:
            gap = _GAP.match(text, pos)
            assert gap is not None  # it matches the empty string
            start = gap.end()
            if start == len(text):
                return chunks
            line_start = text.rfind("\n", 0, start) + 1
            if line_start < pos or text[line_start:start].strip():
                return None  # something else on the line before the block
            header = _HEADER.match(text, start)
            if header is None:
                return None  # a top-level attribute, or a header the scanner does not know
            end = _skip_code(text, header.end())
            if end is None:
                return None
            tail = _LINE_END.match(text, end)
            if tail is None:
                return None  # something after the closing brace on its line
            line += text.count("\n", pos, line_start)
            chunk = text[line_start:tail.end()].removesuffix("\n")
            chunks.append(Chunk(line, chunk))
            line += chunk.count("\n")
            pos = line_start + len(chunk)
    except RecursionError:
        return None


def layout(memo: Memo, content_digest: str, text: str | None) -> tuple[Chunk, ...] | None:
    """`split_blocks(text)` kept in `memo` by the content's digest (`rebase.py` compares the
    layouts of a file's old and new content); with `text` None, only what `memo` kept."""
    key = ("hcl-layout", content_digest)
    found = memo.peek(key)
    if found is None and text is not None:
        chunks = split_blocks(text)
        found = tuple(chunks) if chunks is not None else False  # False: the scanner was unsure
        memo.put(key, found)
    return found if isinstance(found, tuple) else None


def _parse_tree(text: str) -> Tree[Any]:
    return hcl2.parses_to_tree(text)


def _parse_chunk(text: str) -> list[Block] | None:
    """The one block of a chunk, converted at offset 0 in file ""; None if not exactly one."""
    try:
        tree = _parse_tree(text)
        body = tree.children[0]
        attrs, blocks = convert_body(body, "", text)
    except (LarkError, HclSyntaxError, RecursionError):
        return None
    return blocks if not attrs and len(blocks) == 1 else None


def _rebased_span(span: SourceSpan, file: str, offset: int) -> SourceSpan:
    return SourceSpan(file=file, start_line=span.start_line + offset, start_col=span.start_col,
                      end_line=span.end_line + offset, end_col=span.end_col,
                      precision=span.precision)


def _rebased(block: Block, file: str, offset: int) -> Block:
    return Block(block.type, block.labels, _rebased_span(block.span, file, offset),
                 attrs={name: Attr(a.name, a.expr, _rebased_span(a.span, file, offset), a.text,
                                   a.source, a.line_offset + offset)
                        for name, a in block.attrs.items()},
                 blocks=[_rebased(b, file, offset) for b in block.blocks])


def parse_blocks(data: bytes, path: Path, memo: Memo) -> list[Block]:
    """The blocks of a `.tf` file's content, as `parse_hcl(data, path)[1]` gives them, parsing
    only the blocks whose text `memo` has not seen (raises HclSyntaxError)."""
    if len(data) > hcl.MAX_HCL_BYTES:
        return parse_hcl(data, path)[1]
    try:
        text = decode_text(data, "utf-8-sig")
    except UnicodeDecodeError:
        return parse_hcl(data, path)[1]
    chunks = layout(memo, digest(data), text)
    if chunks is None:
        return parse_hcl(data, path)[1]
    file = str(path)
    out: list[Block] = []
    for chunk in chunks:
        parsed = memo.peek(("hcl-block", chunk.text))
        if parsed is None:
            parsed = _parse_chunk(chunk.text) or False  # False: not one block
            memo.put(("hcl-block", chunk.text), parsed)
        if parsed is False:
            return parse_hcl(data, path)[1]
        out.extend(_rebased(b, file, chunk.offset) for b in parsed)
    return out
