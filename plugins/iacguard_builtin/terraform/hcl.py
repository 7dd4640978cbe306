"""Reading Terraform files into blocks and attributes that keep their expressions and lines.

`.tf` files are parsed with python-hcl2's raw Lark tree (not its dict output), because
the tree keeps both the unevaluated expressions and their positions. `.tf.json` files
are read with `json`; their strings are templates parsed with the same expression parser.
Templates (quoted strings, heredocs, `templatefile` contents) are all turned into one
flat list of `Part`s so that a single evaluator handles them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError

from iacguard.model import SourceSpan


class HclSyntaxError(ValueError):
    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class JsonExpr:
    """An expression written in a `.tf.json` file (strings in it are templates)."""

    value: Any


@dataclass
class Attr:
    name: str
    expr: Any  # lark Tree/Token, or JsonExpr
    span: SourceSpan
    text: str  # the source text of the expression (for messages and edges)
    source: str = ""  # the text `expr` was parsed from (shared), for the text of sub-expressions
    # lines of the file before `source` (a block parsed on its own, `hcl_blocks.py`): a line
    # of `expr`'s tree is `meta.line + line_offset` in the file
    line_offset: int = 0

    def text_of(self, node: Any) -> str:
        meta = getattr(node, "meta", None)
        if self.source and meta is not None and not meta.empty:
            return self.source[meta.start_pos:meta.end_pos].strip()
        return self.text


@dataclass
class Block:
    type: str
    labels: list[str]
    span: SourceSpan
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]


# -- templates ---------------------------------------------------------------------------
# A part is ("lit", text) | ("interp", expr) | ("if", expr) | ("else",) | ("endif",)
# | ("for", key_name | None, value_name, expr) | ("endfor",) | ("strip", left, right)
Part = tuple[Any, ...]


def unescape(text: str) -> str:
    """HCL quoted-string escapes."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            if nxt == "U" and re.fullmatch(r"[0-9a-fA-F]{8}", text[i + 2 : i + 10]):
                out.append(chr(int(text[i + 2 : i + 10], 16)))
                i += 10
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse_expression(text: str) -> Any:
    """The expression tree of `text` (raises HclSyntaxError)."""
    try:
        tree = hcl2.parses_to_tree(f"__x = {text}\n")
    except RecursionError:
        raise HclSyntaxError(f"expression nested too deeply: {text[:80]!r}") from None
    except LarkError as exc:
        raise HclSyntaxError(f"invalid expression {text!r}: {_first_line(exc)}") from None
    body = tree.children[0]
    for child in body.children:
        if isinstance(child, Tree) and child.data == "attribute":
            if tree_depth(child.children[2], MAX_EXPRESSION_DEPTH) > MAX_EXPRESSION_DEPTH:
                raise HclSyntaxError(f"expression nested too deeply: {text[:80]!r}")
            return child.children[2]
    raise HclSyntaxError(f"invalid expression {text!r}")


def _matching_brace(text: str, start: int) -> int:
    """Index of the `}` closing the interpolation whose body starts at `start`."""
    depth = 0
    i = start
    quote = False
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise HclSyntaxError("unterminated template sequence")


_FOR_DIRECTIVE = re.compile(r"for\s+([A-Za-z_][\w-]*)\s*(?:,\s*([A-Za-z_][\w-]*)\s*)?in\s+(.*)$", re.S)


def parse_template(text: str) -> list[Part]:
    """Parts of a raw template (heredoc body, JSON string, templatefile content)."""
    parts: list[Part] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        two = text[i : i + 2]
        three = text[i : i + 3]
        if three in ("$${", "%%{"):
            literal.append(three[1:])
            i += 3
            continue
        if two in ("${", "%{"):
            end = _matching_brace(text, i + 2)
            inner = text[i + 2 : end]
            left = inner.startswith("~")
            right = inner.endswith("~")
            inner = inner[1 if left else 0 : len(inner) - (1 if right else 0)].strip()
            if literal:
                parts.append(("lit", "".join(literal)))
                literal = []
            if left or right:
                parts.append(("strip", left, right))
            if two == "${":
                parts.append(("interp", parse_expression(inner)))
            else:
                parts.append(_directive(inner))
            i = end + 1
            continue
        literal.append(text[i])
        i += 1
    if literal:
        parts.append(("lit", "".join(literal)))
    return apply_strips(parts)


