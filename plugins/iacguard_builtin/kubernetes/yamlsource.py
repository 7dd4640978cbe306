"""YAML/JSON documents to plain data plus a source map, from ruamel.yaml node marks.

ruamel composes each document into nodes carrying 0-based start/end marks (absolute across
the documents of one stream); the converter builds plain data and a JSON-pointer source
map from them in one walk, resolving YAML 1.1 scalars and `<<` merge keys itself.

Composing runs in libyaml (ruamel.yaml's `libyaml` extra, `ruamel.yaml.clibz`, or the older
`ruamel.yaml.clib`) when it is installed and in ruamel's pure-Python composer otherwise; both
produce the same nodes and marks (a test compares them on the corpus). Both composers call the
resolver's `descend_resolver` for every node they compose, which is where the node budget and
the depth limit are enforced: a hostile document stops while it is composed, not after.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from sys import intern
from typing import Any, Protocol

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from iacguard import collector
from iacguard.model import SourceMap
from iacguard.values import escape

CParser: Any
try:  # libyaml's reader, scanner, parser and composer, as ruamel.yaml's `libyaml` extra ships it
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - exercised by forcing `pure=True` in the tests
    CParser = None

# YAML allows a byte order mark at the start of every document of a stream (concatenated
# files); ruamel would read it as part of the first key.
DOCUMENT_BOM = re.compile("^\ufeff", re.MULTILINE)
# Guards against alias bombs ("billion laughs"): plain data is a tree, aliases expand.
MAX_NODES = 1_000_000
# Nodes one document may compose (before alias expansion), counted while composing: the
# largest document in the corpus (a plan JSON) composes to about 8k nodes, large CRDs to tens of thousands.
MAX_COMPOSED_NODES = 150_000
# Nesting deeper than this is refused while composing (libyaml recurses on the C stack).
MAX_DEPTH = 500
# The YAML 1.1 rules Kubernetes reads manifests with (yes/no/on/off are booleans).
YAML_VERSION = (1, 1)


class DocumentTooLarge(Exception):
    pass


@dataclass
class Document:
    data: Any
    start_line: int  # 1-based
    end_line: int
    source_map: SourceMap = field(default_factory=lambda: SourceMap(""))


@dataclass
class ParseFailure:
    line: int  # 1-based
    column: int
    message: str
    syntax: bool = False  # the composer's own error (not a budget, duplicate key or depth)


def decode(raw: bytes) -> str:
    """Text of a manifest file: UTF-8 (with or without BOM) or UTF-16 with BOM."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def parser_name() -> str:
    """Which composer `parse_documents` uses by default: `libyaml` or `pure`."""
    return "pure" if CParser is None else "libyaml"


_PLAIN_TAGS: dict[str, Any] = {}  # plain scalar text -> its YAML 1.1 tag


class _Budget(VersionedResolver):
    """A YAML 1.1 resolver that counts the nodes and the depth of the document being composed."""

    nodes = 0
    depth = 0

    @property
    def processing_version(self) -> Any:
        # Every document of a stream, as Kubernetes reads them: ruamel's pure composer would
        # fall back to YAML 1.2 after the first document (`yes` a string in the second).
        return YAML_VERSION

    def start_document(self) -> None:
        self.nodes = self.depth = 0

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # A plain scalar's tag depends on its text alone (the version is fixed): remember it,
        # since keys and values repeat (`name`, `true`, `apiVersion`) across every document.
        if kind is ScalarNode and implicit[0]:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAGS) > 65_536:
                    _PLAIN_TAGS.clear()
                _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self.nodes += 1
        self.depth += 1
        if self.nodes > MAX_COMPOSED_NODES:
            raise DocumentTooLarge(f"more than {MAX_COMPOSED_NODES} nodes in one document")
        if self.depth > MAX_DEPTH:
            raise RecursionError("nesting too deep")
        if self.yaml_path_resolvers:  # none are registered: skip the call for every node
            super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        self.depth -= 1
        if self.yaml_path_resolvers:
            super().ascend_resolver()


class _Composer(Protocol):
    def check_node(self) -> bool: ...
    def get_node(self) -> Node: ...


def _libyaml(text: str) -> tuple[_Composer, _Budget]:
    assert CParser is not None

    class Loader(CParser, _Budget):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            self._parser = self._composer = self
            _Budget.__init__(self, version=YAML_VERSION, loadumper=self)

    loader = Loader(text)
    return loader, loader


