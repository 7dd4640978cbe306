"""Block-by-block parsing of `.tf` files (hcl_blocks.py) gives what whole-file parsing gives,
and an edit re-parses only the blocks whose text changed."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import iacguard_builtin.terraform.hcl_blocks as hcl_blocks
import pytest
from iacguard_builtin.terraform.hcl import Attr, Block, HclSyntaxError, parse_hcl
from iacguard_builtin.terraform.hcl_blocks import parse_blocks, split_blocks
from lark import Token

from iacguard.loading import Memo


def _node(node: Any, source: str, offset: int) -> Any:
    if isinstance(node, Token):
        line = node.line + offset if node.line is not None else None
        end = node.end_line + offset if node.end_line is not None else None
        return ("token", node.type, str(node), line, node.column, end, node.end_column)
    meta = node.meta
    where = None if meta.empty else (meta.line + offset, meta.column, meta.end_line + offset,
                                     meta.end_column, source[meta.start_pos:meta.end_pos])
    return (node.data, where, [_node(c, source, offset) for c in node.children])


def _attr(attr: Attr) -> Any:
    return (attr.name, attr.span, attr.text, _node(attr.expr, attr.source, attr.line_offset))


def normal(blocks: list[Block]) -> list[Any]:
    """Everything evaluation can see of parsed blocks, positions as lines of the file."""
    return [(b.type, b.labels, b.span, [_attr(a) for a in b.attrs.values()], normal(b.blocks))
            for b in blocks]


def outcome(parse: Any) -> Any:
    try:
        return normal(parse())
    except HclSyntaxError as exc:
        return ("error", str(exc), exc.line)


def both(text: str, path: Path = Path("/x/main.tf")) -> tuple[Any, Any]:
    data = text.encode()
    return outcome(lambda: parse_hcl(data, path)[1]), outcome(lambda: parse_blocks(data, path, Memo()))


SOURCE = '''# a comment
variable "name" {
  type    = string
  default = "x"  # trailing } {
}

/* a block comment with a } brace
   over lines */
locals {
  tags = { Name = "${var.name}-${lookup({ a = "}" }, "a", "")}" }
  doc  = <<-EOT
    a heredoc with } and { and "quotes
    ${var.name}
  EOT
  escaped = "$${not} %%{ also not } \\" }"
}

resource "aws_s3_bucket" "b" {
  bucket = local.tags["Name"]
  dynamic "rule" {
    for_each = [1, 2]
    content { id = rule.value }
  } # after the brace
}
output "o" { value = aws_s3_bucket.b.id }
'''


def test_a_file_of_blocks_is_split_into_whole_line_chunks() -> None:
    chunks = split_blocks(SOURCE)
    assert chunks is not None
    assert [c.offset for c in chunks] == [1, 8, 17, 24]
    assert chunks[0].text.startswith('variable "name" {') and chunks[0].text.endswith("}")
    assert chunks[2].text.endswith("} # after the brace\n}")
    lines = SOURCE.split("\n")
    for chunk in chunks:
        n = chunk.text.count("\n") + 1
        assert "\n".join(lines[chunk.offset:chunk.offset + n]) == chunk.text


def test_blocks_parse_as_the_whole_file() -> None:
    whole, blocks = both(SOURCE)
    assert whole == blocks and len(whole) == 4
    shifted_whole, shifted = both("\n\n# moved\n" + SOURCE)
    assert shifted_whole == shifted != blocks


@pytest.mark.parametrize("text", [
    'a = 1\nresource "x" "y" {}\n',  # a top-level attribute
    'resource "x" "y" {} resource "x" "z" {}\n',  # two blocks on a line
    '/* c */ resource "x" "y" {}\n',  # something before the block on its line
    'resource "x" "y" {\n  a = "%{ if x == \\"a\\" }y%{ endif }"\n}\n',  # a directive's \"
    'resource "x" "y" {\n  a = "unterminated\n}\n',
    'resource "x" "y" {\n  a = <<EOT\nno end marker\n}\n',
    'resource "x" {\n  a = = 1\n}\n',  # a syntax error: whole-file parsing reports it
])
def test_what_the_scanner_is_unsure_of_is_parsed_as_a_whole(text: str) -> None:
    whole, blocks = both(text)
    assert whole == blocks


def test_an_edit_parses_only_the_changed_block(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = hcl_blocks._parse_tree

    def counting(text: str) -> Any:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(hcl_blocks, "_parse_tree", counting)
    memo = Memo()
    path = Path("/x/main.tf")
    first = parse_blocks(SOURCE.encode(), path, memo)
    assert len(parsed) == 4
    parsed.clear()
    moved = parse_blocks(("# one more line\n" + SOURCE).encode(), path, memo)
    assert parsed == []  # every block only moved
    assert [b.span.start_line for b in moved] == [b.span.start_line + 1 for b in first]
    edited = SOURCE.replace('default = "x"', 'default = "y"')
    parse_blocks(edited.encode(), path, memo)
    assert len(parsed) == 1 and parsed[0].startswith('variable "name"')


def test_corpus_tf_files_parse_as_the_whole_file(corpus: Path) -> None:
    """Every fourth corpus file (sorted: all modules are represented) and every file of the
    largest module are parsed both ways, which is ~45 s for all 315 files; the scanner itself
    runs on all. `IACGUARD_CORPUS_ALL=1` compares every file."""
    files = sorted(corpus.rglob("*.tf"))
    assert files
    everything = os.environ.get("IACGUARD_CORPUS_ALL") == "1"
    largest = corpus / "terraform" / "terraform-aws-eks"
    compared = [p for i, p in enumerate(files) if everything or i % 4 == 0 or largest in p.parents]
    assert len(compared) >= len(files) // 4
    for path in compared:
        data = path.read_bytes()
        whole = outcome(lambda data=data, path=path: parse_hcl(data, path)[1])  # type: ignore[misc]
        blocks = outcome(lambda data=data, path=path: parse_blocks(data, path, Memo()))  # type: ignore[misc]
        assert whole == blocks, path
    split = 0
    for path in files:
        with contextlib.suppress(UnicodeDecodeError):
            split += split_blocks(path.read_bytes().decode("utf-8-sig")) is not None
    assert split >= 0.9 * len(files)  # the scanner is sure of nearly every real file