def _directive(inner: str) -> Part:
    if inner.startswith("if ") or inner.startswith("if("):
        return ("if", parse_expression(inner[2:].strip()))
    if inner == "else":
        return ("else",)
    if inner == "endif":
        return ("endif",)
    if inner == "endfor":
        return ("endfor",)
    match = _FOR_DIRECTIVE.match(inner)
    if match:
        first, second, collection = match.groups()
        key, value = (first, second) if second else (None, first)
        return ("for", key, value, parse_expression(collection.strip()))
    raise HclSyntaxError(f"unknown template directive %{{{inner}}}")


def apply_strips(parts: list[Part]) -> list[Part]:
    """Apply `~` strip markers to the neighbouring literals and drop the markers."""
    out: list[Part] = []
    pending = False  # right-strip of the directive about to be appended
    strip_next = False
    for part in parts:
        if part[0] == "strip":
            if part[1] and out and out[-1][0] == "lit":
                out[-1] = ("lit", out[-1][1].rstrip())
            pending = part[2]
            continue
        if part[0] == "lit":
            if strip_next:
                part = ("lit", part[1].lstrip())
            strip_next = False
        else:
            strip_next, pending = pending, False
        out.append(part)
    return out


def heredoc_parts(token_text: str) -> list[Part]:
    """Parts of a heredoc token (`<<EOF\\n...\\nEOF\\n` or `<<-EOF`)."""
    lines = token_text.replace("\r\n", "\n").split("\n")
    header = lines[0]
    body_lines = lines[1:]
    while body_lines and body_lines[-1].strip() == "":
        body_lines.pop()
    if body_lines:
        body_lines.pop()  # the closing marker
    if header.startswith("<<-"):
        indents = [len(line) - len(line.lstrip()) for line in body_lines if line.strip()]
        cut = min(indents) if indents else 0
        body_lines = [line[cut:] for line in body_lines]
    body = "".join(line + "\n" for line in body_lines)
    return parse_template(body)


def string_parts(tree: Tree[Any]) -> list[Part]:
    """Parts of a quoted string node of the Lark tree."""
    parts: list[Part] = []
    for child in tree.children:
        if not isinstance(child, Tree):
            continue  # the quotes
        piece = child.children[0]
        if isinstance(piece, Token):
            if piece.type == "ESCAPED_INTERPOLATION" or piece.type == "ESCAPED_DIRECTIVE":
                parts.append(("lit", str(piece)[1:]))
            else:
                parts.append(("lit", unescape(str(piece))))
            continue
        kind = piece.data
        trees = [c for c in piece.children if isinstance(c, Tree)]
        markers = [i for i, c in enumerate(piece.children)
                   if isinstance(c, Token) and c.type == "STRIP_MARKER"]
        n = len(piece.children)
        left = 1 in markers
        right = (n - 2) in markers
        if left or right:
            parts.append(("strip", left, right))
        if kind == "interpolation":
            parts.append(("interp", trees[0]))
        elif kind == "template_if_start":
            parts.append(("if", trees[0]))
        elif kind == "template_else":
            parts.append(("else",))
        elif kind == "template_endif":
            parts.append(("endif",))
        elif kind == "template_endfor":
            parts.append(("endfor",))
        elif kind == "template_for_start":
            names = [str(t.children[0]) for t in trees if t.data == "identifier"]
            collection = trees[-1]
            key, value = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            parts.append(("for", key, value, collection))
    merged: list[Part] = []
    for part in parts:
        if part[0] == "lit" and merged and merged[-1][0] == "lit":
            merged[-1] = ("lit", merged[-1][1] + part[1])
        else:
            merged.append(part)
    return apply_strips(merged)


