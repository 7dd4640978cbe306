"""The sole orchestrator: plan -> load -> link -> check -> finding pipeline.

- **plan** (`planning.py`): the walk asks loaders which paths are units and which files
  each owns; ownership is resolved after the walk, so results do not depend on walk order.
- **load**: each unit is loaded by a pure function of its claim, the files it reads through
  the session's file system (disk plus editor overlays) and the configuration; what it read
  is recorded as its `Inputs`, which answer "which units does this file change affect".
- **link** and **check** run over the graph built from the kept units; the finding pipeline
  (`findings.py`) turns violations and load problems into findings.

A `Session` keeps every unit, so after a change (`reload(files)`, `set_overlay(path, text)`)
only the units whose claim or inputs the change touches are re-loaded; the graph is rebuilt
from the kept units, re-linked and re-checked, which stays cheap because linking and
checking are linear in resources (measured in `benchmarks/`).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from iacguard.baseline import Baseline
from iacguard.budget import NOT_CHECKED_RULE, Budget, Clock
from iacguard.checks import CheckContext, CheckRegistry
from iacguard.config import Config
from iacguard.errors import ConfigError, PolicyDefinitionError
from iacguard.excludes import Excluder
from iacguard.findings import (
    Candidate,
    FindingPipeline,
    Located,
    Stage,
    from_problem,
    from_violation,
    graph_secrets,
    mask_graph_wide,
)
from iacguard.fs import FileSystem, Inputs
from iacguard.graph import ResourceGraph
from iacguard.loading import Claim, LoadContext, LoadProblem, LoadResult, Memo
from iacguard.model import (
    EdgeKind,
    PolicyMeta,
    Resource,
    ScanError,
    ScanResult,
    Severity,
    SourceSpan,
)
from iacguard.parallel import UnitLoader
from iacguard.planning import LEGACY_LOADER, PlannedUnit, Planner, crash_message, symlinks_problem
from iacguard.plugin import Plugins
from iacguard.policies import LOAD_PROBLEM_CHECK, load_catalogue, policy_file, unregistered
from iacguard.scopes import resource_scope, unit_scope
from iacguard.selection import resolve_selection
from iacguard.suppression_stage import INVALID_RULE, UNUSED_RULE, Reporting, SuppressionStage


def iacguard_version() -> str:
    try:
        return version("iacguard")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def scan_root(paths: Sequence[Path]) -> Path:
    """The directory reported paths are relative to (resolved like every loaded file)."""
    dirs = [p if p.is_dir() else p.parent for p in (q.resolve() for q in paths)]
    return Path(os.path.commonpath([str(d) for d in dirs])) if dirs else Path.cwd().resolve()


@dataclass
class ActivePolicy:
    meta: PolicyMeta
    severity: Severity
    params: BaseModel | None  # None for load-problem policies


@dataclass
class Unit:
    """One loaded unit: its claim, what it yielded and what it read."""

    path: Path
    result: LoadResult
    crashed: ScanError | None = None
    claim: Claim | None = None
    scope: str = "."
    resources: list[Resource] = field(default_factory=list)  # with their scope set
    not_checked: bool = False  # the scan's deadline passed first: load it next time
    _files: frozenset[Path] | None = field(default=None, repr=False, compare=False)
    _consumed: frozenset[Path] | None = field(default=None, repr=False, compare=False)

    @property
    def inputs(self) -> Inputs:
        return self.result.inputs

    def files(self) -> frozenset[Path]:
        """The unit's path, what its claim owns and what it consumed, resolved (once: every
        refresh and check asks, and resolving is a system call per path)."""
        if self._files is None:
            owned = self.claim.owns if self.claim is not None else ()
            self._files = frozenset({self.path, *(Path(p).resolve()
                                                  for p in (*owned, *self.result.consumed))})
        return self._files

    def consumed(self) -> frozenset[Path]:
        """The files it consumed while loading besides its own path, resolved (once)."""
        if self._consumed is None:
            self._consumed = frozenset(Path(p).resolve() for p in self.result.consumed) - {self.path}
        return self._consumed


@dataclass
class Session:
    plugins: Plugins
    config: Config
    root: Path
    policies: list[ActivePolicy]
    catalogue: list[PolicyMeta]
    checks: CheckRegistry
    edge_kinds: frozenset[str] = frozenset(k.value for k in EdgeKind)
    units: dict[Path, Unit] = field(default_factory=dict)
    fs: FileSystem = field(default_factory=FileSystem)
    memo: Memo = field(default_factory=Memo)
    pipeline: FindingPipeline = field(default_factory=FindingPipeline)
    # Stages that run after every other one (suppressions included): they see the findings
    # as reported, e.g. the language server keeping each finding's resource and path.
    observers: list[Stage] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    # Paths planned without their subdirectories (`scan --in-context`, `file_context.py`).
    shallow: frozenset[Path] = frozenset()
    loads: int = 0  # counter: units loaded (not reused) over the session's life
    baseline: Baseline | None = None  # accepted findings (`scan --baseline FILE`)
    baseline_file: Path | None = None
    today: dt.date = field(default_factory=dt.date.today)  # suppressions' expiry is judged by
    loader: UnitLoader = field(default_factory=UnitLoader)  # cache, process pool
    clock: Clock = time.monotonic  # for the time budgets (tests inject a counter)
    budget: Budget = field(default_factory=Budget)  # the latest refresh's
    _planner: Planner | None = None
    _excluder: Excluder | None = None

    # -- loading ----------------------------------------------------------------------
    def context(self) -> LoadContext:
        return LoadContext(self.root, self.config, self.fs, self.memo, self.plugins)

    @property
    def planner(self) -> Planner:
        if self._planner is None:
            self._planner = Planner(self.plugins, self.context, self._excluded)
        return self._planner

    def load(self, paths: Iterable[Path]) -> None:
        for path in paths:
            resolved = Path(os.path.abspath(path)).resolve()
            if resolved not in self.paths:
                self.paths.append(resolved)
        self._refresh(None)

    def reload(self, *files: Path) -> None:
        """Bring the session up to date after `files` changed on disk (edited, created or
        deleted): only the units whose claim or inputs they touch are loaded again."""
        changed = {Path(os.path.abspath(f)) for f in files}
        changed |= {c.resolve() for c in changed}
        self.planner.invalidate(changed)
        self._refresh(changed)

    def set_overlay(self, path: Path, content: bytes | None) -> None:
        """An editor buffer for `path` (None: back to the disk), then `reload(path)`."""
        key = Path(os.path.abspath(path)).resolve()
        overlays = dict(self.fs.overlays)
        if content is None:
            overlays.pop(key, None)
        else:
            overlays[key] = content
        self.fs = FileSystem(overlays)
        self.reload(key)

    def affected_by(self, file: Path) -> list[Path]:
        """The file -> units index: the units a change to `file` makes stale."""
        key = Path(os.path.abspath(file)).resolve()
        return sorted(u.path for u in self.units.values()
                      if u.path == key or u.inputs.touches(key) or key in u.files())

    @property
    def excluder(self) -> Excluder:
        """`--exclude` and `.gitignore` (Git's semantics); knows which patterns matched."""
        if self._excluder is None:
            self._excluder = Excluder(self.root, self.config.exclude,
                                      gitignore=self.config.gitignore)
        return self._excluder

    def _excluded(self, path: Path) -> bool:
        return self.excluder(path)

    def _refresh(self, changed: set[Path] | None) -> None:
        self.budget = Budget(self.config.unit_budget_seconds, self.config.scan_deadline_seconds,
                             self.clock).start()
        plan = self.planner.plan(self.paths, self.shallow)
        kept: dict[Path, Unit] = {}
        todo: list[tuple[Path, PlannedUnit]] = []
        for path, planned in plan.units.items():
            old = self.units.get(path)
            if old is not None and changed is not None and not old.not_checked and (
                    old.result is planned.legacy if planned.legacy is not None
                    else old.claim == planned.claim and not _touched(old, changed)):
                kept[path] = old
            else:  # loaded, or past the scan's deadline reported as not checked (parallel.py)
                todo.append((path, planned))
        kept.update(zip((p for p, _ in todo), self._load_units(todo), strict=True))
        kept = {p: kept[p] for p in plan.units}
        for path in plan.unclaimed:
            kept[path] = self._unclaimed(path)
        # Files a unit consumed while loading (a Terraform `file()` target) are reported
        # through that unit only; computed over all units, so independent of load order.
        consumed = {p for u in kept.values() for p in u.consumed()}
        self.units = {p: u for p, u in kept.items() if p not in consumed}

    def _load_units(self, todo: list[tuple[Path, PlannedUnit]]) -> list[Unit]:
        """The units of `todo`, in order: from the cache, here or in a pool (`self.loader`)."""
        self.loads += len(todo)
        fresh = [(p, u) for p, u in todo if u.legacy is None]
        loaded = iter(self.loader.load_all(self.plugins, self.context(), fresh, self.budget))
        return [self._unit(p, u, u.legacy, u.crashed) if u.legacy is not None
                else self._unit(p, u, *next(loaded)) for p, u in todo]

    def _unit(self, path: Path, planned: PlannedUnit, result: LoadResult,
              crashed: ScanError | None) -> Unit:
        rel = LoadContext(self.root, self.config).relpath(path)
        scope = unit_scope(rel, planned.is_directory, self.config)
        resources = [r if r.scope is not None else
                     r.model_copy(update={"scope": resource_scope(scope, r.variant)})
                     for r in result.resources]
        unit = Unit(path, result, crashed, planned.claim, scope, resources)
        # Not loaded before the scan's deadline: loaded again at the next refresh.
        unit.not_checked = any(p.rule == NOT_CHECKED_RULE for p in result.problems)
        return unit

    def _unclaimed(self, path: Path) -> Unit:
        problem = LoadProblem(
            span=SourceSpan(file=str(path), precision="file"),
            message="no loader reads this file: it is not Terraform, a Terraform plan, a Helm "
                    "chart, a kustomization or a Kubernetes manifest")
        return Unit(path, LoadResult(problems=[problem]), None, Claim(LEGACY_LOADER, path))

    # -- graph ------------------------------------------------------------------------
    def build_graph(self) -> tuple[ResourceGraph, list[ScanError]]:
        graph = ResourceGraph(edge_kinds=self.edge_kinds)
        ctx = LoadContext(self.root, self.config)
        for unit in sorted(self.units.values(), key=lambda u: str(u.path)):
            for resource in unit.resources:
                if resource.id in graph:  # the same object from two units: name the unit
                    rid = _unique_id(graph, f"{resource.id}#{ctx.relpath(unit.path)}")
                    resource = resource.model_copy(update={"id": rid})
                graph.add_resource(resource)
        errors: list[ScanError] = []
        try:
            self.plugins.link(graph, self.config, self.root)
        except Exception as exc:
            errors.append(ScanError(kind="linker-crashed", message=crash_message(exc)))
        return graph, errors

    # -- checking ---------------------------------------------------------------------
    def check(self) -> tuple[ScanResult, ResourceGraph]:
        graph, errors = self.build_graph()
        errors = [u.crashed for u in self.units.values() if u.crashed] + errors
        where = Located(LoadContext(self.root, self.config).relpath)
        candidates: list[Candidate] = []
        by_name = {p.meta.name: p for p in self.policies}
        problem_rules = {p.name for p in self.catalogue if p.category == "parse-error"}
        links = symlinks_problem(self.planner.outside_root, where.relpath)
        problems = [p for u in sorted(self.units.values(), key=lambda u: str(u.path))
                    for p in u.result.problems] + ([links] if links else [])
        for problem in problems:
            if problem.rule not in problem_rules:
                errors.append(ScanError(
                    kind="loader-crashed", path=where.relpath(Path(problem.span.file)),
                    message=f"a loader reported a problem under {problem.rule!r}, which is "
                            f"no parse-error policy: {problem.message}"))
                continue
            active = by_name.get(problem.rule)
            if active is not None:
                candidates.append(from_problem(active.meta, active.severity, problem.span,
                                               problem.message, where))
        for active in self.policies:
            if active.params is None:
                continue
            check = self.checks.get(active.meta.check_name)
            assert check is not None
            kinds = active.meta.kinds  # dispatch: a check sees only the kinds it declares
            if kinds is not None and next(graph.resources(sorted(kinds)), None) is None:
                continue
            ctx = CheckContext(graph, active.meta, active.params, self.config)
            try:
                candidates.extend(from_violation(active.meta, active.severity, v, where)
                                  for v in check.func(ctx))
            except Exception as exc:
                errors.append(ScanError(
                    kind="check-crashed",
                    message=f"{active.meta.id} {active.meta.name}: {crash_message(exc)}",
                    plugin=check.plugin))
        result = ScanResult(
            version=iacguard_version(),
            root=self.root.as_posix(),
            findings=FindingPipeline([*self.pipeline.stages,
                                      mask_graph_wide(graph_secrets(graph.resources())),
                                      self._suppression_stage(graph, where),
                                      *self.observers]).run(candidates),
            errors=sorted(errors, key=lambda e: (e.kind, e.path or "", e.message)),
            policies=[p.meta for p in self.policies],
            files_scanned=len({f for u in self.units.values() for f in u.files()}),
            resources=len(graph),
            fail_on=self.config.fail_on,
            stats=_summed_stats(self.units.values()),
        )
        return result, graph

    def _suppression_stage(self, graph: ResourceGraph, where: Located) -> SuppressionStage:
        by_name = {p.meta.name: Reporting(p.meta, p.severity) for p in self.policies}
        comments = [c for u in self.units.values() for c in u.result.comments]
        return SuppressionStage(
            where=where, catalogue=self.catalogue, rules=self.config.suppressions,
            today=self.today, comments=comments, resources=list(graph.resources()),
            baseline=self.baseline, baseline_file=self.baseline_file,
            invalid=by_name.get(INVALID_RULE), unused=by_name.get(UNUSED_RULE))


def _summed_stats(units: Iterable[Unit]) -> dict[str, int]:
    total: dict[str, int] = {}
    for unit in units:
        for key, value in unit.result.stats.items():
            total[key] = total.get(key, 0) + value
    return dict(sorted(total.items()))


def _touched(unit: Unit, changed: set[Path]) -> bool:
    return any(c == unit.path or c in unit.files() or unit.inputs.touches(c) for c in changed)


def _unique_id(graph: ResourceGraph, rid: str) -> str:
    if rid not in graph:
        return rid
    n = 2
    while f"{rid}#{n}" in graph:
        n += 1
    return f"{rid}#{n}"


# Problems with the input and with suppressions are reported whatever `--select` names.
ALWAYS_SELECTED = ("parse-error", "suppressions")


def _selected(policy: PolicyMeta, config: Config) -> bool:
    keys = {policy.id, policy.name, policy.category, *policy.aliases}
    settings = [config.policies[k] for k in (policy.id, policy.name) if k in config.policies]
    enabled = policy.enabled
    for s in settings:
        if s.enabled is not None:
            enabled = s.enabled
    if config.select and not keys & set(config.select) and policy.category not in ALWAYS_SELECTED:
        return False
    if keys & set(config.ignore):
        return False
    return enabled


def _validated_params(checks: CheckRegistry, meta: PolicyMeta, settings: dict[str, Any],
                      config: Config, edge_kinds: Iterable[str]) -> BaseModel:
    """A policy's parameters; a bad value from the configuration is a configuration error
    naming its key (`policies.<policy>.params.<name>`)."""
    try:
        return checks.validate_params(meta, settings, edge_kinds)
    except PolicyDefinitionError as exc:
        keys = [k for k in (meta.id, meta.name) if config.policies.get(k) and
                config.policies[k].params]
        if not keys:
            raise
        lines = [f"key policies.{keys[0]}.params.{problem.removeprefix('params.')}"
                 for problem in exc.problems]
        raise ConfigError(f"invalid configuration: params of {meta.name} ({meta.id}):\n"
                          + "\n".join(lines)) from exc


def open_session(plugins: Plugins, config: Config, paths: Sequence[Path]) -> Session:
    """Validate the catalogue against the registered checks and the configuration."""
    catalogue = load_catalogue([*plugins.policy_dirs(), *map(Path, config.policy_dirs)])
    checks = plugins.register_checks()
    config = resolve_selection(catalogue, config)  # typos are errors, ids case-insensitive
    active: list[ActivePolicy] = []
    edge_kinds = frozenset({k.value for k in EdgeKind} | set(plugins.edge_kinds()))
    for meta in catalogue:
        if meta.check != LOAD_PROBLEM_CHECK and checks.get(meta.check_name) is None:
            raise PolicyDefinitionError(policy_file(meta), [unregistered(meta, checks)])
        settings: dict[str, Any] = {}
        severity = meta.severity
        for key in (meta.id, meta.name):
            if key in config.policies:
                settings.update(config.policies[key].params)
                if config.policies[key].severity is not None:
                    severity = config.policies[key].severity  # type: ignore[assignment]
        params = None
        if meta.check != LOAD_PROBLEM_CHECK:
            params = _validated_params(checks, meta, settings, config, edge_kinds)
        if _selected(meta, config):
            active.append(ActivePolicy(meta, severity, params))
    return Session(plugins, config, scan_root(paths), active, catalogue, checks, edge_kinds)


def scan(plugins: Plugins, config: Config, paths: Sequence[Path]) -> tuple[ScanResult, ResourceGraph]:
    session = open_session(plugins, config, paths)
    session.load(paths)
    return session.check()
