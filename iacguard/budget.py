"""Time budgets: each unit a total budget, the scan as a whole a deadline.

Helm's limit is per render, and a chart renders once per values profile and once per
`helm_release` using it, so per-call limits alone let one unit take many minutes. The engine
opens a `Budget` per scan (`Session._refresh`) and enters `budget.unit()` around each load;
code that starts slow work (a render, a build) asks `remaining()` and gives a child process
no more than that, or refuses to start when nothing is left. Once the scan deadline has
passed, the engine loads no more units: each is reported as not checked (a finding, never a
silent pass). Times come from an injectable clock, so tests count instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

DEFAULT_UNIT_SECONDS = 300.0  # one chart with all its profiles, one kustomization, one root
NOT_CHECKED_RULE = "not-checked"  # the parse-error policy for units past the scan's deadline
DEFAULT_SCAN_SECONDS = 1800.0  # well inside a CI job's limit, so the report is still written
Clock = Callable[[], float]


@dataclass
class _Active:
    budget: Budget
    deadline: float  # the earlier of the unit's budget and the scan's deadline


_active: ContextVar[_Active | None] = ContextVar("iacguard_budget", default=None)


@dataclass
class Budget:
    unit_seconds: float = DEFAULT_UNIT_SECONDS
    scan_seconds: float | None = DEFAULT_SCAN_SECONDS  # None: no scan deadline
    clock: Clock = time.monotonic
    started: float = 0.0
    units_not_checked: int = 0  # counters for tests and the summary
    units_out_of_budget: int = 0

    def start(self) -> Budget:
        self.started = self.clock()
        return self

    @property
    def scan_deadline(self) -> float | None:
        return None if self.scan_seconds is None else self.started + self.scan_seconds

    def scan_expired(self) -> bool:
        deadline = self.scan_deadline
        return deadline is not None and self.clock() >= deadline

    @contextmanager
    def unit(self) -> Iterator[None]:
        """The budget of one unit's load, for `remaining()` in whatever the load calls."""
        deadline = self.clock() + self.unit_seconds
        if self.scan_deadline is not None:
            deadline = min(deadline, self.scan_deadline)
        token = _active.set(_Active(self, deadline))
        try:
            yield
        finally:
            _active.reset(token)


def remaining(at_most: float) -> float:
    """Seconds the current unit may still spend, capped at `at_most` (outside any budget:
    `at_most`). Zero or less means: do not start."""
    active = _active.get()
    if active is None:
        return at_most
    left = active.deadline - active.budget.clock()
    if left <= 0:
        active.budget.units_out_of_budget += 1
    return min(at_most, left)


def used_up_message(what: str) -> str:
    """The one wording for work refused because the unit's budget is spent."""
    active = _active.get()
    seconds = active.budget.unit_seconds if active is not None else DEFAULT_UNIT_SECONDS
    return (f"{what} not done: the unit's time budget ({seconds:g} s, --unit-budget) or the "
            "scan's deadline (--scan-deadline) is used up")


def not_checked_message(budget: Budget) -> str:
    return (f"not checked: the scan's deadline ({budget.scan_seconds:g} s, --scan-deadline) "
            "passed before this unit was loaded")
