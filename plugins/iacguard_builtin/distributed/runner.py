"""The driver of `scan-many`: submits repositories to a Dask cluster with a bounded number in
flight, writes each result to the JSONL file as it completes, then the merged report."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from dask.distributed import Client, Future, LocalCluster, as_completed

from iacguard.parallel import default_jobs
from iacguard_builtin.distributed.task import Limits, scan_repository

__all__ = ["Limits", "merge", "read_repositories", "run_many"]


def read_repositories(source: Path) -> list[str]:
    text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
    repos = [line.strip() for line in text.splitlines()]
    return [str(Path(r).resolve()) for r in repos if r and not r.startswith("#")]


def _failure(repo: str, exc: BaseException) -> dict[str, Any]:
    return {"repo": repo, "status": "error", "seconds": None,
            "message": f"{type(exc).__name__}: {exc}".splitlines()[0]}


def _results(client: Client, repos: list[str], limits: Limits) -> Iterator[dict[str, Any]]:
    """Records as tasks complete; at most `limits.max_pending` submitted at once."""
    pending = iter(repos)
    owner: dict[str, str] = {}

    def submit() -> Future[dict[str, Any]] | None:
        repo = next(pending, None)
        if repo is None:
            return None
        future = client.submit(scan_repository, repo, limits, retries=limits.retries, pure=False,
                               key=f"iacguard-scan-{len(owner)}")
        owner[str(future.key)] = repo
        return future

    first = [f for f in (submit() for _ in range(max(1, limits.max_pending))) if f is not None]
    flow = as_completed(first)
    for future in flow:
        repo = owner[str(future.key)]
        try:
            yield future.result()
        except Exception as exc:  # retries exhausted: a crashed scan, a lost worker
            yield _failure(repo, exc)
        future.release()
        following = submit()
        if following is not None:
            flow.add(following)


def merge(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Repositories by path, findings once per fingerprint (with every repository they are in)."""
    by_fingerprint: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r["repo"]):
        for finding in record.get("findings", []):
            kept = by_fingerprint.setdefault(finding["fingerprint"], {**finding, "repos": []})
            kept["repos"].append(record["repo"])
    statuses: dict[str, int] = {}
    for record in records:
        statuses[record["status"]] = statuses.get(record["status"], 0) + 1
    return {
        "repositories": [{k: v for k, v in r.items() if k not in ("findings", "seconds")}
                         for r in sorted(records, key=lambda r: r["repo"])],
        "statuses": dict(sorted(statuses.items())),
        "findings": [by_fingerprint[k] for k in sorted(by_fingerprint)],
    }


def _write_line(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, sort_keys=True) + "\n")
    out.flush()


def run_many(source: Path, jsonl: Path, merged: Path | None, scheduler: str | None,
             workers: int | None, limits: Limits) -> int:
    """Exit 0 when every repository was scanned, 1 when any timed out or failed."""
    repos = read_repositories(source)
    records: list[dict[str, Any]] = []
    # Each scan runs in its own child process, so in-process worker threads are enough.
    cluster = None if scheduler else LocalCluster(
        processes=False, n_workers=1, threads_per_worker=workers or default_jobs(),
        dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client, jsonl.open("w", encoding="utf-8") as out:
            for record in _results(client, repos, limits):
                records.append(record)
                _write_line(out, record)
    finally:
        if cluster is not None:
            cluster.close()
    if merged is not None:
        merged.write_text(json.dumps(merge(records), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    failed = sum(1 for r in records if r["status"] in ("timeout", "error"))
    print(f"iacguard scan-many: {len(records)} repositories, {failed} timed out or failed",
          file=sys.stderr)
    return 1 if failed else 0
