"""A Terraform attribute's effective value and where it came from, for messages that say so.

Terraform resources arrive in plan-JSON `values` shape: nested blocks are lists of dicts,
attributes that were not written are absent (the provider default applies), and values
known only after apply are `Unknown`. Every finding states the evaluated value and where
it came from, so the helpers here carry that origin along with the value.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from iacguard.model import Resource
from iacguard.values import MISSING, Path, as_list, get, is_unknown, pointer, truthy

PROVIDER_DEFAULT = "provider default"
LITERAL = "literal"


def fmt(value: Any) -> str:
    """A value as it would be written in HCL, for messages."""
    if is_unknown(value):
        return str(value)  # "(unknown: var.x has no value)"
    if value is MISSING:
        return "(absent)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def origin(resource: Resource, path: Path) -> str:
    """Where the value at `path` came from: a provenance description, literal or default."""
    if get(resource.body, path) is MISSING:
        return PROVIDER_DEFAULT
    parts = list(path)
    while parts:
        found = resource.provenance.get(pointer(parts))
        if found is not None:
            return found.description
        parts.pop()
    return LITERAL


def existing_path(resource: Resource, path: Path) -> tuple[str | int, ...]:
    """The longest prefix of `path` present in the body (where a default should be reported)."""
    parts = list(path)
    while parts and get(resource.body, parts) is MISSING:
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True)
class Attr:
    """An attribute's effective value: as written, or the provider default when absent."""

    resource: Resource
    path: tuple[str | int, ...]
    value: Any
    present: bool
    where: str

    @property
    def unknown(self) -> bool:
        return is_unknown(self.value) or (
            isinstance(self.value, list) and any(is_unknown(v) for v in self.value)
        )

    @property
    def at(self) -> tuple[str | int, ...]:
        """The path to report: the attribute, or its nearest written parent if defaulted."""
        return self.path if self.present else existing_path(self.resource, self.path)

    @property
    def name(self) -> str:
        return ".".join(str(p) for p in self.path if not isinstance(p, int))

    def describe(self, name: str | None = None) -> str:
        """`name = value (where it came from)`."""
        if self.value is MISSING:
            return f"{name or self.name} is not set ({self.where})"
        if is_unknown(self.value) and self.where == LITERAL:
            return f"{name or self.name} = {fmt(self.value)}"
        return f"{name or self.name} = {fmt(self.value)} ({self.where})"

    def flag(self) -> bool | None:
        """The value as a boolean, `None` when unknown or not a boolean."""
        if is_unknown(self.value):
            return None
        return truthy(self.value)


def attr(resource: Resource, path: Path, default: Any = MISSING) -> Attr:
    value = get(resource.body, path)
    if value is MISSING or value is None:
        # Terraform treats null like an omitted argument: the provider default applies.
        return Attr(resource, tuple(path), default, False, PROVIDER_DEFAULT)
    return Attr(resource, tuple(path), value, True, origin(resource, path))


def blocks(resource: Resource, name: str) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """A nested block's instances with their paths (`(name, i)`); blocks are lists of dicts."""
    value = resource.body.get(name)
    if isinstance(value, dict):  # tolerate a single block given as a mapping
        return [((name,), value)]
    return [((name, i), b) for i, b in enumerate(as_list(value)) if isinstance(b, dict)]


def block_label(resource: Resource, path: tuple[str | int, ...]) -> str:
    """`node_pool "workers"` (its `name`), else `node_pool[1]`, for messages about inline blocks."""
    name = get(resource.body, (*path, "name"))
    if isinstance(name, str) and name:
        return f'{path[0]} "{name}"'
    return f"{path[0]}[{path[1]}]" if len(path) > 1 else str(path[0])


def tags_of(resource: Resource) -> dict[str, str]:
    """Tags as a flat mapping (`tags`/`tags_all` maps and ASG-style `tag` blocks)."""
    found: dict[str, str] = {}
    for key in ("tags_all", "tags", "labels"):
        value = resource.body.get(key)
        if isinstance(value, dict):
            found.update({str(k): str(v) for k, v in value.items() if not is_unknown(v)})
    for block in as_list(resource.body.get("tag")):
        if isinstance(block, dict) and isinstance(block.get("key"), str):
            found[block["key"]] = str(block.get("value", ""))
    return found


# -- names and globs ----------------------------------------------------------------------

def glob_any(text: str, patterns: Iterable[str]) -> bool:
    lowered = text.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)
