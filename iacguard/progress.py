"""A progress display on stderr for interactive scans: units loaded out of units planned.

Shown only when stderr is a terminal, not in CI (`CI` set), not with `--quiet`, and only once
a scan has run for more than a moment (short scans print nothing extra); it clears itself
when the scan is done, so the report is all that stays on screen.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

DELAY_SECONDS = 0.5


def wanted(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


class UnitProgress:
    """A callback `(done, total)` for `UnitLoader.progress`, and a context that ends it."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if time.monotonic() - self._started < DELAY_SECONDS or done >= total:
                return
            self._bar = Progress(TextColumn("loading units"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("units", total=total)
        assert self._task is not None
        self._bar.update(self._task, completed=done, total=total)

    def __enter__(self) -> UnitProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
