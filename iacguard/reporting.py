"""Reporter registry. Each output format is a function from a `ScanResult` to text; each graph
drawing (`iacguard graph --format`) a function from the graph and the result to text."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from iacguard.graph import ResourceGraph
from iacguard.model import ScanResult, Severity

DEFAULT_WIDTH = 100  # wrapping width of a report that goes to a file or a pipe


@dataclass(frozen=True)
class RenderOptions:
    """How a human-facing report is laid out (machine formats ignore all but `color`).

    `min_severity` hides findings below it from the display only: the exit code still
    follows `fail_on`. `quiet`: the summary and the failing findings only; `compact`: one
    line per finding; `group_by`: `severity` (then rule) or `file`; `width`: where long
    messages wrap. `options`: the run's plugin options (`Config.options`), for formats that
    take one (e.g. `sarif_category`).
    """

    color: bool = False
    quiet: bool = False
    compact: bool = False
    min_severity: Severity = Severity.INFO
    group_by: Literal["severity", "file"] = "severity"
    width: int = DEFAULT_WIDTH
    options: Mapping[str, Any] = field(default_factory=dict)


Reporter = Callable[[ScanResult, RenderOptions], str]
Drawing = Callable[[ResourceGraph, ScanResult], str]


class ReporterRegistry:
    def __init__(self) -> None:
        self._reporters: dict[str, Reporter] = {}
        self._drawings: dict[str, Drawing] = {}

    def add_drawing(self, name: str, render: Drawing) -> None:
        if name in self._drawings:
            raise ValueError(f"graph drawing {name!r} registered twice")
        self._drawings[name] = render

    def drawing(self, name: str) -> Drawing:
        return self._drawings[name]

    def drawing_names(self) -> list[str]:
        return sorted(self._drawings)

    def add(self, name: str, render: Reporter) -> None:
        if name in self._reporters:
            raise ValueError(f"output format {name!r} registered twice")
        self._reporters[name] = render

    def get(self, name: str) -> Reporter:
        return self._reporters[name]

    def names(self) -> list[str]:
        return sorted(self._reporters)
