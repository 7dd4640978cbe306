"""Map fields of rendered objects back to template lines and to the values that set them.

Helm keeps no positions, so this is a best-effort search, honest about its precision:

- a field whose key appears once in the template region at the same key chain (list
  indices ignored) maps to that template line, precision `exact`;
- when that template line reads `.Values.<path>` (or the field sits below a line that
  pastes `toYaml .Values.<path>`) and a values file of the profile sets that path to the
  rendered value, the field maps to the values file line instead (precision `exact`, with a
  `values` provenance naming the template line);
- anything else keeps the nearest mapped parent's line with precision `block`, or the
  template document with precision `block`/`file`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacguard.fs import digest
from iacguard.loading import LoadContext
from iacguard.model import Provenance, SourceSpan
from iacguard.values import MISSING, get, pointer
from iacguard_builtin.kubernetes.api import Document, parse_documents

MAX_MAPPED_VALUES_BYTES = 10 * 1024 * 1024
KEY_LINE = re.compile(r"^(\s*)(?:-\s+)*([A-Za-z0-9_.\-/\"']+)\s*:(?:\s|$)")
DOC_SEPARATOR = re.compile(r"^---\s*(?:#.*)?$")
VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_\-]*)+)")
TO_YAML_REF = re.compile(r"toYaml\s+\(?\s*\.Values((?:\.[A-Za-z_][A-Za-z0-9_\-]*)+)")
# `{{- with .Values.x }}` / `key:` / `{{- toYaml . | nindent N }}`: the `helm create` idiom.
TO_YAML_DOT = re.compile(r"toYaml\s+\.\s*(?:\||-?}})")
WITH_REF = re.compile(r"{{-?\s*with\s+\.Values((?:\.[A-Za-z_][A-Za-z0-9_\-]*)+)\s*-?}}")
ACTION = re.compile(r"{{.*?}}")
COMMENT_START = re.compile(r"{{-?\s*/\*")


def value_pattern(key_line: str) -> re.Pattern[str] | None:
    """The scalar a template line writes after its key, as a regex (actions match anything)."""
    _, _, value = key_line.partition(":")
    value = value.split(" #", 1)[0].strip()
    if not value or value in ("|", ">", "|-", ">-"):
        return None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    parts = ACTION.split(value)
    return re.compile(".*".join(re.escape(p) for p in parts), re.DOTALL)


def _literal_length(key_line: KeyLine) -> int:
    _, _, value = key_line.text.partition(":")
    return len(ACTION.sub("", value).strip())


def _matches(key_line: KeyLine, rendered: Any) -> bool:
    if isinstance(rendered, dict | list):
        return True
    pattern = value_pattern(key_line.text)
    if pattern is None:
        return True
    text = str(rendered).lower() if isinstance(rendered, bool) else str(rendered)
    return pattern.fullmatch(text) is not None


@dataclass(frozen=True)
class KeyLine:
    line: int  # 1-based, in the template file
    indent: int
    chain: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class ValuesFile:
    """One values file of a profile, in override order, with its parsed positions.

    `prefix` is where the file's top level sits in the values a template sees (a parent
    chart's values for subchart `sub` are seen under `sub`)."""

    path: Path
    data: Any
    source_map: Mapping[str, SourceSpan]
    prefix: tuple[str, ...] = ()

    @classmethod
    def read(cls, path: Path, ctx: LoadContext, prefix: tuple[str, ...] = ()) -> ValuesFile | None:
        """The file as `ctx.fs` serves it, parsed once per content (every profile of a chart
        reads the same values.yaml); `None` when absent, unreadable, huge or empty."""
        try:
            if ctx.fs.size(path) > MAX_MAPPED_VALUES_BYTES:
                return None  # only used to point at lines: not worth parsing a huge file twice
            data = ctx.fs.read_bytes(path)
        except OSError:
            return None
        return ctx.memo.get(("helm-values-file", str(path), prefix, digest(data)),
                            lambda: _parse_values_file(path, data, prefix))


