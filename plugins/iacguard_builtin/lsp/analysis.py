"""The workspace as the engine sees it: one `Session`, fed the editor's buffers as overlays.

Every result is an immutable `Snapshot` (findings per file, with the resource and logical
path each finding names), so requests answered while the next check runs read a consistent
view.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from iacguard.config import CONFIG_FILE_NAMES, Config, build_config, find_config_file
from iacguard.config_layers import effective_config
from iacguard.engine import Session, open_session
from iacguard.errors import IacguardError
from iacguard.findings import Candidate
from iacguard.graph import ResourceGraph
from iacguard.model import Finding, PolicyMeta, Resource, ScanError
from iacguard.plugin import Plugins


@dataclass(frozen=True)
class Issue:
    """A finding with what editors need beyond the report: the resource and logical path."""

    finding: Finding
    file: Path  # absolute
    resource: Resource | None
    path: tuple[str | int, ...]


@dataclass(frozen=True)
class Snapshot:
    root: Path
    issues: Mapping[Path, tuple[Issue, ...]]
    errors: tuple[ScanError, ...]
    catalogue: Mapping[str, PolicyMeta]
    graph: ResourceGraph | None
    policy_params: Mapping[str, object] = field(default_factory=dict)  # rule id -> params

    def in_file(self, path: Path) -> tuple[Issue, ...]:
        return self.issues.get(path, ())


def normalize(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve()


def is_config_file(path: Path) -> bool:
    return path.name in CONFIG_FILE_NAMES


class Analysis:
    """Owns the session. Not thread-safe: the server calls it from one worker at a time."""

    def __init__(self, plugins: Plugins, root: Path) -> None:
        self.plugins = plugins
        self.root = normalize(root)
        self.config_problem: str | None = None
        self._captured: list[Candidate] = []
        self.session = self._open()

    def _config(self) -> Config:
        self.config_problem = None
        try:
            return effective_config(self.root).config
        except IacguardError as exc:  # a half-edited config must not stop the server
            self.config_problem = str(exc)
            return build_config({}, {})

    def _open(self) -> Session:
        session = open_session(self.plugins, self._config(), [self.root])
        session.observers.append(self._capture)
        return session

    def _capture(self, candidates: list[Candidate]) -> list[Candidate]:
        """The pipeline's last stage: keep the candidates that become this check's findings."""
        self._captured = list(candidates)
        return candidates

    # -- changes ----------------------------------------------------------------------
    def index(self) -> Snapshot:
        self.session.load([self.root])
        snapshot = self.check()
        # The index is most of what the server keeps (parse trees, units): leave it out of the
        # cyclic collector's full passes, which otherwise walk all of it every few edits
        # (~0.5 s each on the largest corpus module). What an earlier index froze is unfrozen
        # and collected first, so a re-index (a changed configuration) leaks nothing.
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        return snapshot

    def update(self, overlays: Mapping[Path, bytes | None], changed: Iterable[Path]) -> Snapshot:
        """Buffers opened, edited or closed (`None`: back to the disk) and files changed on
        disk; a changed configuration file re-opens the session with the same buffers."""
        changed = {normalize(p) for p in changed}
        if any(is_config_file(p) for p in (*changed, *overlays)):
            buffers = dict(self.session.fs.overlays)
            self.session = self._open()
            for path, content in overlays.items():
                buffers.pop(normalize(path), None)
                if content is not None:
                    buffers[normalize(path)] = content
            for path, content in buffers.items():
                self.session.set_overlay(path, content)
            return self.index()
        for path, content in overlays.items():
            self.session.set_overlay(path, content)
        if changed - {normalize(p) for p in overlays}:
            self.session.reload(*sorted(changed))
        return self.check()

    def reconfigure(self) -> Snapshot:
        return self.update({}, [self.root / CONFIG_FILE_NAMES[0]])

    # -- results ----------------------------------------------------------------------
    def check(self) -> Snapshot:
        result, graph = self.session.check()
        by_fp = {c.finding.fingerprint: c for c in self._captured}
        issues: dict[Path, list[Issue]] = {}
        for finding in result.findings:
            if finding.suppression is not None:  # suppressed: shown in reports, not as a problem
                continue
            file = self.root / finding.location.path
            c = by_fp.get(finding.fingerprint)
            issues.setdefault(file, []).append(
                Issue(finding, file, c.resource if c else None, c.path if c else ()))
        errors = list(result.errors)
        if self.config_problem is not None:
            config = find_config_file(self.root)
            errors.append(ScanError(kind="config", message=self.config_problem,
                                    path=config.name if config else None))
        params = {p.meta.id: p.params for p in self.session.policies if p.params is not None}
        return Snapshot(self.root, {k: tuple(v) for k, v in issues.items()}, tuple(errors),
                        {m.id: m for m in self.session.catalogue}, graph, params)

    def text_of(self, path: Path) -> str:
        """What the engine reads for `path` (the buffer if open), "" when unreadable."""
        try:
            return self.session.fs.read_text(normalize(path), errors="replace")
        except OSError:
            return ""