def _pure(text: str) -> tuple[_Composer, _Budget]:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = YAML_VERSION
    yaml.Resolver = _Budget
    yaml.get_constructor_parser(text)
    return yaml.composer, yaml.resolver


def _compose_all(text: str, pure: bool) -> Iterator[Node]:
    composer, budget = (_pure if pure or CParser is None else _libyaml)(text)
    while True:
        # Composing allocates many objects that all stay alive: the cyclic collector would
        # scan them again and again for nothing (pausing it halves composing large documents).
        with collector.paused():
            if not composer.check_node():
                return
            budget.start_document()
            node = composer.get_node()
        yield node


class DuplicateKey(Exception):
    def __init__(self, key: str, node: Node) -> None:
        super().__init__(f'invalid YAML: found duplicate key "{key}"')
        self.line = node.start_mark.line + 1
        self.column = node.start_mark.column + 1


BOOL_TRUE = {"y", "yes", "true", "on"}
FLOAT_SPECIAL = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
MERGE_TAG = "tag:yaml.org,2002:merge"


def _int(text: str) -> int | str:
    """A YAML 1.1 integer (signs, 0x/0o/0b, leading-zero octal, underscores, base 60)."""
    raw = text.replace("_", "")
    sign = -1 if raw.startswith("-") else 1
    digits = raw.lstrip("+-")
    try:
        if ":" in digits:
            value = 0
            for part in digits.split(":"):
                value = value * 60 + int(part)
            return sign * value
        lowered = digits.lower()
        if lowered.startswith("0x"):
            return sign * int(digits[2:], 16)
        if lowered.startswith("0o"):
            return sign * int(digits[2:], 8)
        if lowered.startswith("0b"):
            return sign * int(digits[2:], 2)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits, 8)
        return sign * int(digits)
    except ValueError:
        return text


def _float(text: str) -> float | str:
    raw = text.replace("_", "").lower()
    if raw in FLOAT_SPECIAL:
        return FLOAT_SPECIAL[raw]
    try:
        if ":" in raw:
            sign = -1.0 if raw.startswith("-") else 1.0
            value = 0.0
            for part in raw.lstrip("+-").split(":"):
                value = value * 60 + float(part)
            return sign * value
        return float(raw)
    except ValueError:
        return text


