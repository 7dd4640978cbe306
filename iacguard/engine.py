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

import fnmatch
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from iacguard.budget import Budget, Clock, not_checked_message
from iacguard.checks import CheckContext, CheckRegistry
from iacguard.config import Config
from iacguard.errors import PolicyDefinitionError
from iacguard.findings import (
    Candidate,
    FindingPipeline,
    Located,
    from_problem,
    from_violation,
    graph_secrets,
    mask_findings,
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
from iacguard.planning import LEGACY_LOADER, PlannedUnit, Planner, crash_message, symlinks_problem
from iacguard.plugin import Plugins
from iacguard.policies import LOAD_PROBLEM_CHECK, load_catalogue
from iacguard.scopes import resource_scope, unit_scope


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

    @property
    def inputs(self) -> Inputs:
        return self.result.inputs

    def files(self) -> set[Path]:
        owned = self.claim.owns if self.claim is not None else ()
        return {self.path, *(Path(p).resolve() for p in (*owned, *self.result.consumed))}


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
    paths: list[Path] = field(default_factory=list)
    loads: int = 0  # counter: units loaded (not reused) over the session's life
    clock: Clock = time.monotonic  # for the time budgets (tests inject a counter)
    budget: Budget = field(default_factory=Budget)  # the latest refresh's
    _planner: Planner | None = None

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

    def _excluded(self, path: Path) -> bool:
        rel = LoadContext(self.root, self.config).relpath(path)
        return any(fnmatch.fnmatch(rel, pattern) for pattern in self.config.exclude)

    def _refresh(self, changed: set[Path] | None) -> None:
        self.budget = Budget(self.config.unit_budget_seconds, self.config.scan_deadline_seconds,
                             self.clock).start()
        plan = self.planner.plan(self.paths)
        kept: dict[Path, Unit] = {}
        for path, planned in plan.units.items():
            old = self.units.get(path)
            if old is not None and changed is not None and not old.not_checked and (
                    old.result is planned.legacy if planned.legacy is not None
                    else old.claim == planned.claim and not _touched(old, changed)):
                kept[path] = old
            elif self.budget.scan_expired():
                kept[path] = self._not_checked(path, planned)
            else:
                kept[path] = self._load_unit(path, planned)
        for path in plan.unclaimed:
            kept[path] = self._unclaimed(path)
        # Files a unit consumed while loading (a Terraform `file()` target) are reported
        # through that unit only; computed over all units, so independent of load order.
        consumed = {Path(p).resolve() for u in kept.values() for p in u.result.consumed
                    if Path(p).resolve() != u.path}
        self.units = {p: u for p, u in kept.items() if p not in consumed}

    def _load_unit(self, path: Path, planned: PlannedUnit) -> Unit:
        self.loads += 1
        if planned.legacy is not None:
            return self._unit(path, planned, planned.legacy, planned.crashed)
        ctx = self.context().recording()
        assert ctx.fs.inputs is not None
        try:
            with self.budget.unit():
                result = self.plugins.load(planned.claim, ctx) or LoadResult()
        except Exception as exc:  # a loader bug: report it, keep scanning the rest
            plugin = self.plugins.culprit(exc)
            error = ScanError(kind="loader-crashed", message=crash_message(exc, plugin),
                              path=ctx.relpath(path), plugin=plugin)
            return self._unit(path, planned, LoadResult(inputs=ctx.fs.inputs), error)
        ctx.fs.inputs.merge(planned.inputs)
        result.inputs = ctx.fs.inputs
        return self._unit(path, planned, result, None)

    def _unit(self, path: Path, planned: PlannedUnit, result: LoadResult,
              crashed: ScanError | None) -> Unit:
        rel = LoadContext(self.root, self.config).relpath(path)
        scope = unit_scope(rel, planned.is_directory, self.config)
        resources = [r if r.scope is not None else
                     r.model_copy(update={"scope": resource_scope(scope, r.variant)})
                     for r in result.resources]
        return Unit(path, result, crashed, planned.claim, scope, resources)

    def _not_checked(self, path: Path, planned: PlannedUnit) -> Unit:
        self.budget.units_not_checked += 1
        problem = LoadProblem(span=SourceSpan(file=str(path), precision="file"), rule="not-checked",
                              message=not_checked_message(self.budget))
        unit = self._unit(path, planned, LoadResult(problems=[problem]), None)
        unit.not_checked = True
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
            check = self.checks.get(active.meta.check)
            assert check is not None
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
            findings=mask_findings(self.pipeline.run(candidates), graph_secrets(graph.resources())),
            errors=sorted(errors, key=lambda e: (e.kind, e.path or "", e.message)),
            policies=[p.meta for p in self.policies],
            files_scanned=len({f for u in self.units.values() for f in u.files()}),
            resources=len(graph),
            fail_on=self.config.fail_on,
            stats=_summed_stats(self.units.values()),
        )
        return result, graph


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


def _selected(policy: PolicyMeta, config: Config) -> bool:
    keys = {policy.id, policy.name, policy.category, *policy.aliases}
    settings = [config.policies[k] for k in (policy.id, policy.name) if k in config.policies]
    enabled = policy.enabled
    for s in settings:
        if s.enabled is not None:
            enabled = s.enabled
    if config.select and not keys & set(config.select) and policy.category != "parse-error":
        return False
    if keys & set(config.ignore):
        return False
    return enabled


def open_session(plugins: Plugins, config: Config, paths: Sequence[Path]) -> Session:
    """Validate the catalogue against the registered checks and the configuration."""
    catalogue = load_catalogue(plugins.policy_dirs())
    checks = plugins.register_checks()
    known = {k for p in catalogue for k in (p.id, p.name, *p.aliases)}
    unknown = sorted(set(config.policies) - known)
    if unknown:
        raise PolicyDefinitionError("configuration", [f"unknown policy {k!r}" for k in unknown])
    active: list[ActivePolicy] = []
    for meta in catalogue:
        if meta.check != LOAD_PROBLEM_CHECK and checks.get(meta.check) is None:
            raise PolicyDefinitionError(meta.name, [f"check {meta.check!r} is not registered"])
        settings: dict[str, Any] = {}
        severity = meta.severity
        for key in (meta.id, meta.name):
            if key in config.policies:
                settings.update(config.policies[key].params)
                if config.policies[key].severity is not None:
                    severity = config.policies[key].severity  # type: ignore[assignment]
        params = None
        if meta.check != LOAD_PROBLEM_CHECK:
            params = checks.validate_params(meta, settings)
        if _selected(meta, config):
            active.append(ActivePolicy(meta, severity, params))
    edge_kinds = frozenset({k.value for k in EdgeKind} | set(plugins.edge_kinds()))
    return Session(plugins, config, scan_root(paths), active, catalogue, checks, edge_kinds)


def scan(plugins: Plugins, config: Config, paths: Sequence[Path]) -> tuple[ScanResult, ResourceGraph]:
    session = open_session(plugins, config, paths)
    session.load(paths)
    return session.check()
