"""Terraform's regular expressions: RE2 semantics, linear-time matching (google-re2).

Terraform uses Go's `regexp` (RE2 syntax): no backreferences or lookaround, and matching
time linear in the input, so `regex("(a+)+$", "aaaa…!")` cannot hang a scan as it would with
Python's backtracking `re`. Patterns RE2 rejects are errors worded as Terraform words them
(Go's `error parsing regexp: … `…``).
"""

from __future__ import annotations

import re
from typing import Any

import re2

from iacguard_builtin.terraform.semantics import EvalError

MAX_PROGRAM_BYTES = 8 * 1024 * 1024  # RE2's memory budget for one compiled pattern

# RE2 (C++) error text -> Go's regexp/syntax wording, which Terraform prints.
_GO_WORDING = {
    "missing )": "missing closing )",
    "missing ]": "missing closing ]",
    "unexpected )": "unexpected )",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "invalid repetition size": "invalid repeat count",
    "bad repetition operator": "invalid nested repetition operator",
    "missing argument to repetition operator": "missing argument to repetition operator",
    "invalid character class range": "invalid character class range",
    "invalid character class": "invalid character class",
    "invalid escape sequence": "invalid escape sequence",
    "invalid named capture group": "invalid named capture group",
    "trailing \\": "trailing backslash at end of expression",
    "invalid UTF-8": "invalid UTF-8",
    "pattern too large - compile failed": "expression too large",
}
_DUPLICATE_NAME = re.compile(r"\(\?P?<(\w+)>")


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # errors are reported as findings, not on stderr
    options.max_mem = MAX_PROGRAM_BYTES
    return options


def go_error(message: str) -> str:
    code, _, arg = message.partition(": ")
    wording = _GO_WORDING.get(code, code)
    return f"error parsing regexp: {wording}: `{arg}`" if arg else f"error parsing regexp: {wording}"


def compile_pattern(pattern: str, fn: str) -> Any:
    """The compiled pattern, or the `EvalError` Terraform would raise for it."""
    names = _DUPLICATE_NAME.findall(pattern)
    duplicate = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if duplicate is not None:  # RE2 accepts it; Go refuses it
        raise EvalError(f"{fn}(): invalid regexp pattern: error parsing regexp: duplicate "
                        f"capture group name: `{duplicate}`")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        text = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) \
            else str(exc)
        raise EvalError(f"{fn}(): invalid regexp pattern: {go_error(text)}") from None


_EXPANSION = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))")


def expand(template: str, match: Any) -> str:
    """Go's `Regexp.Expand`: `$1`, `$name`, `${name}` (longest name; unknown: empty), `$$`."""
    def one(found: re.Match[str]) -> str:
        name = found.group(1) or found.group(2)
        if name is None:
            return "$"
        try:
            value = match.group(int(name)) if name.isdigit() else match.group(name)
        except (IndexError, KeyError, re2.error):
            return ""
        return str(value) if value is not None else ""
    return _EXPANSION.sub(one, template)


def match_value(match: Any) -> Any:
    """What `regex`/`regexall` return for one match: named groups as an object, other groups
    as a list, or the whole match."""
    named = match.groupdict()
    if named:
        return {k: (v if v is not None else "") for k, v in named.items()}
    groups = match.groups()
    if groups:
        return [g if g is not None else "" for g in groups]
    return match.group(0)
