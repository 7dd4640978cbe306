"""The plan phase: which loader claims which path as a unit, and which files each unit owns.

The walk asks `iacguard_claim` for every directory (before its files) and every file, and
keeps each answer with what the claim read (its `Inputs`), so a later plan claims again only
paths whose inputs changed. Ownership is resolved once the walk is complete — a unit planned
at a path another claim owns is dropped — so the plan does not depend on walk order.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from iacguard.fs import FileSystem, Inputs
from iacguard.loading import Claim, LoadContext, LoadProblem, LoadResult
from iacguard.model import ScanError, SourceSpan
from iacguard.plugin import Plugins

SKIPPED_DIRS = {"node_modules", "__pycache__"}
LEGACY_LOADER = ""  # units loaded by the one-step `iacguard_collect` hook during the walk


def crash_message(exc: BaseException, plugin: str | None = None) -> str:
    """The exception, the plugin whose hook raised it, and the innermost frames (where it
    failed, not the engine and pluggy)."""
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4)
    what = (f"{type(exc).__name__}: the input nests or recurses too deeply for Python's stack"
            if isinstance(exc, RecursionError) else f"{type(exc).__name__}: {exc}")
    where = f" (in plugin {plugin})" if plugin else ""
    return f"{what}{where}\n{''.join(frames[1:]).rstrip()}"


@dataclass
class PlannedUnit:
    claim: Claim
    is_directory: bool
    inputs: Inputs = field(default_factory=Inputs)
    legacy: LoadResult | None = None  # already loaded by `iacguard_collect`
    crashed: ScanError | None = None

    @cached_property
    def owned(self) -> frozenset[Path]:
        """What the claim owns besides its own path, resolved (once per answer: every plan
        asks, and resolving is a system call per path)."""
        return frozenset(Path(p).resolve() for p in self.claim.owns) - {self.claim.path.resolve()}


@dataclass
class Plan:
    units: dict[Path, PlannedUnit]  # after ownership is resolved, by path
    unclaimed: list[Path]  # files named explicitly that no loader claims


@dataclass
class _Answer:
    planned: PlannedUnit | None
    inputs: Inputs


def _inside(link: Path, root: Path) -> bool:
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling or a loop: it reaches nothing, so leaks nothing
        return True
    return target == root or root in target.parents


MAX_LISTED = 20


def symlinks_problem(links: set[Path], relpath: Callable[[Path], str]) -> LoadProblem | None:
    """One note per scan for the symlinks skipped because they lead outside the scan root
    (never followed: a link must not make the scan read, or report, what lies elsewhere)."""
    if not links:
        return None
    names = sorted(relpath(p) for p in links)
    listed = ", ".join(names[:MAX_LISTED]) + (f" and {len(names) - MAX_LISTED} more"
                                              if len(names) > MAX_LISTED else "")
    first = sorted(links)[0]
    return LoadProblem(span=SourceSpan(file=str(first), precision="file"), rule="unresolved-input",
                       message=f"{len(names)} symlink(s) lead outside the scan root and were not "
                               f"followed: {listed}")


class Planner:
    def __init__(self, plugins: Plugins, context: Callable[[], LoadContext],
                 excluded: Callable[[Path], bool]) -> None:
        self.plugins = plugins
        self._context = context
        self._excluded = excluded
        self._answers: dict[Path, _Answer] = {}
        self.claims_made = 0  # counter for tests: how many claims were asked, not reused
        self.outside_root: set[Path] = set()  # symlinks the last walk skipped: they leave the root

    def invalidate(self, changed: Iterable[Path]) -> None:
        """Forget the answers a change to these paths can affect: those at or directly above
        a changed path, and those whose observations of it no longer see what they saw (a
        root that only listed the directory of a module it calls keeps its claim when a
        file of the module is edited, not when one is added)."""
        changed = [Path(p) for p in changed]
        fs = self._context().fs
        for path in list(self._answers):
            answer = self._answers[path]
            if any(path == c or path == c.parent for c in changed):
                del self._answers[path]
                continue
            touched = [c for c in changed if answer.inputs.touches(c)]
            if touched and not answer.inputs.still_hold(touched, fs):
                del self._answers[path]

    def plan(self, paths: Iterable[Path], shallow: frozenset[Path] = frozenset()) -> Plan:
        """The units under `paths`; directories in `shallow` are planned without their
        subdirectories (their own unit and the files directly in them)."""
        claims: dict[Path, PlannedUnit] = {}
        unclaimed: list[Path] = []
        self.outside_root = set()
        listing = self._context().fs  # the walk's own listings are not any unit's input
        for path in paths:
            if listing.is_dir(path):
                self._walk(path, listing, claims, deep=path not in shallow)
            elif listing.is_file(path):
                planned = self._claim(path, is_directory=False)
                if planned is None:
                    unclaimed.append(path)
                else:
                    claims[path] = planned
        owned = {p for unit in claims.values() for p in unit.owned}
        units = {p: u for p, u in sorted(claims.items()) if p not in owned}
        return Plan(units, unclaimed)

    def claim_directory(self, directory: Path) -> Claim | None:
        """The claim a loader makes of `directory` as a unit (None: no loader claims it)."""
        planned = self._claim(directory, is_directory=True)
        return planned.claim if planned is not None else None

    def _walk(self, directory: Path, fs: FileSystem, claims: dict[Path, PlannedUnit],
              deep: bool = True) -> None:
        if self._excluded(directory):
            return
        planned = self._claim(directory, is_directory=True)
        owned_here: frozenset[Path] = frozenset()
        if planned is not None:
            claims[directory] = planned
            if not planned.claim.descend:
                return
            owned_here = planned.owned
        entries = fs.iterdir(directory)
        kinds = [(entry, fs.kind(entry)) for entry in entries]
        links = {entry for entry in entries if fs.is_symlink(entry)}
        if links:
            root = self._context().root.resolve()
            self.outside_root |= {entry for entry in links if not _inside(entry, root)}
        for entry, kind in kinds:
            if kind != "file" or entry in links or entry in owned_here or self._excluded(entry):
                continue
            claimed = self._claim(entry, is_directory=False)
            if claimed is not None:
                claims[entry] = claimed
        for entry, kind in kinds:
            if not deep or kind != "dir" or entry in links:
                continue
            if entry.name.startswith(".") or entry.name in SKIPPED_DIRS:
                continue
            self._walk(entry, fs, claims)

    def _claim(self, path: Path, *, is_directory: bool) -> PlannedUnit | None:
        answer = self._answers.get(path)
        if answer is None:
            answer = self._ask(path, is_directory)
            self._answers[path] = answer
        return answer.planned

    def _ask(self, path: Path, is_directory: bool) -> _Answer:
        self.claims_made += 1
        ctx = self._context().recording()
        assert ctx.fs.inputs is not None
        try:
            # One-step loaders are asked first: they were written to claim before built-ins.
            result = self.plugins.collect(path, ctx)
            if result is None:
                claim = self.plugins.claim(path, ctx)
                if claim is not None:
                    return _Answer(PlannedUnit(claim, is_directory, ctx.fs.inputs), ctx.fs.inputs)
        except Exception as exc:  # a loader bug: report it, keep scanning the rest
            plugin = self.plugins.culprit(exc)
            error = ScanError(kind="loader-crashed", message=crash_message(exc, plugin),
                              path=ctx.relpath(path), plugin=plugin)
            return _Answer(PlannedUnit(Claim(LEGACY_LOADER, path), is_directory, ctx.fs.inputs,
                                       LoadResult(), error), ctx.fs.inputs)
        if result is None:
            return _Answer(None, ctx.fs.inputs)
        claim = Claim(LEGACY_LOADER, path, owns=tuple(result.consumed), descend=result.descend)
        result.inputs = ctx.fs.inputs
        return _Answer(PlannedUnit(claim, is_directory, ctx.fs.inputs, legacy=result),
                       ctx.fs.inputs)