# -- files ---------------------------------------------------------------------------------
def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _span(file: str, meta: Any, precision: str = "exact", offset: int = 0) -> SourceSpan:
    start = getattr(meta, "line", 1) or 1
    end = getattr(meta, "end_line", start) or start
    end_col = getattr(meta, "end_column", 1) or 1
    if end > start and end_col == 1:
        end -= 1  # a heredoc token ends after its final newline
    return SourceSpan(file=file, start_line=start + offset,
                      start_col=getattr(meta, "column", 1) or 1,
                      end_line=end + offset, end_col=end_col, precision=precision)


def _name_of(node: Any) -> str:
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(unescape(str(p.children[0])) for p in node.children
                       if isinstance(p, Tree) and isinstance(p.children[0], Token))
    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


# Real configurations nest a few levels; deeper input is refused before the recursive
# evaluator (and everything after it) can exhaust the Python stack.
MAX_BLOCK_DEPTH = 32
MAX_EXPRESSION_DEPTH = 200  # levels of the expression's parse tree (real modules: < 70)
# The HCL parser needs ~200 bytes of memory and ~7 µs per byte of input.
MAX_HCL_BYTES = 2_000_000
MAX_JSON_BYTES = 20_000_000


def tree_depth(node: Any, limit: int) -> int:
    """The depth of a parse tree, counted up to `limit + 1` (iteratively)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        if isinstance(item, Tree):
            stack.extend((child, depth + 1) for child in item.children)
    return deepest


def convert_body(body: Tree[Any], file: str, text: str, depth: int = 0,
                 offset: int = 0) -> tuple[dict[str, Attr], list[Block]]:
    """Attributes and blocks of a parsed body; `text` is what was parsed, `offset` the lines
    of the file before it."""
    if depth > MAX_BLOCK_DEPTH:
        raise HclSyntaxError(f"blocks nested deeper than {MAX_BLOCK_DEPTH} levels",
                             (getattr(body.meta, "line", 1) if not body.meta.empty else 1) + offset)
    attrs: dict[str, Attr] = {}
    blocks: list[Block] = []
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = _name_of(child.children[0])
            expr = child.children[2]
            if tree_depth(expr, MAX_EXPRESSION_DEPTH) > MAX_EXPRESSION_DEPTH:
                raise HclSyntaxError(f"expression of {name} is nested too deeply",
                                     (getattr(child.meta, "line", 1) or 1) + offset)
            meta = expr.meta if isinstance(expr, Tree) else None
            expr_text = (text[meta.start_pos:meta.end_pos].strip()
                         if meta is not None and not meta.empty else str(expr))
            attrs[name] = Attr(name, expr, _span(file, child.meta, offset=offset), expr_text, text,
                               offset)
        elif child.data == "block":
            labels: list[str] = []
            inner: Tree[Any] | None = None
            for part in child.children:
                if isinstance(part, Tree) and part.data == "body":
                    inner = part
                elif isinstance(part, Tree) and part.data in (
                        "identifier", "string", "keyword", "literal_value"):
                    labels.append(_name_of(part.children[0] if part.data != "string" else part))
            block = Block(labels[0], labels[1:], _span(file, child.meta, "block", offset))
            if inner is not None:
                block.attrs, block.blocks = convert_body(inner, file, text, depth + 1, offset)
            blocks.append(block)
    return attrs, blocks


def decode_text(data: bytes, encoding: str = "utf-8") -> str:
    """A file's text as `Path.read_text` gives it: decoded, with universal newlines."""
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


def parse_hcl(data: bytes, path: Path) -> tuple[dict[str, Attr], list[Block]]:
    """Top-level attributes and blocks of a `.tf`/`.tfvars` file's content, read from `path`
    by the caller (raises HclSyntaxError)."""
    try:
        size = len(data)
        if size > MAX_HCL_BYTES:
            raise HclSyntaxError(f"file too large to parse ({size} bytes, limit {MAX_HCL_BYTES})")
        text = decode_text(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HclSyntaxError(f"cannot read file: {exc}") from None
    try:
        tree = hcl2.parses_to_tree(text)
    except LarkError as exc:
        raise HclSyntaxError(f"HCL syntax error: {_first_line(exc)}",
                             int(getattr(exc, "line", 1) or 1)) from None
    except RecursionError:
        raise HclSyntaxError("HCL nested too deeply to parse") from None
    return convert_body(tree.children[0], str(path), text)


# -- .tf.json --------------------------------------------------------------------------
MAX_JSON_DEPTH = 64


def _json_depth(value: Any, limit: int) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack and deepest <= limit:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


_JSON_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1,
                "provider": 1, "locals": 0, "terraform": 0}


