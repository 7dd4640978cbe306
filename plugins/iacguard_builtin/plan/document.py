"""Reading a plan document: bytes to text (BOMs, UTF-16), JSON with error lines, and the line
of each resource address in the text (cheap, for minified single-line documents too)."""

from __future__ import annotations

import bisect
import codecs
import json
import re
from dataclasses import dataclass, field
from typing import Any

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ADDRESS = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')


class DocumentError(ValueError):
    """The document cannot be read as JSON; `line` is where it broke (1-based)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def decode(data: bytes) -> str:
    """Text of a JSON document: UTF-8 (BOM or not), UTF-16 LE/BE with a BOM, or BOM-less
    UTF-16 (what some shells redirect to), recognised by NUL bytes around the first `{`."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom):], encoding)
    if len(data) >= 2 and data[0] == 0 and data[1] != 0:
        return _decode(data, "utf-16-be")
    if len(data) >= 2 and data[0] != 0 and data[1] == 0:
        return _decode(data, "utf-16-le")
    return _decode(data, "utf-8")


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(f"not valid {encoding} text (byte {exc.start})", line) from None


def sniff_text(data: bytes) -> str:
    """The first bytes decoded leniently, for claiming (never raises)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="ignore")
    if len(data) >= 2 and (data[0] == 0) != (data[1] == 0):
        return data.decode("utf-16-be" if data[0] == 0 else "utf-16-le", errors="ignore")
    return data.decode("utf-8", errors="ignore")


def parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise DocumentError("JSON nested too deeply") from None


@dataclass
class Lines:
    """Line of the first `"address": "<addr>"` for each address in the text."""

    first: dict[str, int] = field(default_factory=dict)

    @classmethod
    def index(cls, text: str) -> Lines:
        newlines = [m.start() for m in re.finditer("\n", text)]
        first: dict[str, int] = {}
        for match in _ADDRESS.finditer(text):
            raw = match.group(1)
            try:
                address = json.loads(f'"{raw}"') if "\\" in raw else raw
            except json.JSONDecodeError:
                continue
            if address not in first:
                first[address] = bisect.bisect_right(newlines, match.start()) + 1
        return cls(first)

    def of(self, address: str) -> int:
        return self.first.get(address, 1)