def _scalar(node: ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return text.lower() in BOOL_TRUE
    if tag == "tag:yaml.org,2002:int":
        return _int(text)
    if tag == "tag:yaml.org,2002:float":
        return _float(text)
    return text  # str, timestamp (kept as written), binary, custom tags


def _last_line(node: Node) -> int:
    """1-based last line a scalar occupies (its end mark may sit at the next line's start)."""
    start: int = node.start_mark.line
    end_line: int = node.end_mark.line
    line = end_line if node.end_mark.column == 0 and end_line > start else end_line + 1
    return max(line, start + 1)


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.source_map = SourceMap(file)

    def key_of(self, node: Node) -> str:
        """A mapping key as text; a complex key (a template's `{{ x }}` read as a flow
        mapping) is converted without recording its positions."""
        if isinstance(node, ScalarNode):
            return _key(_scalar(node))
        return str(_Converter(self.file).convert(node, "")[0])

    def _entries(self, node: MappingNode) -> list[tuple[Node, Node]]:
        """Entries with `<<` merges resolved: explicit keys win over merged ones."""
        merged: list[tuple[Node, Node]] = []
        explicit: list[tuple[Node, Node]] = []
        for key, value in node.value:
            if key.tag == MERGE_TAG:
                sources = value.value if isinstance(value, SequenceNode) else [value]
                for source in sources:
                    if isinstance(source, MappingNode):
                        merged.extend(self._entries(source))
            else:
                explicit.append((key, value))
        if not merged:
            return explicit
        names = {self.key_of(k) for k, _ in explicit}
        kept: dict[str, tuple[Node, Node]] = {}
        for key, value in merged:
            name = self.key_of(key)
            if name not in names:
                kept.setdefault(name, (key, value))
        return list(kept.values()) + explicit

    def convert(self, node: Node, ptr: str) -> tuple[Any, int]:
        """Plain data for `node` (at pointer `ptr`) and the last (1-based) line it occupies.

        Pointers are built from their parent's, and pointers and keys are interned: the
        documents of a stream repeat them (every Deployment has `spec/template/spec`).
        Scalar children, most of a document, are converted in place (no call per node)."""
        add = self.source_map.add
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            last = node.start_mark.line + 1
            head = ptr + "/" if ptr else ""
            for key_node, value_node in self._entries(node):
                key = intern(_key(_scalar(key_node)) if isinstance(key_node, ScalarNode)
                             else self.key_of(key_node))
                if key in out:
                    raise DuplicateKey(key, key_node)
                child = intern(head + (escape(key) if "~" in key or "/" in key else key))
                mark = key_node.start_mark
                if isinstance(value_node, ScalarNode):
                    plain = _scalar(value_node)
                    # `key:` alone (an empty plain scalar) ends on its own line: libyaml marks
                    # it right after the indicator, the pure composer at the next token
                    vlast = mark.line + 1 if value_node.value == "" and not value_node.style \
                        else _last_line(value_node)
                else:
                    plain, vlast = self.convert(value_node, child)
                out[key] = plain
                add(child, mark.line + 1, mark.column + 1, max(vlast, mark.line + 1), 1)
                last = max(last, vlast)
            return out, last
        if isinstance(node, SequenceNode):
            items: list[Any] = []
            last = node.start_mark.line + 1
            head = ptr + "/" if ptr else ""
            for index, item in enumerate(node.value):
                child = intern(f"{head}{index}")
                if isinstance(item, ScalarNode):
                    plain, vlast = _scalar(item), _last_line(item)
                else:
                    plain, vlast = self.convert(item, child)
                items.append(plain)
                mark = item.start_mark
                add(child, mark.line + 1, mark.column + 1, max(vlast, mark.line + 1), 1)
                last = max(last, vlast)
            return items, last
        assert isinstance(node, ScalarNode)
        return _scalar(node), _last_line(node)


def expanded_size(node: Node, memo: dict[int, int] | None = None) -> int:
    """Node count once aliases are expanded, computed without expanding them (memoised by
    identity: an alias is the same node object as its anchor)."""
    memo = {} if memo is None else memo
    if isinstance(node, ScalarNode):
        return 1
    known = memo.get(id(node))
    if known is not None:
        return known
    memo[id(node)] = MAX_NODES + 1  # a self-referencing alias counts as infinite
    children = [n for pair in node.value for n in pair] if isinstance(node, MappingNode) \
        else node.value
    total = 1
    for child in children:
        total += expanded_size(child, memo)
        if total > MAX_NODES:
            break
    memo[id(node)] = total
    return total


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def parse_documents(text: str, file: str, *, pure: bool = False) -> Iterator[Document | ParseFailure]:
    """Each document of a YAML (or JSON) stream; a failure ends the stream. `pure` forces
    ruamel's pure-Python composer (the fallback when libyaml is not installed)."""
    text = DOCUMENT_BOM.sub("", text)
    if pure or CParser is None:
        yield from _parse(text, file, pure=True)
        return
    emitted = 0
    for item in _parse(text, file, pure=False):
        if isinstance(item, ParseFailure) and item.syntax:
            break
        emitted += 1
        yield item
    else:
        return
    # libyaml keeps YAML 1.1's stricter plain scalars (`{image: app:1}` is an error there, not
    # for Kubernetes' parser nor for ruamel's): the pure composer decides from that document
    # on (and so every syntax error is worded the same, whichever composer is installed).
    for index, item in enumerate(_parse(text, file, pure=True)):
        if index >= emitted:
            yield item


def _parse(text: str, file: str, pure: bool) -> Iterator[Document | ParseFailure]:
    # Without an anchor there is no alias: a document's composed node count (under its own,
    # smaller budget) is its expanded count, and need not be counted again.
    anchored = "&" in text
    try:
        for raw in _compose_all(text, pure):
            if raw is None:
                continue
            converter = _Converter(file)
            try:
                if anchored and expanded_size(raw) > MAX_NODES:
                    raise DocumentTooLarge(f"more than {MAX_NODES} nodes once aliases are expanded")
                data, last = converter.convert(raw, "")
            except DocumentTooLarge as exc:
                yield ParseFailure(raw.start_mark.line + 1, 1, str(exc))
                return
            except DuplicateKey as exc:
                yield ParseFailure(exc.line, exc.column, str(exc))
                return
            start = raw.start_mark.line + 1
            yield Document(data, start, max(last, start), converter.source_map)
    except DocumentTooLarge as exc:
        yield ParseFailure(1, 1, f"invalid YAML: {exc}")
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        yield ParseFailure(line, column, f"invalid YAML: {problem}", syntax=True)
    except YAMLError as exc:
        yield ParseFailure(1, 1, f"invalid YAML: {exc}", syntax=True)
    except RecursionError:
        yield ParseFailure(1, 1, "invalid YAML: nesting too deep")
