"""How deeply a JSON or YAML text nests, found by scanning characters (no recursion).

Python's `json` and the Go YAML reader behind Helm's values recurse per level, so a hostile
file nested 20,000 deep crashes them (`RecursionError`) instead of failing to parse. Loaders
ask `too_deep` first and report the line where the limit is passed as a parse error.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_NESTING = 1000  # levels of mappings/sequences; real manifests and values stay below 30


@dataclass(frozen=True)
class TooDeep:
    line: int
    column: int
    limit: int

    @property
    def message(self) -> str:
        return f"nested more than {self.limit} levels deep (line {self.line})"


def json_too_deep(text: str, limit: int = MAX_NESTING) -> TooDeep | None:
    """Where `[`/`{` nesting outside strings first passes `limit`, or None."""
    depth, line, line_start = 0, 1, 0
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return TooDeep(line, index - line_start + 1, limit)
        elif char in "]}":
            depth = max(depth - 1, 0)
        if char == "\n":
            line, line_start = line + 1, index + 1
    return None


def yaml_too_deep(text: str, limit: int = MAX_NESTING) -> TooDeep | None:
    """Where block indentation levels plus flow brackets first pass `limit`, or None.

    Block depth is the number of open indentation levels (a `- ` item opens one more);
    flow depth counts `[`/`{` outside quotes. An estimate that never undercounts by more
    than the quoting it cannot see inside block scalars, which is enough for a cap of 1000.
    """
    indents: list[int] = []
    flow = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip(" ")
        if flow == 0:
            if not stripped or stripped.startswith("#"):
                continue
            indent = len(raw) - len(stripped)
            while stripped.startswith("- "):  # "- - a": each dash opens a level
                while indents and indents[-1] >= indent:
                    indents.pop()
                indents.append(indent)
                indent += 2
                stripped = stripped[2:].lstrip(" ")
            while indents and indents[-1] >= indent:
                indents.pop()
            indents.append(indent)
            if len(indents) > limit:
                return TooDeep(number, indent + 1, limit)
        quote = ""
        for column, char in enumerate(raw, start=1):
            if quote:
                if char == quote:
                    quote = ""
            elif char in "\"'":
                quote = char
            elif char == "#" and (column == 1 or raw[column - 2] == " "):
                break
            elif char in "[{":
                flow += 1
                if len(indents) + flow > limit:
                    return TooDeep(number, column, limit)
            elif char in "]}":
                flow = max(flow - 1, 0)
    return None
