"""`json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)`, the same text, faster.

With `indent` the standard library encodes in Python through a chain of generators, one
small string per token; a report of 300,000 findings spends longer there than in every
check. `dumps` writes the same layout by direct recursion over plain JSON data (`dict`
with `str` keys, `list`, `tuple`, `str`, `int`, `float`, `bool`, `None`), with the
standard library's own C string escaper; anything else (another key type, a value
`json.dumps` would reject or convert) is handed to `json.dumps` whole, so the text is
always exactly what `json.dumps` writes. `tests/formats/test_jsontext.py` compares them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from json.encoder import encode_basestring  # the C escaper where available, as json.dumps uses
from typing import Any

INDENT = "  "


class _NotPlain(Exception):
    """A value the direct encoder leaves to `json.dumps`."""


class Encoded(str):
    """Text already encoded by `dumps` at the level where it is placed: written as it is (a
    part many items share is encoded once)."""

    __slots__ = ()


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _encode(value: Any, level: int, out: list[str]) -> None:
    # The order of the tests is json's own (`str` before `int`, `bool` before `int`).
    if type(value) is Encoded:
        out.append(value)
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = "\n" + INDENT * (level + 1)
        separator = "[" + inner
        for item in value:
            out.append(separator)
            separator = "," + inner
            if type(item) is str:  # the common leaf, without a call
                out.append(encode_basestring(item))
            else:
                _encode(item, level + 1, out)
        out.append("\n" + INDENT * level + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        if not all(type(key) is str or isinstance(key, str) for key in value):
            raise _NotPlain  # json converts and sorts other keys its own way
        inner = "\n" + INDENT * (level + 1)
        separator = "{" + inner
        for key in sorted(value):
            item = value[key]
            kind = type(item)
            if kind is str:  # the common leaves, without a call
                out.append(f"{separator}{encode_basestring(key)}: {encode_basestring(item)}")
            elif kind is int:
                out.append(f"{separator}{encode_basestring(key)}: {int.__repr__(item)}")
            else:
                out.append(f"{separator}{encode_basestring(key)}: ")
                _encode(item, level + 1, out)
            separator = "," + inner
        out.append("\n" + INDENT * level + "}")
    else:
        raise _NotPlain


def dumps(value: Any, level: int = 0) -> str:
    """`value` as `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)` writes
    it, as if nested `level` deep (its inner lines indented by `level` more steps)."""
    out: list[str] = []
    try:
        _encode(value, level, out)
    except (_NotPlain, RecursionError):
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
        return text.replace("\n", "\n" + INDENT * level) if level else text
    return "".join(out)


def dumps_document(document: dict[str, Any], streamed: str, items: Iterable[Any]) -> list[str]:
    """The pieces of `dumps(document)`, where `document[streamed]` is the list `items`: each
    item is encoded as it comes and only its text kept, so the data of a long list is never
    all alive at once, and the text is held once (`"".join` the pieces where it is written)."""
    if not all(isinstance(key, str) for key in document) or streamed in document:
        raise ValueError("document keys must be text, without the streamed key")
    pieces = ["{"]
    for index, key in enumerate(sorted([*document, streamed])):
        pieces.append(("\n" if index == 0 else ",\n") + INDENT + encode_basestring(key) + ": ")
        if key != streamed:
            pieces.append(dumps(document[key], 1))
            continue
        start = len(pieces)
        for item in items:
            pieces.append(("[\n" if len(pieces) == start else ",\n") + INDENT * 2)
            pieces.append(dumps(item, 2))
        pieces.append("\n" + INDENT + "]" if len(pieces) > start else "[]")
    pieces.append("\n}")
    return pieces
