"""The cyclic garbage collector during a command that builds one large graph and exits.

A scan allocates millions of objects that all stay alive until it ends (every resource's
body and source map, then the findings), and creates almost no cyclic garbage. With the
default thresholds the collector runs every 700 allocations and, each time the heap has
grown by a quarter, walks all of it again: a fifth of a large scan's time. So a one-shot
command (`scan`, `graph`) collects the youngest generation less often and, once the units
are loaded, freezes what is alive (`gc.freeze`: left out of every later collection, still
freed by reference counting).

A long-lived process (the language server) keeps the defaults between edits but pauses the
collector while it answers one (`paused`, ended once the answer is sent): an edit leaves a
few thousand objects of cyclic garbage (the previous evaluation), and with the defaults every
~15th edit paid a full pass over them and over what earlier edits left (~90 ms on the largest
corpus module: the p95 of the edit latency). Collected at the end of the pause, while still
young, that garbage costs ~7 ms, after the answer, and the old generation stays small.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_GEN0_THRESHOLD = 50_000  # allocations between young collections (default 700)


class Batch:
    """The collector settings of one command; `settle()` once the long-lived data is built."""

    def settle(self) -> None:
        gc.freeze()


@contextmanager
def paused(collect_young: bool = False) -> Iterator[None]:
    """No automatic collection in the body (process-wide: every thread); enabled after as
    it was before. Composing YAML pauses it because everything it allocates stays alive;
    `collect_young` is for a body that leaves garbage (an edit's answer): the young
    generations are collected at its end, so that enabling the collector again starts no
    pass over what the body allocated."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collect_young:
            gc.collect(1)
        if enabled:
            gc.enable()


@contextmanager
def batch() -> Iterator[Batch]:
    """Batch settings for the body of the `with`; the defaults (and nothing frozen) after."""
    threshold = gc.get_threshold()
    gc.set_threshold(BATCH_GEN0_THRESHOLD, *threshold[1:])
    try:
        yield Batch()
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