def _parse_values_file(path: Path, data: bytes, prefix: tuple[str, ...]) -> ValuesFile | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    docs = [d for d in parse_documents(text, str(path)) if isinstance(d, Document)]
    if not docs:
        return None
    return ValuesFile(path, docs[0].data, docs[0].source_map, prefix)


def template_regions(text: str) -> list[list[KeyLine]]:
    """Key lines of each `---`-separated region of a template, with their key chains."""
    regions: list[list[KeyLine]] = [[]]
    stack: list[tuple[int, str]] = []
    in_comment = False
    for number, raw in enumerate(text.splitlines(), start=1):
        # `{{/* ... */}}` comments span lines (licence headers: "SPDX-License-Identifier: ...").
        if in_comment:
            in_comment = "*/" not in raw
            continue
        if COMMENT_START.search(raw) and "*/" not in raw.split("/*", 1)[1]:
            in_comment = True
            continue
        if DOC_SEPARATOR.match(raw):
            regions.append([])
            stack = []
            continue
        if "{{" in raw and raw.lstrip().startswith("{{"):
            continue  # a pure template action line produces no key of its own
        match = KEY_LINE.match(raw)
        if not match:
            continue
        indent = match.start(2)  # a list item's keys sit right of its dash
        key = match.group(2).strip("\"'")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        regions[-1].append(KeyLine(number, indent, tuple(k for _, k in stack), raw))
    return [r for r in regions if r]


def _keys_only(path: tuple[str | int, ...]) -> tuple[str, ...]:
    return tuple(p for p in path if isinstance(p, str))


def _scalar_equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return False
    return str(a).lower() == str(b).lower() if isinstance(a, bool) or isinstance(b, bool) else (
        str(a) == str(b))


