"""Terraform value semantics, below both the evaluator and the built-in functions.

What an expression's value *is*, independent of how it was written: `Unknown` propagation,
lazily evaluated objects (`ObjRef`: resource and module instances), primitive conversions
and comparisons as Terraform defines them, the errors Terraform would report, and the size
limits that keep hostile input from exhausting time or memory. `evaluate` (expressions) and
`functions` (built-ins) both build on this module; it imports neither.
"""

from __future__ import annotations

from typing import Any, Protocol

from iacguard.model import Provenance
from iacguard.values import Unknown


class EvalError(Exception):
    """An expression Terraform would reject (missing attribute, bad index, wrong type)."""


# Limits that keep hostile input (doubling locals, huge ranges, format widths) from
# exhausting time or memory; real configurations stay far below them.
MAX_STEPS = 2_000_000  # expression nodes evaluated for one root module
MAX_STRING = 4_000_000  # characters in one string built by a template or function
MAX_MASS = 1_000_000  # values (plus 1 per 16 string characters) in one evaluated value
MAX_DEPTH = 100  # nesting of lists and maps in one value


class LimitExceeded(EvalError):
    """A limit above was reached: the value is unknown (never retried by try()/can())."""


class Budget:
    """Expression steps spent for one root module."""

    def __init__(self, limit: int = MAX_STEPS) -> None:
        self.limit = limit
        self.steps = 0
        self.reported = False

    def spend(self) -> None:
        self.steps += 1
        if self.steps > self.limit:
            raise LimitExceeded(f"evaluation stopped after {self.limit} expression steps")


def _within_limits(value: Any) -> bool:
    """Whether `value` is within MAX_MASS and MAX_DEPTH, counting a shared part (`[x, x]`
    repeated) once for each place it appears but reading it once: a value that passes costs
    its distinct parts, not its expanded size. False as soon as a limit is passed."""
    seen: dict[int, tuple[int, int]] = {}  # id -> (mass, levels of nesting), during this call
    beyond = (MAX_MASS + 1, MAX_DEPTH + 1)

    def measure(container: list[Any] | dict[str, Any], depth: int) -> tuple[int, int]:
        known = seen.get(id(container))
        if known is not None:
            return known
        if depth >= MAX_DEPTH:
            return beyond
        mass, levels = 1, 0
        for item in container if isinstance(container, list) else container.values():
            if isinstance(item, (list, dict)):
                item_mass, item_levels = measure(item, depth + 1)
                mass += item_mass
                levels = max(levels, item_levels)
            else:
                mass += 1 + len(item) // 16 if isinstance(item, str) else 1
            if mass > MAX_MASS:
                return beyond
        seen[id(container)] = mass, levels + 1
        return mass, levels + 1

    if not isinstance(value, (list, dict)):
        return not isinstance(value, str) or 1 + len(value) // 16 <= MAX_MASS
    mass, levels = measure(value, 0)
    return mass <= MAX_MASS and levels <= MAX_DEPTH


def check_mass(value: Any, what: str = "value") -> None:
    """Raise LimitExceeded when `value` holds more than MAX_MASS values (long strings weigh more).
    A value within the limits is measured part by part (`_within_limits`); one beyond them is
    walked, bounded, to say which limit it reached first."""
    if not isinstance(value, (list, dict, str)) or _within_limits(value):
        return
    stack: list[tuple[Any, int]] = [(value, 0)]
    mass = 0
    while stack:
        item, depth = stack.pop()
        mass += 1
        if isinstance(item, str):
            mass += len(item) // 16
        elif isinstance(item, (list, dict)):
            if depth >= MAX_DEPTH:
                raise LimitExceeded(f"{what} is nested deeper than {MAX_DEPTH} levels")
            stack.extend((v, depth + 1) for v in (item if isinstance(item, list) else item.values()))
        if mass > MAX_MASS:
            raise LimitExceeded(f"too large: {what} holds more than {MAX_MASS} values")


def check_string(text: str) -> str:
    if len(text) > MAX_STRING:
        raise LimitExceeded(f"string longer than {MAX_STRING} characters")
    return text


# A pseudo-address in a value's `refs`: it derives from a variable or output declared
# `sensitive = true`. It flows wherever references flow (locals, outputs, module inputs),
# names no resource, and marks the attribute it reaches as sensitive in `Resource.sensitive`.
SENSITIVE = "(sensitive)"


def declared_sensitive(flag: Any) -> bool:
    return flag is True or flag == "true"


class Tracker(Protocol):
    """What reading a value records: the resource addresses it depends on, and the
    provenance of the variables it read (the evaluator's `Scope` is one)."""

    refs: set[str]
    vars: list[Provenance]


