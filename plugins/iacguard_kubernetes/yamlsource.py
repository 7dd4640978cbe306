"""YAML/JSON documents to plain data plus a source map, with ruamel.yaml line marks.

ruamel gives 0-based (line, col) for mapping keys and values (`lc.key`, `lc.value`) and
sequence items (`lc.item`), absolute across the documents of one stream. Scalars carry no
marks of their own, so their position is read from the parent.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from iacguard.model import SourceSpan
from iacguard.values import pointer

# YAML allows a byte order mark at the start of every document of a stream (concatenated
# files); ruamel would read it as part of the first key.
DOCUMENT_BOM = re.compile("^\ufeff", re.MULTILINE)
# Guards against alias bombs ("billion laughs"): plain data is a tree, aliases expand.
MAX_NODES = 1_000_000


class DocumentTooLarge(Exception):
    pass


@dataclass
class Document:
    data: Any
    start_line: int  # 1-based
    end_line: int
    source_map: dict[str, SourceSpan] = field(default_factory=dict)


@dataclass
class ParseFailure:
    line: int  # 1-based
    column: int
    message: str


def decode(raw: bytes) -> str:
    """Text of a manifest file: UTF-8 (with or without BOM) or UTF-16 with BOM."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    # Kubernetes reads manifests with YAML 1.1 rules (yes/no/on/off are booleans).
    yaml.version = (1, 1)
    yaml.allow_duplicate_keys = False
    return yaml


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.nodes = 0
        self.source_map: dict[str, SourceSpan] = {}

    def span(self, line0: int, col0: int, end_line1: int) -> SourceSpan:
        return SourceSpan(
            file=self.file,
            start_line=line0 + 1,
            start_col=col0 + 1,
            end_line=max(end_line1, line0 + 1),
            end_col=1,
        )

    def convert(self, node: Any, path: list[str | int]) -> tuple[Any, int]:
        """Plain data for `node` and the last (1-based) line it occupies."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise DocumentTooLarge(f"more than {MAX_NODES} nodes (alias expansion?)")
        if isinstance(node, CommentedMap):
            out: dict[str, Any] = {}
            last = node.lc.line + 1
            for key, value in node.items():
                skey = _key(key)
                try:
                    kline, kcol = node.lc.key(key)
                except (KeyError, TypeError):  # merged (<<) keys have no marks of their own
                    kline, kcol = node.lc.line, node.lc.col
                child_path = [*path, skey]
                plain, vlast = self.convert(value, child_path)
                if not isinstance(value, CommentedMap | CommentedSeq):
                    try:
                        vline, _ = node.lc.value(key)
                    except (KeyError, TypeError):
                        vline = kline
                    vlast = vline + 1 + _extra_lines(value)
                out[skey] = plain
                self.source_map[pointer(child_path)] = self.span(kline, kcol, vlast)
                last = max(last, vlast)
            return out, last
        if isinstance(node, CommentedSeq):
            items: list[Any] = []
            last = node.lc.line + 1
            for index, value in enumerate(node):
                try:
                    iline, icol = node.lc.item(index)
                except (KeyError, TypeError):
                    iline, icol = node.lc.line, node.lc.col
                child_path = [*path, index]
                plain, vlast = self.convert(value, child_path)
                if not isinstance(value, CommentedMap | CommentedSeq):
                    vlast = iline + 1 + _extra_lines(value)
                items.append(plain)
                self.source_map[pointer(child_path)] = self.span(iline, icol, vlast)
                last = max(last, vlast)
            return items, last
        return _scalar(node), 0


def expanded_size(node: Any, memo: dict[int, int] | None = None) -> int:
    """Node count once aliases are expanded, computed without expanding them (memoised by
    identity: an alias is the same Python object as its anchor)."""
    memo = {} if memo is None else memo
    if not isinstance(node, CommentedMap | CommentedSeq):
        return 1
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = MAX_NODES + 1  # a self-referencing alias counts as infinite
    children = node.values() if isinstance(node, CommentedMap) else node
    total = 1
    for child in children:
        total += expanded_size(child, memo)
        if total > MAX_NODES:
            break
    memo[id(node)] = total
    return total


def _key(key: Any) -> str:
    if isinstance(key, ScalarBoolean | bool):
        return "true" if key else "false"
    return str(key)


def _extra_lines(value: Any) -> int:
    if isinstance(value, str) and "\n" in value.rstrip("\n"):
        return value.rstrip("\n").count("\n") + 1
    return 0


def _scalar(node: Any) -> Any:
    if isinstance(node, TaggedScalar):
        return node.value
    if isinstance(node, ScalarBoolean | bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, datetime.date | datetime.datetime):
        return node.isoformat()
    if node is None:
        return None
    return str(node)


def parse_documents(text: str, file: str) -> Iterator[Document | ParseFailure]:
    """Each document of a YAML (or JSON) stream; a failure ends the stream."""
    yaml = _yaml()
    text = DOCUMENT_BOM.sub("", text)
    try:
        for raw in yaml.load_all(text):
            converter = _Converter(file)
            try:
                if expanded_size(raw) > MAX_NODES:
                    raise DocumentTooLarge(f"more than {MAX_NODES} nodes once aliases are expanded")
                data, last = converter.convert(raw, [])
            except DocumentTooLarge as exc:
                line = getattr(getattr(raw, "lc", None), "line", 0) + 1
                yield ParseFailure(line, 1, str(exc))
                return
            start = raw.lc.line + 1 if isinstance(raw, CommentedMap | CommentedSeq) else 1
            yield Document(data, start, max(last, start), converter.source_map)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        yield ParseFailure(line, column, f"invalid YAML: {problem}")
    except YAMLError as exc:
        yield ParseFailure(1, 1, f"invalid YAML: {exc}")
    except RecursionError:
        yield ParseFailure(1, 1, "invalid YAML: nesting too deep")
