"""One tree scanned for a review: the findings with what anchoring needs beyond the report
(the resource, the logical path, the related resources), their paths repository-relative.

Both trees are scanned with one configuration and the same root relative to the tree's top,
so resource ids, and with them fingerprints, agree wherever a file did not change.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from iacguard.baseline import read as read_baseline
from iacguard.cache import UnitCache, code_fingerprint, default_cache_dir
from iacguard.config import Config
from iacguard.engine import open_session
from iacguard.findings import Candidate
from iacguard.model import Finding, Location, PolicyMeta, Resource, ScanError, Severity
from iacguard.parallel import UnitLoader, default_jobs
from iacguard.plugin import Plugins


@dataclass(frozen=True)
class Scanned:
    """A finding with its causes; its locations' paths are repository-relative (the
    report's are relative to the scan root)."""

    finding: Finding
    resource: Resource | None
    logical_path: tuple[str | int, ...]
    related: tuple[tuple[Resource, tuple[str | int, ...]], ...]

    @property
    def path(self) -> str:
        return self.finding.location.path

    @property
    def fingerprint(self) -> str:
        return self.finding.fingerprint

    @property
    def suppressed(self) -> bool:
        return self.finding.suppression is not None

    def sort_key(self) -> tuple[int, str, int, str, str]:
        """Most severe first, then by place."""
        f = self.finding
        return (-int(f.severity), self.path, f.location.start_line, f.rule_id, f.fingerprint)


@dataclass(frozen=True)
class Tree:
    """A checkout of one side: `top` stands for the repository's top, `root` (under it) is
    where the scan is rooted (`relroot`, the same for both sides)."""

    top: Path
    relroot: PurePosixPath

    @property
    def root(self) -> Path:
        return self.top.joinpath(*self.relroot.parts)

    def repo_path(self, root_relative: str) -> str:
        """A path the scan reported (relative to the root) as the repository sees it."""
        return (self.relroot / root_relative).as_posix() if self.relroot.parts else root_relative

    def relative(self, file: str) -> str | None:
        """An absolute path (as spans carry them) relative to the top; None: outside it."""
        try:
            return Path(os.path.abspath(file)).relative_to(self.top).as_posix()
        except ValueError:
            return None


@dataclass(frozen=True)
class TreeScan:
    tree: Tree
    findings: tuple[Scanned, ...]
    errors: tuple[ScanError, ...]
    fail_on: Severity
    units: int
    catalogue: Mapping[str, PolicyMeta]
    unmatched_excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadOptions:
    """How units are loaded (the scan's `--jobs`, `--cache-dir`, `--no-cache`, `--baseline`)."""

    jobs: int | None = None
    cache_dir: Path | None = None
    no_cache: bool = False
    blocked: tuple[str, ...] = ()
    baseline: Path | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LoadOptions:
        return cls(args.jobs, args.cache_dir, args.no_cache,
                   tuple(getattr(args, "disable_plugin", None) or ()), args.baseline)


def scan_tree(plugins: Plugins, config: Config, options: LoadOptions, tree: Tree,
              paths: list[PurePosixPath]) -> TreeScan:
    """Scan the `paths` (repository-relative) that exist in `tree`, rooted at `tree.root`;
    a side with none of them has no findings (a pull request adding the first files)."""
    present = [p for p in (tree.top.joinpath(*rel.parts) for rel in paths) if p.exists()]
    session = open_session(plugins, config, present or [tree.root])
    session.root = tree.root  # not the paths' common directory: the same on both sides
    cache = None if options.no_cache else UnitCache(options.cache_dir or default_cache_dir(),
                                                    code_fingerprint(plugins))
    session.loader = UnitLoader(jobs=options.jobs or default_jobs(), cache=cache,
                                blocked=options.blocked)
    if options.baseline is not None:
        session.baseline, session.baseline_file = read_baseline(options.baseline), options.baseline
    captured: dict[str, Candidate] = {}

    def capture(candidates: list[Candidate]) -> list[Candidate]:
        captured.update((c.finding.fingerprint, c) for c in candidates)
        return candidates

    session.observers.append(capture)
    if present:
        session.load(present)
    if cache is not None:
        cache.prune()
    result, _ = session.check()
    found = []
    for finding in result.findings:
        c = captured.get(finding.fingerprint)
        found.append(Scanned(_in_repository(finding, tree), c.resource if c else None,
                             c.path if c else (), c.related if c else ()))
    return TreeScan(tree, tuple(found), tuple(result.errors), result.fail_on, len(session.units),
                    {m.id: m for m in session.catalogue},
                    tuple(session.excluder.unmatched()) if present else ())


def _in_repository(finding: Finding, tree: Tree) -> Finding:
    def moved(loc: Location) -> Location:
        return loc.model_copy(update={"path": tree.repo_path(loc.path)})

    return finding.model_copy(update={"location": moved(finding.location),
                                      "related": [moved(r) for r in finding.related]})
