"""A scan's session as the command line opens it: the configuration (file, then flags),
a manifest read from stdin (`-`), and the checks that keep a gate from passing silently
(nothing to scan, `--exclude` patterns that match nothing)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from iacguard.baseline import read as read_baseline
from iacguard.cache import UnitCache, code_fingerprint, default_cache_dir
from iacguard.cli_options import STDIN, UsageError, check_paths
from iacguard.config import Config
from iacguard.config_layers import effective_config
from iacguard.engine import Session, open_session
from iacguard.file_context import context_directories, context_root
from iacguard.fs import FileSystem
from iacguard.parallel import UnitLoader, default_jobs
from iacguard.plugin import Plugins

STDIN_NAME = "stdin.yaml"  # how a manifest read from `-` is named in reports


def _scanned(paths: list[Path]) -> list[Path]:
    return [Path.cwd() / STDIN_NAME if str(p) == STDIN else p for p in paths]


def run_config(args: argparse.Namespace, plugin_options: list[str], **overrides: Any) -> Config:
    """The run's configuration: the organisation's config, the repository's (discovered
    upward from the first path), then the command line on top."""
    check_paths(args.paths)
    paths = [p for p in args.paths if str(p) != STDIN] or [Path.cwd()]
    options = {k: getattr(args, k) for k in plugin_options
               if getattr(args, k, None) not in (None, [])}
    if getattr(args, "report_unused_suppressions", False):
        overrides["suppressions"] = {"report_unused": True}
    for limit in ("unit_budget_seconds", "scan_deadline_seconds"):
        overrides[limit] = getattr(args, limit, None)
    config = effective_config(paths[0], config_file=args.config,
                              org_file=getattr(args, "org_config", None),
                              overrides={**overrides, "exclude": args.exclude,
                                         "gitignore": args.gitignore, "options": options}).config
    extra = [str(d.resolve()) for d in getattr(args, "policy_dir", None) or []]
    if extra:
        config = config.model_copy(update={"policy_dirs": [*config.policy_dirs, *extra]})
    return config


def _open(args: argparse.Namespace, plugins: Plugins, config: Config) -> tuple[Session, list[Path]]:
    """The session and the paths to load: as given, or (`--in-context`) the directories the
    named files belong to, from the repository root (`file_context.py`)."""
    if not getattr(args, "in_context", False):
        paths = _scanned(args.paths)
        return open_session(plugins, config, paths), paths
    if any(str(p) == STDIN for p in args.paths):
        raise UsageError("--in-context names files in a checkout; `-` (stdin) has no context")
    session = open_session(plugins, config, [context_root(args.paths)])
    paths, session.shallow = context_directories(session.planner, args.paths)
    return session, paths


def loaded_session(args: argparse.Namespace, plugins: Plugins, config: Config) -> Session:
    """Open the session on `args.paths`, load them, and refuse a scan that read nothing."""
    session, paths = _open(args, plugins, config)
    cache = None if args.no_cache else UnitCache(args.cache_dir or default_cache_dir(),
                                                 code_fingerprint(plugins))
    session.loader = UnitLoader(jobs=args.jobs or default_jobs(), cache=cache,
                                blocked=tuple(getattr(args, "disable_plugin", None) or ()))
    if getattr(args, "baseline", None) is not None:
        session.baseline, session.baseline_file = read_baseline(args.baseline), args.baseline
    if any(str(p) == STDIN for p in args.paths):
        data = sys.stdin.buffer.read()
        if not data.strip():  # `helm template ... | iacguard scan -` where the producer failed
            raise UsageError("nothing to scan: stdin (`-`) was empty")
        session.fs = FileSystem({Path(os.path.abspath(paths[args.paths.index(Path(STDIN))])): data})
    from iacguard.progress import UnitProgress  # rich: imported only when a scan runs
    from iacguard.progress import wanted as progress_wanted

    with UnitProgress() as progress:
        if progress_wanted(getattr(args, "quiet", False)):
            session.loader.progress = progress
        session.load(paths)
    session.loader.progress = None
    if cache is not None:
        cache.prune()
    for pattern in session.excluder.unmatched():
        print(f"iacguard: warning: exclude pattern {pattern!r} matched nothing under "
              f"{session.root}", file=sys.stderr)
    if not session.units:
        shown = ", ".join(str(p) for p in args.paths)
        raise UsageError(
            f"nothing to scan in {shown}: no Terraform, Terraform plan, Helm chart, "
            "kustomization or Kubernetes manifest found" + _why_empty(session))
    return session


def _why_empty(session: Session) -> str:
    skipped = session.excluder.skipped
    if not skipped:
        return ""
    shown = ", ".join(skipped[:3]) + (", ..." if len(skipped) > 3 else "")
    return (f"; {len(skipped)} paths were skipped by exclude patterns or .gitignore ({shown}; "
            "--no-gitignore scans what .gitignore ignores)")