def load_json_object(content: bytes, path: Path) -> dict[str, Any]:
    """The object in a `.tf.json` / `.tfvars.json` file's content, within size and depth
    limits (raises HclSyntaxError)."""
    try:
        size = len(content)
        if size > MAX_JSON_BYTES:
            raise HclSyntaxError(f"file too large to parse ({size} bytes, limit {MAX_JSON_BYTES})")
        data = json.loads(decode_text(content, "utf-8-sig"))
    except RecursionError:
        raise HclSyntaxError("JSON nested too deeply") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HclSyntaxError(f"invalid JSON: {exc}", int(getattr(exc, "lineno", 1))) from None
    if not isinstance(data, dict):
        raise HclSyntaxError(f"a {path.name} file must hold an object")
    if _json_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise HclSyntaxError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def parse_json(content: bytes, path: Path) -> list[Block]:
    data = load_json_object(content, path)
    span = SourceSpan(file=str(path), precision="file")
    blocks: list[Block] = []
    for kind, content in data.items():
        depth = _JSON_LABELS.get(kind)
        if depth is None:
            continue
        for labels, body in _json_levels(content, depth):
            for item in body if isinstance(body, list) else [body]:
                if isinstance(item, dict):
                    blocks.append(_json_block(kind, labels, item, span))
    return blocks


def _json_levels(content: Any, depth: int) -> list[tuple[list[str], Any]]:
    if depth == 0:
        return [([], content)]
    out: list[tuple[list[str], Any]] = []
    if isinstance(content, dict):
        for key, value in content.items():
            out.extend(([key, *labels], body) for labels, body in _json_levels(value, depth - 1))
    return out


# Keys whose JSON object values are nested blocks rather than map attributes.
_JSON_META_BLOCKS = {"lifecycle", "dynamic", "content", "provisioner", "connection"}
# Map-valued arguments that must not be mistaken for nested blocks.
_JSON_MAPS = {"tags", "tags_all", "default_tags", "labels", "resource_labels", "node_labels",
              "metadata", "triggers", "variables", "environment", "annotations", "parameters",
              "options", "data", "vars", "values", "settings", "headers", "selector",
              "match_labels", "node_selector", "attributes", "context", "properties",
              "freeform_tags", "defined_tags", "input", "triggers_replace"}
_SNAKE = re.compile(r"^[a-z_][a-z0-9_]*$")


def _json_block(kind: str, labels: list[str], body: dict[str, Any], span: SourceSpan,
                guess_blocks: bool = False) -> Block:
    """A block from JSON. Without a provider schema, objects (or lists of objects) whose keys
    look like argument names are taken as nested blocks inside resources and data sources."""
    block = Block(kind, labels, span)
    guess_blocks = guess_blocks or kind in ("resource", "data")
    for key, value in body.items():
        if key == "//":
            continue
        is_block = key in _JSON_META_BLOCKS or (guess_blocks and _looks_like_blocks(key, value))
        if kind == "locals" or not is_block:
            block.attrs[key] = Attr(key, JsonExpr(value), span, json.dumps(value)[:200])
        elif key == "dynamic" and isinstance(value, dict):
            for name, inner in value.items():
                for item in inner if isinstance(inner, list) else [inner]:
                    if isinstance(item, dict):
                        block.blocks.append(_json_block("dynamic", [name], item, span, True))
        else:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    block.blocks.append(_json_block(key, [], item, span, True))
    return block


def _looks_like_blocks(key: str, value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return (key not in _JSON_MAPS and bool(items)
            and all(isinstance(v, dict) and all(_SNAKE.match(k) for k in v) for v in items))
