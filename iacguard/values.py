"""Helpers for the plain data inside `Resource.body`: paths, look-ups and unknown values.

A *path* is a sequence of keys and list indexes (`("spec", "ports", 0, "nodePort")`).
Its string form is a JSON pointer without the leading slash (`spec/ports/0/nodePort`),
which is how `Resource.source_map` is keyed.

Terraform values that cannot be known before apply (a variable without default, a
computed attribute) are `Unknown` instances, so that a check can tell "unknown" from
"false" and say "unresolved" instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

Path = Sequence[str | int]


class _Missing:
    """The value of a path that is not there (distinct from `None` and from `Unknown`)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()


@dataclass(frozen=True)
class Unknown:
    """A value only known after apply; `reason` says why (e.g. `aws_vpc.main.id`)."""

    reason: str = "computed"

    def __bool__(self) -> bool:
        raise TypeError(f"the truth of an unknown value ({self.reason}) is undecidable")

    def __str__(self) -> str:
        return f"(unknown: {self.reason})"


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


def escape(part: str | int) -> str:
    """One step of a pointer: `~` and `/` escaped as JSON pointers escape them."""
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer(path: Iterable[str | int]) -> str:
    """The source-map key for `path`."""
    return "/".join([escape(p) if isinstance(p, str) and ("~" in p or "/" in p) else str(p)
                     for p in path])


def get(data: Any, path: Path, default: Any = MISSING) -> Any:
    """`data[path[0]][path[1]]...`, or `default` where any step is absent."""
    current = data
    for part in path:
        if isinstance(current, dict):
            if part not in current:
                return default
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int):
            if not -len(current) <= part < len(current):
                return default
            current = current[part]
        else:
            return default
    return current


def as_list(value: Any) -> list[Any]:
    """A list for iteration: lists as they are, absent/None/unknown as empty."""
    if isinstance(value, list):
        return value
    return []


def as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return {}


def truthy(value: Any) -> bool | None:
    """`True`/`False` for booleans and their common string spellings, `None` if unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "yes", "on", "1"}:
            return True
        if lowered in {"false", "no", "off", "0", ""}:
            return False
    return None


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's values merge for `-f a -f b`: maps merge recursively, anything else replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
