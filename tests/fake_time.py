"""A clock for clients under test: it moves only when the code sleeps, which it never really
does (no test depends on wall-clock time)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeTime:
    now: float = 0.0  # the monotonic clock
    epoch: float = 1_700_000_000.0  # the wall clock at now == 0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.epoch + self.now