class ObjRef:
    """A lazily evaluated object: a resource instance or a module instance."""

    address: str

    def attr(self, name: str, scope: Tracker) -> Any:
        raise NotImplementedError

    def materialise(self, scope: Tracker) -> dict[str, Any]:
        raise NotImplementedError

    def touch(self, scope: Tracker) -> None:
        """Record that the value depends on this object, without reading it."""


class OutsideRoot(EvalError):
    """A file function named a file outside the scan root (nothing there is read)."""


# Errors an attribute's evaluation may raise; each becomes an Unknown plus a problem.
EVAL_ERRORS = (EvalError, TypeError, ValueError, KeyError, IndexError, ZeroDivisionError,
               OverflowError, RecursionError)


MAX_MESSAGE_CHARS = 300


def shorten(text: str, limit: int = 60) -> str:
    """A value quoted in a message: long ones cut, with their length said."""
    return text if len(text) <= limit else f"{text[:limit - 20]}… ({len(text)} characters)"


def describe(exc: BaseException) -> str:
    """An evaluation error as users read it: Python's own wording never reaches them."""
    if isinstance(exc, RecursionError):
        return "the expression nests or recurses too deeply to evaluate"
    message = str(exc) or type(exc).__name__
    return message if len(message) <= MAX_MESSAGE_CHARS else shorten(message, MAX_MESSAGE_CHARS)


def distinct(items: list[Provenance]) -> tuple[Provenance, ...]:
    """`tuple(dict.fromkeys(items))` (equal items once, first seen first), hashing each
    distinct object once: the same provenance object is usually read many times."""
    if len(items) < 2:
        return tuple(items)
    return tuple(dict.fromkeys({id(item): item for item in items}.values()))


def first_unknown(*values: Any) -> Unknown | None:
    for value in values:
        if isinstance(value, Unknown):
            return value
    return None


def deep_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list):
        for item in value:
            found = deep_unknown(item)
            if found is not None:
                return found
    elif isinstance(value, dict):
        for item in value.values():
            found = deep_unknown(item)
            if found is not None:
                return found
    return None


def touch(value: Any, scope: Tracker, seen: set[int] | None = None) -> None:
    """Record the objects `value` refers to; a shared part (`[x, x]` repeated) is read once."""
    if isinstance(value, ObjRef):
        value.touch(scope)
    elif isinstance(value, (list, dict)):
        seen = set() if seen is None else seen
        if id(value) in seen:
            return
        seen.add(id(value))
        for item in value if isinstance(value, list) else value.values():
            touch(item, scope, seen)


def plain(value: Any, scope: Tracker) -> Any:
    """`value` with every ObjRef replaced by its attributes (recording the reference)."""
    if isinstance(value, ObjRef):
        return plain(value.materialise(scope), scope)
    if isinstance(value, list):
        return [plain(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: plain(v, scope) for k, v in value.items()}
    return value


def number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise EvalError(f"a number is required, got {to_str(value)}")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                pass
    raise EvalError(f"a number is required, got {type_name(value)}")


def norm_number(value: float | int) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, (dict, ObjRef)):
        return "object"
    return type(value).__name__


def to_str(value: Any) -> str:
    """Terraform's conversion of a primitive to string (for templates and tostring)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        value = norm_number(value)
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    if value is None:
        raise EvalError("cannot use a null value in a string template")
    raise EvalError(f"cannot convert {type_name(value)} to string")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise EvalError(f"a bool is required, got {type_name(value)}")


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if isinstance(a, (int, float)) != isinstance(b, (int, float)):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return bool(a == b)


def compare(a: Any, b: Any) -> bool | Unknown:
    """Equality that is unknown only when the unknown parts decide it: a map holding an
    unknown value is still known to differ from null, or from a map with other keys."""
    unknown = first_unknown(a, b)
    if unknown is not None:
        return unknown
    if a is None or b is None:
        return a is b
    pairs: list[tuple[Any, Any]]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        pairs = list(zip(a, b, strict=True))
    elif isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        pairs = [(a[k], b[k]) for k in a]
    else:
        return equal(a, b)
    pending: Unknown | None = None
    for x, y in pairs:
        result = compare(x, y)
        if result is False:
            return False
        if isinstance(result, Unknown) and pending is None:
            pending = result
    return pending if pending is not None else True


def iterate(collection: Any, scope: Tracker) -> list[tuple[Any, Any]]:
    if isinstance(collection, ObjRef):
        collection = collection.materialise(scope)
    if isinstance(collection, list):
        return list(enumerate(collection))
    if isinstance(collection, dict):
        return sorted(collection.items(), key=lambda kv: kv[0])
    if collection is None:
        raise EvalError("cannot iterate over a null value")
    raise EvalError(f"cannot iterate over a {type_name(collection)}")

