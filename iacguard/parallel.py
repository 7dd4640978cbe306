"""Loading planned units: from the unit cache, in this process, or in a process pool.

A unit's load is a pure function of its claim, what it reads through `ctx.fs` and the
configuration, so units can be loaded in any order, in any process, and the results put
back in plan order give byte-identical reports whatever `jobs` is. Workers are started with
`forkserver` (or `spawn` where that is missing), never `fork`: each builds its own plugins from
the entry points with the same blocked list, and its own `Memo`. Helm renders and kustomize
builds run inside the units that ask for them, so they run in the pool too.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from iacguard.budget import NOT_CHECKED_RULE, Budget, not_checked_message
from iacguard.cache import UnitCache
from iacguard.config import Config
from iacguard.fs import FileSystem
from iacguard.loading import LoadContext, LoadProblem, LoadResult, Memo
from iacguard.model import ScanError, SourceSpan
from iacguard.planning import PlannedUnit, crash_message
from iacguard.plugin import Plugins, make_plugins

Loaded = tuple[LoadResult, ScanError | None]
Progress = Callable[[int, int], None]  # (units done, units to load)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def load_planned(plugins: Plugins, ctx: LoadContext, path: Path, planned: PlannedUnit,
                 budget: Budget | None = None) -> Loaded:
    """One unit through `iacguard_load`, with what it read recorded as its inputs, inside its
    time budget (`budget`: the session's; in a worker, one of the configured length). A unit
    reached after the scan's deadline is not loaded: it says so (`not-checked`)."""
    if budget is None:
        budget = Budget(ctx.config.unit_budget_seconds, ctx.config.scan_deadline_seconds).start()
    if budget.scan_expired():
        budget.units_not_checked += 1
        problem = LoadProblem(span=SourceSpan(file=str(path), precision="file"),
                              rule=NOT_CHECKED_RULE, message=not_checked_message(budget))
        return LoadResult(problems=[problem]), None
    ctx = ctx.recording()
    assert ctx.fs.inputs is not None
    try:
        with budget.unit():
            result = plugins.load(planned.claim, ctx) or LoadResult()
    except Exception as exc:  # a loader bug: report it, keep scanning the rest
        plugin = plugins.culprit(exc)
        error = ScanError(kind="loader-crashed", message=crash_message(exc, plugin),
                          path=ctx.relpath(path), plugin=plugin)
        return LoadResult(inputs=ctx.fs.inputs), error
    ctx.fs.inputs.merge(planned.inputs)
    result.inputs = ctx.fs.inputs
    return result, None


@dataclass(frozen=True)
class LoadSettings:
    """What a worker needs to load units as the session would (all picklable)."""

    root: Path
    config: Config
    overlays: Mapping[Path, bytes]
    blocked: tuple[str, ...]


_worker: tuple[Plugins, LoadContext] | None = None


def _start_worker(settings: LoadSettings) -> None:
    global _worker
    plugins = make_plugins(blocked=settings.blocked)
    _worker = (plugins, LoadContext(settings.root, settings.config, FileSystem(settings.overlays),
                                    Memo(), plugins))


def _load_in_worker(path: Path, planned: PlannedUnit) -> Loaded:
    assert _worker is not None
    plugins, ctx = _worker
    return load_planned(plugins, ctx, path, planned)


def pool_context(plugins: Plugins) -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # The fork server imports iacguard and the plugins' modules once (when it starts), so a
    # worker forked from it does not import them again; which plugins a worker registers is
    # still its own `make_plugins(blocked=...)`. Only modules this process imported: a plugin
    # that failed to import, or was blocked, is not imported there either.
    modules = {p.__name__ for _, p in plugins.pm.list_name_plugin() if isinstance(p, ModuleType)}
    context.set_forkserver_preload(["__main__", __name__, *sorted(m for m in modules if m in sys.modules)])
    return context


@dataclass
class UnitLoader:
    """How a session loads the units a plan asks for. `jobs > 1` uses a process pool (only
    for plugins built from the entry points: `blocked` is what workers rebuild them with)."""

    jobs: int = 1
    cache: UnitCache | None = None
    blocked: tuple[str, ...] | None = None  # None: plugins registered in code, no pool
    progress: Progress | None = None
    pooled: int = 0  # counter: units loaded in worker processes

    def load_all(self, plugins: Plugins, ctx: LoadContext,
                 todo: list[tuple[Path, PlannedUnit]], budget: Budget | None = None) -> list[Loaded]:
        """Loaded units in the order of `todo`."""
        out: dict[int, Loaded] = {}
        keys: dict[int, str] = {}
        misses: list[int] = []
        for index, (_, planned) in enumerate(todo):
            if self.cache is not None:
                keys[index] = self.cache.key(planned.claim, ctx.root, ctx.config)
                entry = self.cache.get(keys[index], ctx.fs)
                if entry is not None:
                    out[index] = (entry.result, entry.crashed)
                    continue
            misses.append(index)
        done = len(out)
        total = len(todo)
        self._report(done, total)
        for index, loaded in self._load_misses(plugins, ctx, [todo[i] for i in misses], misses,
                                               budget):
            out[index] = loaded
            if self.cache is not None and not any(p.rule == NOT_CHECKED_RULE
                                                  for p in loaded[0].problems):
                self.cache.put(keys[index], loaded[0], loaded[1], ctx.fs)
            done += 1
            self._report(done, total)
        return [out[i] for i in range(total)]

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _load_misses(self, plugins: Plugins, ctx: LoadContext, todo: list[tuple[Path, PlannedUnit]],
                     indexes: list[int], budget: Budget | None) -> Iterator[tuple[int, Loaded]]:
        """(index, loaded) as units finish."""
        if self.jobs <= 1 or self.blocked is None or len(todo) < 2:
            for index, (path, planned) in zip(indexes, todo, strict=True):
                yield index, load_planned(plugins, ctx, path, planned, budget)
            return
        settings = LoadSettings(ctx.root, ctx.config, dict(ctx.fs.overlays), self.blocked)
        with ProcessPoolExecutor(max_workers=min(self.jobs, len(todo)), mp_context=pool_context(plugins),
                                 initializer=_start_worker, initargs=(settings,)) as pool:
            futures = {pool.submit(_load_in_worker, path, planned): index
                       for index, (path, planned) in zip(indexes, todo, strict=True)}
            for future in as_completed(futures):
                self.pooled += 1
                yield futures[future], future.result()
