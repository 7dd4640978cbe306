"""What a template judges a value by: one comparison, three answers (yes, no, unknown).

`equals`, `not_equals`, `one_of`, `not_one_of`, `contains`, `not_contains` (a list value),
`set` (true: present and not empty; false: absent or empty), `greater_than`, `matches` (a
regular expression, the whole value) and `glob` (fnmatch, any of the globs). A value that is
`Unknown` (known only after apply) gives no answer, and neither does a list holding one when
the comparison needs its items.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from iacguard.values import MISSING, is_unknown

OPERATORS = ("equals", "not_equals", "one_of", "not_one_of", "contains", "not_contains", "set",
             "greater_than", "matches", "glob")


def _same(value: Any, expected: Any) -> bool:
    """Terraform and YAML write the same setting as `true`, `"true"` or `"True"`."""
    if isinstance(expected, bool) and isinstance(value, str):
        return value.strip().lower() == str(expected).lower()
    if isinstance(expected, str) and isinstance(value, bool):
        return expected.strip().lower() == str(value).lower()
    if isinstance(expected, bool) or isinstance(value, bool):
        return value is expected
    return bool(value == expected)


def _empty(value: Any) -> bool:
    return value is MISSING or value is None or value in ("", [], {})


class Predicate(BaseModel):
    """Exactly one operator."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    equals: Any = MISSING
    not_equals: Any = MISSING
    one_of: list[Any] | None = None
    not_one_of: list[Any] | None = None
    contains: Any = MISSING
    not_contains: Any = MISSING
    set: bool | None = None
    greater_than: float | None = None
    matches: str | None = None
    glob: list[str] | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Predicate:
        given = [op for op in OPERATORS if op in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(OPERATORS)} (got "
                             f"{', '.join(given) or 'none'})")
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as exc:
                raise ValueError(f"matches: not a regular expression: {exc}") from exc
        return self

    @property
    def operator(self) -> str:
        return next(op for op in OPERATORS if op in self.model_fields_set)

    def holds(self, value: Any) -> bool | None:
        """Whether `value` satisfies the comparison; None when it cannot be known."""
        if is_unknown(value):
            return None
        op = self.operator
        if op == "set":
            return not _empty(value) if self.set else _empty(value)
        if op in ("contains", "not_contains"):
            items = value if isinstance(value, list) else [] if _empty(value) else [value]
            if any(is_unknown(i) for i in items):
                return None
            found = any(_same(i, getattr(self, op)) for i in items)
            return found if op == "contains" else not found
        if value is MISSING:
            return op in ("not_equals", "not_one_of")
        if op == "equals":
            return _same(value, self.equals)
        if op == "not_equals":
            return not _same(value, self.not_equals)
        if op == "one_of":
            return any(_same(value, v) for v in self.one_of or [])
        if op == "not_one_of":
            return not any(_same(value, v) for v in self.not_one_of or [])
        if op == "greater_than":
            number = _number(value)
            return number is not None and number > (self.greater_than or 0)
        text = value if isinstance(value, str) else str(value)
        if op == "matches":
            return re.fullmatch(self.matches or "", text) is not None
        return any(fnmatch.fnmatchcase(text, g) for g in self.glob or [])


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
