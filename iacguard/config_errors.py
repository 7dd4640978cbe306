"""Configuration errors as a person would write them: the file, the key, what is wrong and
what is allowed (never pydantic's raw text or its documentation links)."""

from __future__ import annotations

import difflib
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError


def did_you_mean(word: str, choices: list[str]) -> str:
    """` (did you mean 'x'?)` when a choice is close, else ``."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that holds the last key of `loc` (through dicts and lists)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
            continue
        args = get_args(current)
        if get_origin(current) in (dict, list) and args:
            current = args[-1]
        else:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _problem(model: type[BaseModel], error: Any) -> str:
    loc = tuple(error["loc"])
    key = _key(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        holder = _model_at(model, loc)
        allowed = sorted(holder.model_fields) if holder else []
        hint = did_you_mean(str(loc[-1]), allowed) if allowed else ""
        return (f"{key}: unknown key{hint}" + (f"; allowed here: {', '.join(allowed)}"
                                               if allowed else ""))
    if kind == "missing":
        return f"{key}: required, but not given"
    if kind == "literal_error":
        return f"{key}: {error['input']!r} is not allowed (one of: {error['ctx']['expected']})"
    message = str(error["msg"]).removeprefix("Value error, ")
    if message.startswith("Input should be"):
        message = "should be" + message.removeprefix("Input should be")
        return f"{key}: {message}, not {error['input']!r}"
    return f"{key}: {message}"


def describe(exc: ValidationError, model: type[BaseModel], source: str,
             what: str = "configuration") -> str:
    problems = [_problem(model, e) for e in exc.errors()]
    if len(problems) == 1:
        return f"invalid {what} in {source}: {problems[0]}"
    return f"invalid {what} in {source}:\n" + "\n".join(f"  - {p}" for p in problems)