def _dicts(data: Any, at: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every mapping inside values data that sits in a list, with its path."""
    out: list[tuple[tuple[str | int, ...], dict[str, Any]]] = []
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        path = (*at, key)
        if isinstance(value, dict) and isinstance(data, list):
            out.append((path, value))
        out.extend(_dicts(value, path))
    return out


def _same_name(written: Any, rendered: Any) -> bool:
    if not isinstance(written, str) or not isinstance(rendered, str):
        return bool(written == rendered)
    pattern = ".*".join(re.escape(p) for p in ACTION.split(written))
    return re.fullmatch(pattern, rendered, re.DOTALL) is not None


def _token(text: str) -> re.Pattern[str]:
    """`text` as a whole word of YAML (not part of a longer name or path)."""
    return re.compile(r"(?<![\w.\-/])" + re.escape(text) + r"(?![\w.\-/])")


def _scalars(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in _scalars(value)]
    if isinstance(data, list):
        return [leaf for value in data for leaf in _scalars(value)]
    return [] if data is None or isinstance(data, bool) else [data]


def _within_item(path: tuple[str | int, ...], candidates: list[KeyLine],
                 item_first: dict[tuple[str | int, ...], int],
                 item_starts: dict[tuple[str, ...], list[int]]) -> list[KeyLine]:
    """The candidates inside the template block of the list item `path` lies in.

    Two containers written in one template share key chains (`image:`, `securityContext:`):
    the item's already located keys (its `- name:` line) say which block is this item's, and
    the next `- ` line of the same list ends it. A field of this item that only the other
    item's block writes literally is not this item's line."""
    for cut in range(len(path) - 1, 0, -1):
        if not isinstance(path[cut], int):
            continue
        item = path[: cut + 1]
        first = item_first.get(item)
        if first is None:
            continue
        starts = item_starts.get(_keys_only(item), [])
        begin = max((line for line in starts if line <= first), default=first)
        end = min((line for line in starts if line > first), default=None)
        return [c for c in candidates if c.line >= begin and (end is None or c.line < end)]
    return candidates


class TemplateMapper:
    """Source maps for the objects one template file rendered to."""

    def __init__(self, template: Path, text: str | None, values_files: list[ValuesFile],
                 values_prefix: tuple[str, ...], set_paths: set[tuple[str, ...]]) -> None:
        self.template = template
        self.lines = text.splitlines() if text is not None else []
        self.regions = template_regions(text) if text is not None else []
        self.values_files = values_files
        self.values_prefix = values_prefix
        self.set_paths = set_paths

    def region_for(self, index: int, count: int, body: dict[str, Any]) -> list[KeyLine]:
        """Key lines of the template region the `index`-th of `count` rendered documents
        came from: by position when the counts agree, else by the `kind:` and `name:` lines
        that can have written this object."""
        if not self.regions:
            return []
        if len(self.regions) == count:
            return self.regions[index]
        candidates = self.regions
        for chain, value in ((("kind",), body.get("kind")),
                             (("metadata", "name"), get(body, ("metadata", "name")))):
            scored = [(max((_literal_length(k) for k in r if k.chain == chain and _matches(k, value)),
                           default=-1), r) for r in candidates]
            best = max((score for score, _ in scored), default=-1)
            if best >= 0:
                # The most specific match wins: `{{ .name }}-external` over `{{ .name }}`.
                candidates = [r for score, r in scored if score == best]
            if len(candidates) == 1:
                return candidates[0]
        # Names built inside actions (`printf "%s-admin"`) tell nothing: the region that
        # writes most of the object's values literally is the one, if it is the only such.
        leaves = {str(v).strip() for v in _scalars(body) if str(v).strip()}
        scored_text = []
        for candidate in candidates:
            literals = self._region_literals(candidate)
            # Values both write, minus values only the region writes (another object's).
            scored_text.append((len(literals & leaves) - len(literals - leaves), candidate))
        best = max(score for score, _ in scored_text)
        top = [r for score, r in scored_text if score == best]
        if best > 0 and len(top) == 1:
            return top[0]
        # Loops or conditionals hide which region it was: search the whole file.
        return [k for region in candidates for k in region]

    def _region_literals(self, region: list[KeyLine]) -> set[str]:
        """The scalar values a region writes literally (`key: value`, `- value`)."""
        out: set[str] = set()
        for raw in self.lines[region[0].line - 1: region[-1].line]:
            if "{{" in raw:
                continue
            text = raw.strip()
            while text.startswith("- "):
                text = text[2:].strip()
            if KEY_LINE.match(raw):
                text = text.partition(":")[2].strip()
            text = text.split(" #", 1)[0].strip().strip("\"'")
            if text and text not in ("|", ">", "|-", ">-", "[]", "{}"):
                out.add(text)
        return out

    @property
    def in_archive(self) -> bool:
        """The template lies in a packaged subchart: its lines are not lines of a file on disk."""
        return self.template.suffix == ".tgz"

    def origin(self, region: list[KeyLine]) -> SourceSpan:
        if not region or self.in_archive:
            return SourceSpan(file=str(self.template), precision="file")
        return SourceSpan(file=str(self.template), start_line=region[0].line,
                          end_line=region[-1].line, precision="block")

    def _values_span(self, values_path: tuple[str, ...], rendered: Any,
                     template_line: int) -> tuple[SourceSpan, Provenance] | None:
        if values_path in self.set_paths:
            return None  # set on the command line: no file line to point at
        for vf in reversed(self.values_files):
            if vf.prefix and values_path[: len(vf.prefix)] != vf.prefix:
                continue
            rel = values_path[len(vf.prefix):]
            value = get(vf.data, rel)
            if value is MISSING:
                continue
            if not _scalar_equal(value, rendered) and not isinstance(rendered, dict | list):
                return None  # overridden elsewhere (another file or a template default)
            span = vf.source_map.get(pointer(list(rel)))
            if span is None:
                return None
            dotted = ".".join(values_path)
            provenance = Provenance(
                kind="values",
                description=f"{dotted} from {vf.path.name}, used at "
                            f"{self.template.name}:{template_line}",
                span=span,
            )
            return span.model_copy(update={"precision": "exact"}), provenance
        return None

    def map_from_values(self, paths: list[tuple[str | int, ...]], body: dict[str, Any]
                        ) -> tuple[SourceSpan, dict[str, SourceSpan], dict[str, Provenance]] | None:
        """Origin and source map of an object written out whole in a values file (an
        `extraObjects` / `extraDeploy` list item that the template pastes with `tpl`): the one
        item of the same apiVersion, kind and name (template actions in it match anything)."""
        for vf in reversed(self.values_files):
            items = [(path, item) for path, item in _dicts(vf.data, ())
                     if item.get("kind") == body.get("kind")
                     and item.get("apiVersion") == body.get("apiVersion")
                     and _same_name(get(item, ("metadata", "name")), get(body, ("metadata", "name")))]
            if len(items) != 1:
                continue
            at, item = items[0]
            whole = vf.source_map.get(pointer(list(at)))
            if whole is None:
                continue
            smap: dict[str, SourceSpan] = {}
            provenance: dict[str, Provenance] = {}
            for path in paths:
                if get(item, path) is MISSING:
                    continue  # added by the template or a default: keep the object's lines
                span = vf.source_map.get(pointer([*at, *path]))
                if span is None:
                    continue
                ptr = pointer(list(path))
                smap[ptr] = span.model_copy(update={"precision": "exact"})
                provenance[ptr] = Provenance(
                    kind="values", span=span,
                    description=f"{'.'.join(map(str, at))} from {vf.path.name}, pasted by "
                                f"{self.template.name}")
            origin = SourceSpan(file=str(vf.path), start_line=whole.start_line, end_line=whole.end_line,
                                precision="block")
            return origin, smap, provenance
        return None

    def map_object(self, paths: list[tuple[str | int, ...]], body: dict[str, Any],
                   region: list[KeyLine]) -> tuple[dict[str, SourceSpan], dict[str, Provenance]]:
        by_chain: dict[tuple[str, ...], list[KeyLine]] = {}
        for key_line in region:
            by_chain.setdefault(key_line.chain, []).append(key_line)
        smap: dict[str, SourceSpan] = {}
        provenance: dict[str, Provenance] = {}
        found: dict[tuple[str | int, ...], KeyLine] = {}
        item_first: dict[tuple[str | int, ...], int] = {}  # list item -> its first located line
        item_starts: dict[tuple[str, ...], list[int]] = {}  # list chain -> its `- ` lines
        for key_line in region:
            if key_line.text.lstrip().startswith("-"):
                item_starts.setdefault(key_line.chain[:-1], []).append(key_line.line)
        file = str(self.template)
        for path in sorted(paths, key=len):
            ptr = pointer(list(path))
            if path and isinstance(path[-1], int) and path not in item_first:
                block = self._item_block(get(body, path), item_starts.get(_keys_only(path), []))
                if block is not None:
                    item_first[path] = block
            candidates = by_chain.get(_keys_only(path), []) if path and isinstance(path[-1], str) else []
            if len(candidates) > 1:
                value = get(body, path)
                candidates = [c for c in candidates if _matches(c, value)]
            if candidates:
                candidates = _within_item(path, candidates, item_first, item_starts)
            if len(candidates) == 1:
                key_line = candidates[0]
                found[path] = key_line
                for cut in range(1, len(path)):
                    if isinstance(path[cut], int):
                        item = path[: cut + 1]
                        item_first[item] = min(item_first.get(item, key_line.line), key_line.line)
                span = SourceSpan(file=file, start_line=key_line.line, end_line=key_line.line,
                                  start_col=key_line.indent + 1, precision="exact")
                smap[ptr] = span
                ref = VALUES_REF.search(key_line.text)
                if ref:
                    values_path = (*self.values_prefix, *ref.group(1).strip(".").split("."))
                    mapped = self._values_span(values_path, get(body, path), key_line.line)
                    if mapped:
                        smap[ptr], provenance[ptr] = mapped
                continue
            # Not located: inherit the nearest located parent, and look below it for a
            # pasted `toYaml .Values.x` block that this field came from.
            parent = next((path[:n] for n in range(len(path) - 1, 0, -1) if path[:n] in found), None)
            if parent is None:
                continue
            parent_line = found[parent]
            pasted = self._pasted_values(parent_line)
            if pasted is not None:
                values_path = (*self.values_prefix, *pasted, *_keys_only(path[len(parent):]))
                if all(isinstance(p, str) for p in path[len(parent):]):
                    mapped = self._values_span(values_path, get(body, path), parent_line.line)
                    if mapped:
                        smap[ptr], provenance[ptr] = mapped
                        continue
            smap[ptr] = SourceSpan(file=file, start_line=parent_line.line,
                                   end_line=parent_line.line, precision="block")
        self._place_list_items(paths, found, smap)
        if self.in_archive:
            # Values lines stay exact; lines inside the archived template mean nothing on disk.
            smap = {ptr: span if span.file != file else SourceSpan(file=file, precision="file")
                    for ptr, span in smap.items()}
        return smap, provenance

    def _item_block(self, item: Any, starts: list[int]) -> int | None:
        """The one `- ` line, among a list's `starts`, whose template block writes every
        scalar of the rendered `item` literally (RBAC rules, env entries written out in full:
        their keys repeat from item to item, their values tell them apart)."""
        if len(starts) < 2 or not isinstance(item, dict):
            return None
        leaves = [str(v) for v in _scalars(item) if str(v).strip()]
        if not leaves or len(leaves) > 64:
            return None
        tokens = [_token(leaf) for leaf in leaves]
        matching = []
        for start in starts:
            text = self._block_text(start)
            if all(t.search(text) for t in tokens):
                matching.append(start)
        return matching[0] if len(matching) == 1 else None

    def _block_text(self, start: int) -> str:
        """Literal text of the list item starting on template line `start` (1-based)."""
        first = self.lines[start - 1]
        dash = len(first) - len(first.lstrip())
        out = [first[dash + 1:]]
        for text in self.lines[start:]:
            stripped = text.strip()
            if stripped.startswith("{{") or not stripped:
                continue
            if len(text) - len(text.lstrip()) <= dash:
                break
            out.append(text)
        return ACTION.sub(" ", "\n".join(out))

    def _place_list_items(self, paths: list[tuple[str | int, ...]],
                          found: dict[tuple[str | int, ...], KeyLine],
                          smap: dict[str, SourceSpan]) -> None:
        """A list item (a container, a rule) starts at its first located key: better than
        the list's own key line, but still only the item's block."""
        first_child: dict[tuple[str | int, ...], int] = {}  # by parent: linear, not quadratic
        for located, key_line in found.items():
            if located:
                parent = located[:-1]
                first_child[parent] = min(first_child.get(parent, key_line.line), key_line.line)
        for path in paths:
            if not path or not isinstance(path[-1], int):
                continue
            line = first_child.get(path)
            if line is not None:
                smap[pointer(list(path))] = SourceSpan(file=str(self.template), start_line=line,
                                                       end_line=line, precision="block")

    def _pasted_values(self, key_line: KeyLine) -> tuple[str, ...] | None:
        """`.Values` path pasted with toYaml on the key's line or the lines right below it."""
        for offset in range(0, 3):
            index = key_line.line - 1 + offset
            if index >= len(self.lines):
                break
            text = self.lines[index]
            if offset and KEY_LINE.match(text) and "{{" not in text:
                break
            match = TO_YAML_REF.search(text)
            if match:
                return tuple(match.group(1).strip(".").split("."))
            if TO_YAML_DOT.search(text):
                return self._with_values(key_line.line)
        return None

    def _with_values(self, line: int) -> tuple[str, ...] | None:
        """The `.Values` path a `with` right above template line `line` (1-based) binds."""
        for index in range(line - 2, max(line - 4, -1), -1):
            text = self.lines[index]
            match = WITH_REF.search(text)
            if match:
                return tuple(match.group(1).strip(".").split("."))
            if KEY_LINE.match(text) and "{{" not in text:
                break
        return None
