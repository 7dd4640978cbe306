"""Adds the `scan-many` subcommand; Dask is imported only when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from iacguard import hookimpl
from iacguard.errors import IacguardError


def _positive(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {value!r}")
    return number


@hookimpl
def iacguard_add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    many = subparsers.add_parser(
        "scan-many", help="scan many repositories (already cloned) on a Dask cluster",
        description="One `iacguard scan` per repository, run on a Dask distributed cluster; "
                    "results stream to a JSONL file as they complete, then a merged report.")
    many.add_argument("repos", type=Path, metavar="FILE",
                      help="file listing repository paths, one a line ('-': standard input)")
    many.add_argument("--jsonl", type=Path, required=True, metavar="FILE",
                      help="one line per repository (summary and findings), written as they complete")
    many.add_argument("--merged", type=Path, metavar="FILE",
                      help="the merged report: findings of every repository, de-duplicated by fingerprint")
    many.add_argument("--scheduler", metavar="ADDRESS",
                      help="a running scheduler (tcp://host:8786); default: an in-process LocalCluster")
    many.add_argument("--workers", type=int, default=None,
                      help="LocalCluster workers (default: the CPU count)")
    many.add_argument("--timeout", type=_positive, default=600.0, metavar="SECONDS",
                      help="per repository: the scan is killed after this long (default: 600)")
    many.add_argument("--memory", type=_positive, default=2048.0, metavar="MIB",
                      help="per repository: address-space limit of the scan process (default: 2048)")
    many.add_argument("--retries", type=int, default=1,
                      help="times a repository is retried when its scan crashes (default: 1)")
    many.add_argument("--max-pending", type=int, default=64, metavar="N",
                      help="repositories submitted to the cluster at any one time (default: 64)")
    many.add_argument("--scan-arg", action="append", default=[], metavar="ARG",
                      help="passed to each `iacguard scan` (repeatable), e.g. --scan-arg=--select=RBAC001")

    def run(args: argparse.Namespace) -> int:
        try:
            from iacguard_builtin.distributed.runner import Limits, run_many
        except ImportError as exc:
            raise IacguardError(f"scan-many needs Dask: pip install 'iacguard[distributed]' ({exc})") \
                from exc

        return run_many(args.repos, args.jsonl, args.merged, args.scheduler, args.workers,
                        Limits(args.timeout, args.memory, args.retries, args.max_pending,
                               tuple(args.scan_arg)))

    many.set_defaults(run=run)
