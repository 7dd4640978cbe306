"""Text edits that set one key of a YAML mapping or HCL block, located through the resource's
source map. Each returns None where the edit would be a guess (flow style, templates, no
place to anchor it), so an offered fix is always one the user can trust."""

from __future__ import annotations

import re
from dataclasses import dataclass

from iacguard.model import Resource
from iacguard.values import pointer

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class LineEdit:
    """Replace characters [start_char, end_char) of 0-based `line` with `text` (an insertion
    of whole lines when both are 0)."""

    line: int
    start_char: int
    end_char: int
    text: str

    def apply(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        while len(lines) <= self.line:
            lines.append("")
        current = lines[self.line]
        lines[self.line] = current[:self.start_char] + self.text + current[self.end_char:]
        return "".join(lines)


_COMMENT = re.compile(r"\s+(#|//).*$")


def _children(resource: Resource, base: Path) -> list[tuple[str, int, int]]:
    """Direct children of `base` in the source map: (key, line, col), 1-based, by line."""
    prefix = pointer(base)
    out: list[tuple[str, int, int]] = []
    for ptr, span in resource.source_map.items():
        rest = ptr[len(prefix) + 1:] if prefix else ptr
        if (not prefix or ptr.startswith(prefix + "/")) and rest and "/" not in rest:
            out.append((rest, span.start_line, span.start_col))
    return sorted(out, key=lambda c: (c[1], c[2]))


def _templated(line: str) -> bool:
    return "{{" in line or ("${" in line and "}" not in line)


def yaml_set(resource: Resource, lines: list[str], base: Path, keys: list[str],
             value: str) -> LineEdit | None:
    """Set `base/keys...` to the scalar `value` (YAML text, e.g. `false` or `"true"`)."""
    for depth in range(len(keys), 0, -1):
        span = resource.source_map.get(pointer((*base, *keys[:depth])))
        if span is None:
            continue
        if depth == len(keys):  # the key is there: replace its value on its line
            line = lines[span.start_line - 1]
            match = re.match(r"^(\s*(?:-\s+)?" + re.escape(keys[-1]) + r"\s*:\s*)(.*?)(\s+#.*)?$", line)
            if match is None or _templated(line) or match.group(2).startswith(("{", "[", "|", ">")):
                return None
            return LineEdit(span.start_line - 1, len(match.group(1)),
                            len(match.group(1)) + len(match.group(2)), value)
        return _yaml_insert(resource, lines, (*base, *keys[:depth]), keys[depth:], value)
    return _yaml_insert(resource, lines, base, keys, value)


def _yaml_insert(resource: Resource, lines: list[str], base: Path, keys: list[str],
                 value: str) -> LineEdit | None:
    """New lines for the missing `keys` of the mapping at `base`, after one of its scalar
    children (so its indentation is known and no multi-line value is split)."""
    for _key, line_no, col in _children(resource, base):
        line = lines[line_no - 1]
        if _templated(line) or "{" in line:
            return None
        body = _COMMENT.sub("", line).rstrip()
        if re.match(r"^\s*(?:-\s+)?[^\s:][^:]*:\s+\S", body) and not body.endswith(("|", ">", "|-", ">-")):
            indent = " " * (col - 1)
            text = "".join(f"{indent}{'  ' * i}{k}:" + (f" {value}" if i == len(keys) - 1 else "") + "\n"
                           for i, k in enumerate(keys))
            return LineEdit(line_no, 0, 0, text)
    return None


def hcl_set(resource: Resource, lines: list[str], block: Path, key: str,
            value: str) -> LineEdit | None:
    """Set attribute `key` of the HCL block at `block` (`()` for the resource itself)."""
    existing = resource.source_map.get(pointer((*block, key)))
    if existing is not None:
        line = lines[existing.start_line - 1]
        match = re.match(r"^(\s*" + re.escape(key) + r"\s*=\s*)(.*?)(\s+(#|//).*)?$", line)
        if match is None:
            return None
        return LineEdit(existing.start_line - 1, len(match.group(1)),
                        len(match.group(1)) + len(match.group(2)), value)
    span = resource.source_map.get(pointer(block)) if block else resource.origin
    if span is None:
        return None
    opening = _COMMENT.sub("", lines[span.start_line - 1]).rstrip()
    if not opening.endswith("{"):
        return None
    children = [c for c in _children(resource, block) if c[1] > span.start_line]
    indent = (" " * (children[0][2] - 1) if children
              else re.match(r"^\s*", opening).group(0) + "  ")  # type: ignore[union-attr]
    return LineEdit(span.start_line, 0, 0, f"{indent}{key} = {value}\n")


def comment_above(lines: list[str], line_no: int, comment: str) -> LineEdit:
    """A `#` comment line above 1-based `line_no`, at that line's indentation (a YAML list
    item's comment goes above the dash, where a comment is valid)."""
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    indent = re.match(r"^\s*", line).group(0)  # type: ignore[union-attr]
    return LineEdit(line_no - 1, 0, 0, f"{indent}# {comment}\n")
