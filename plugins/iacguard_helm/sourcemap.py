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

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iacguard_kubernetes.yamlsource import Document, parse_documents

from iacguard.model import Provenance, SourceSpan
from iacguard.values import MISSING, get, pointer

KEY_LINE = re.compile(r"^(\s*)(?:-\s+)*([A-Za-z0-9_.\-/\"']+)\s*:(?:\s|$)")
DOC_SEPARATOR = re.compile(r"^---\s*(?:#.*)?$")
VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_\-]*)+)")
TO_YAML_REF = re.compile(r"toYaml\s+\(?\s*\.Values((?:\.[A-Za-z_][A-Za-z0-9_\-]*)+)")
ACTION = re.compile(r"{{.*?}}")


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
    source_map: dict[str, SourceSpan]
    prefix: tuple[str, ...] = ()

    @classmethod
    def read(cls, path: Path, prefix: tuple[str, ...] = ()) -> ValuesFile | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        return _read_values_file(path, prefix, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _read_values_file(path: Path, prefix: tuple[str, ...], mtime_ns: int, size: int) -> ValuesFile | None:
    """Parsed once per content version: every profile of a chart reads the same values.yaml.
    (`mtime_ns` and `size` are only cache keys.)"""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    docs = [d for d in parse_documents(text, str(path)) if isinstance(d, Document)]
    if not docs:
        return None
    return ValuesFile(path, docs[0].data, docs[0].source_map, prefix)


def template_regions(text: str) -> list[list[KeyLine]]:
    """Key lines of each `---`-separated region of a template, with their key chains."""
    regions: list[list[KeyLine]] = [[]]
    stack: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
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
        # Loops or conditionals hide which region it was: search the whole file.
        return [k for region in candidates for k in region]

    def origin(self, region: list[KeyLine]) -> SourceSpan:
        if not region:
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

    def map_object(self, paths: list[tuple[str | int, ...]], body: dict[str, Any],
                   region: list[KeyLine]) -> tuple[dict[str, SourceSpan], dict[str, Provenance]]:
        by_chain: dict[tuple[str, ...], list[KeyLine]] = {}
        for key_line in region:
            by_chain.setdefault(key_line.chain, []).append(key_line)
        smap: dict[str, SourceSpan] = {}
        provenance: dict[str, Provenance] = {}
        found: dict[tuple[str | int, ...], KeyLine] = {}
        file = str(self.template)
        for path in sorted(paths, key=len):
            ptr = pointer(list(path))
            candidates = by_chain.get(_keys_only(path), []) if path and isinstance(path[-1], str) else []
            if len(candidates) > 1:
                value = get(body, path)
                candidates = [c for c in candidates if _matches(c, value)]
            if len(candidates) == 1:
                key_line = candidates[0]
                found[path] = key_line
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
        return smap, provenance

    def _place_list_items(self, paths: list[tuple[str | int, ...]],
                          found: dict[tuple[str | int, ...], KeyLine],
                          smap: dict[str, SourceSpan]) -> None:
        """A list item (a container, a rule) starts at its first located key: better than
        the list's own key line, but still only the item's block."""
        for path in paths:
            if not path or not isinstance(path[-1], int):
                continue
            lines = [k.line for p, k in found.items() if len(p) == len(path) + 1 and p[:-1] == path]
            if lines:
                line = min(lines)
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
        return None
