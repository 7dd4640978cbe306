"""Reporter registry. Each output format is a function from a `ScanResult` to text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iacguard.model import ScanResult


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False


Reporter = Callable[[ScanResult, RenderOptions], str]


class ReporterRegistry:
    def __init__(self) -> None:
        self._reporters: dict[str, Reporter] = {}

    def add(self, name: str, render: Reporter) -> None:
        if name in self._reporters:
            raise ValueError(f"output format {name!r} registered twice")
        self._reporters[name] = render

    def get(self, name: str) -> Reporter:
        return self._reporters[name]

    def names(self) -> list[str]:
        return sorted(self._reporters)
