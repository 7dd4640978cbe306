"""Attribute paths as policies write them, and their look-up with `*` over list items.

A path is a dotted string (`spec.template.spec.hostNetwork`, `network_policy.0.enabled`,
`ports.*.hostPort`) or, for keys that contain dots (annotation names), a YAML list
(`[metadata, annotations, service.beta.kubernetes.io/aws-load-balancer-internal]`).
Digits are list indexes; `*` is every item of a list (or every value of a mapping).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import BeforeValidator

from iacguard.values import MISSING, is_unknown

WILDCARD = "*"
Step = str | int


def _parse(value: Any) -> tuple[Step, ...]:
    if isinstance(value, str):
        parts: list[Any] = value.split(".")
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise ValueError("a path is a dotted string or a list of keys")
    steps: list[Step] = []
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, str | int) or part == "":
            raise ValueError(f"path {value!r} has an empty or non-key step {part!r}")
        steps.append(int(part) if isinstance(part, str) and part.isdigit() else part)
    return tuple(steps)


AttrPath = Annotated[tuple[Step, ...], BeforeValidator(_parse)]


def dotted(path: tuple[Step, ...]) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def lookup(data: Any, path: tuple[Step, ...], base: tuple[Step, ...] = ()) -> Iterator[
        tuple[tuple[Step, ...], Any]]:
    """(concrete path, value) for each match; a fixed path that is not there yields MISSING
    once (so defaults apply); a `*` over nothing yields nothing (there is nothing to judge)."""
    if not path:
        yield base, data
        return
    if is_unknown(data):  # a block known only after apply: so is everything in it
        yield (*base, *path), data
        return
    head, rest = path[0], path[1:]
    if head == WILDCARD:
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from lookup(item, rest, (*base, i))
        elif isinstance(data, dict):
            for key, item in data.items():
                yield from lookup(item, rest, (*base, key))
        return
    if isinstance(head, int):
        child = data[head] if isinstance(data, list) and -len(data) <= head < len(data) else MISSING
    else:
        child = data.get(head, MISSING) if isinstance(data, dict) else MISSING
    if child is MISSING or child is None:
        yield (*base, *path), MISSING
        return
    yield from lookup(child, rest, (*base, head))
