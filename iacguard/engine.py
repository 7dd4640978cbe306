"""The sole orchestrator: walk -> load (per file or claimed directory) -> link -> check.

Loading is split into *units* (a file, or a directory a loader claimed), each loaded by a
pure function of its files and the configuration. A `Session` keeps the result of every
unit, so one unit can be re-loaded (an editor saving a file) without re-loading the rest;
the graph is then rebuilt from the kept units and re-linked, which is cheap.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from iacguard.checks import CheckContext, CheckRegistry
from iacguard.config import Config
from iacguard.errors import PolicyDefinitionError
from iacguard.graph import ResourceGraph
from iacguard.loading import LoadContext, LoadProblem, LoadResult
from iacguard.model import (
    Finding,
    Location,
    PolicyMeta,
    Resource,
    ResourceRef,
    ScanError,
    ScanResult,
    Severity,
    SourceSpan,
    Violation,
)
from iacguard.plugin import Plugins
from iacguard.policies import LOAD_PROBLEM_CHECK, load_catalogue
from iacguard.values import pointer

SKIPPED_DIRS = {"node_modules", "__pycache__"}


def iacguard_version() -> str:
    try:
        return version("iacguard")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def scan_root(paths: Sequence[Path]) -> Path:
    """The directory reported paths are relative to."""
    dirs = [p if p.is_dir() else p.parent for p in (q.resolve() for q in paths)]
    return Path(os.path.commonpath([str(d) for d in dirs])) if dirs else Path.cwd()


@dataclass
class ActivePolicy:
    meta: PolicyMeta
    severity: Severity
    params: BaseModel | None  # None for load-problem policies


@dataclass
class Unit:
    """One loaded unit and what it yielded."""

    path: Path
    result: LoadResult
    crashed: ScanError | None = None


@dataclass
class Session:
    plugins: Plugins
    config: Config
    root: Path
    policies: list[ActivePolicy]
    catalogue: list[PolicyMeta]
    checks: CheckRegistry
    units: dict[Path, Unit] = field(default_factory=dict)
    consumed: set[Path] = field(default_factory=set)  # files some unit already handled

    # -- loading ----------------------------------------------------------------------
    def load(self, paths: Iterable[Path]) -> None:
        for path in paths:
            path = path.resolve()
            if path.is_dir():
                self._walk(path)
            elif path.is_file():
                self._load_unit(path)

    def reload(self, file: Path) -> None:
        """Re-load the unit that holds `file` (or `file` alone if it is new)."""
        file = file.resolve()
        owner = next((u.path for u in self.units.values() if file in self._files_of(u)), file)
        self.units.pop(owner, None)
        if owner.exists():
            self._load_unit(owner)

    def _files_of(self, unit: Unit) -> set[Path]:
        return {unit.path, *unit.result.consumed}

    def _excluded(self, path: Path) -> bool:
        rel = LoadContext(self.root, self.config).relpath(path)
        return any(fnmatch.fnmatch(rel, pattern) for pattern in self.config.exclude)

    def _walk(self, directory: Path) -> None:
        if self._excluded(directory):
            return
        claimed = self._load_unit(directory)
        if claimed is not None and not claimed.descend:
            return
        try:
            entries = sorted(directory.iterdir(), key=lambda p: p.name)
        except OSError:
            return
        for entry in entries:
            if entry.is_symlink() or entry in self.consumed or self._excluded(entry):
                continue
            if entry.is_file():
                self._load_unit(entry)
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                if entry.name.startswith(".") or entry.name in SKIPPED_DIRS:
                    continue
                self._walk(entry)

    def _load_unit(self, path: Path) -> LoadResult | None:
        ctx = LoadContext(root=self.root, config=self.config)
        try:
            result = self.plugins.collect(path, ctx)
        except Exception as exc:  # a loader bug: report it, keep scanning the rest
            error = ScanError(
                kind="loader-crashed",
                message=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}",
                path=ctx.relpath(path),
            )
            self.units[path] = Unit(path, LoadResult(), crashed=error)
            return None
        if result is None:
            return None
        self.units[path] = Unit(path, result)
        # A file another unit reads (a Terraform `file()`, a kustomization's resources) is
        # reported through that unit only, whether it was walked before or comes later.
        for file in (p.resolve() for p in result.consumed):
            self.consumed.add(file)
            if file != path and file in self.units and not file.is_dir():
                del self.units[file]
        return result

    # -- graph ------------------------------------------------------------------------
    def build_graph(self) -> tuple[ResourceGraph, list[ScanError]]:
        graph = ResourceGraph()
        for unit in sorted(self.units.values(), key=lambda u: str(u.path)):
            for resource in unit.result.resources:
                if resource.id in graph:
                    resource = resource.model_copy(update={"id": _unique_id(graph, resource.id)})
                graph.add_resource(resource)
        errors: list[ScanError] = []
        try:
            self.plugins.link(graph, self.config, self.root)
        except Exception as exc:
            errors.append(
                ScanError(
                    kind="linker-crashed",
                    message=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}",
                )
            )
        return graph, errors

    # -- checking ---------------------------------------------------------------------
    def check(self) -> tuple[ScanResult, ResourceGraph]:
        graph, errors = self.build_graph()
        errors = [u.crashed for u in self.units.values() if u.crashed] + errors
        findings: dict[str, Finding] = {}
        across_variants: dict[tuple[str, str, int, str], list[Finding]] = {}
        by_name = {p.meta.name: p for p in self.policies}
        for unit in self.units.values():
            for index, problem in enumerate(unit.result.problems):
                active = by_name.get(problem.rule)
                if active is not None:
                    finding = self._problem_finding(active, problem, index)
                    findings.setdefault(finding.fingerprint, finding)
        for active in self.policies:
            if active.params is None:
                continue
            check = self.checks.get(active.meta.check)
            assert check is not None
            ctx = CheckContext(graph, active.meta, active.params, self.config)
            try:
                for violation in check.func(ctx):
                    finding = self._finding(active, violation)
                    if violation.resource.variant is None:
                        findings.setdefault(finding.fingerprint, finding)
                        continue
                    identity = _variant_free_identity(active.meta, violation)
                    loc = finding.location
                    across_variants.setdefault((identity, loc.path, loc.start_line, finding.message),
                                               []).append(finding)
            except Exception as exc:
                errors.append(
                    ScanError(
                        kind="check-crashed",
                        message=f"{active.meta.id} {active.meta.name}: {type(exc).__name__}: "
                        f"{exc}\n{traceback.format_exc(limit=4)}",
                        plugin=check.plugin,
                    )
                )
        for finding in _merge_variants(across_variants):
            findings.setdefault(finding.fingerprint, finding)
        result = ScanResult(
            version=iacguard_version(),
            root=self.root.as_posix(),
            findings=sorted(findings.values(), key=Finding.sort_key),
            errors=sorted(errors, key=lambda e: (e.kind, e.path or "", e.message)),
            policies=[p.meta for p in self.policies],
            files_scanned=len({f for u in self.units.values() for f in self._files_of(u)}),
            resources=len(graph),
            fail_on=self.config.fail_on,
        )
        return result, graph

    def _location(self, span: SourceSpan) -> Location:
        return Location(
            path=LoadContext(self.root, self.config).relpath(Path(span.file)),
            start_line=span.start_line,
            end_line=max(span.end_line, span.start_line),
            start_col=span.start_col,
            end_col=span.end_col,
            precision=span.precision,
        )

    def _finding(self, active: ActivePolicy, violation: Violation) -> Finding:
        resource = violation.resource
        meta = active.meta
        identity = f"{meta.id}|{resource.id}|{pointer(violation.path)}|{violation.key}"
        return Finding(
            rule_id=meta.id,
            rule_name=meta.name,
            category=meta.category,
            severity=violation.severity if violation.severity is not None else active.severity,
            title=meta.title,
            message=violation.message,
            resource=_ref(resource),
            location=self._location(resource.span_for(violation.path)),
            related=[self._location(r.span_for(p)) for r, p in violation.related],
            fingerprint=_fingerprint(identity),
            context=dict(sorted(resource.context.items())),
        )

    def _problem_finding(self, active: ActivePolicy, problem: LoadProblem, index: int) -> Finding:
        location = self._location(problem.span)
        ref = ResourceRef(id=f"file:{location.path}", kind="File", name=location.path,
                          format="file")
        return Finding(
            rule_id=active.meta.id,
            rule_name=active.meta.name,
            category=active.meta.category,
            severity=active.severity,
            title=active.meta.title,
            message=problem.message,
            resource=ref,
            location=location,
            fingerprint=_fingerprint(f"{active.meta.id}|{ref.id}|{index}|{problem.message}"),
        )


def _variant_free_identity(meta: PolicyMeta, violation: Violation) -> str:
    """What a finding is about, leaving out which variant (values profile, overlay) produced it."""
    r = violation.resource
    return (f"{meta.id}|{r.format}|{r.kind}|{r.namespace}|{r.name}|{pointer(violation.path)}|"
            f"{violation.key}")


def _merge_variants(groups: dict[tuple[str, str, int, str], list[Finding]]) -> list[Finding]:
    """One finding for what several variants report identically (same rule, object, place and
    message), its context listing every variant's value (e.g. `profile: ci-a, default`).

    The fingerprint leaves the variant out, so it does not change when a profile is added;
    where variants disagree (different messages), each keeps its own fingerprint.
    """
    identities = [key[0] for key in groups]
    merged: list[Finding] = []
    for (identity, path, _, _), members in groups.items():
        members = sorted(members, key=lambda f: (sorted(f.context.items()), f.resource.id))
        context: dict[str, str] = {}
        for key in sorted({k for f in members for k in f.context}):
            values = sorted({f.context[key] for f in members if key in f.context})
            context[key] = ", ".join(values)
        first = members[0]
        unique = identities.count(identity) == 1
        fingerprint = _fingerprint(f"{identity}|{path}") if unique else first.fingerprint
        merged.append(first.model_copy(update={"context": context, "fingerprint": fingerprint}))
    return merged


def _ref(resource: Resource) -> ResourceRef:
    return ResourceRef(
        id=resource.id,
        kind=resource.kind,
        name=resource.name,
        format=resource.format,
        namespace=resource.namespace,
        address=resource.address,
    )


def _fingerprint(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def _unique_id(graph: ResourceGraph, rid: str) -> str:
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
    return Session(plugins, config, scan_root(paths), active, catalogue, checks)


def scan(plugins: Plugins, config: Config, paths: Sequence[Path]) -> tuple[ScanResult, ResourceGraph]:
    session = open_session(plugins, config, paths)
    session.load(paths)
    return session.check()
