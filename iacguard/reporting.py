"""Reporter registry. Each output format is a function from a `ScanResult` to text; each graph
drawing (`iacguard graph --format`) a function from the graph and the result to text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iacguard.graph import ResourceGraph
from iacguard.model import ScanResult


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False


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
