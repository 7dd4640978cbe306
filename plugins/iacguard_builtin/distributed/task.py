"""What a Dask worker runs for one repository: `iacguard scan` in a child process, under a
wall-clock timeout and an address-space limit, so that a hostile or huge repository costs
one task, never the worker."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any


class ScanCrashed(Exception):
    """The scan process died (a signal, an interpreter failure): worth a retry."""


@dataclass(frozen=True)
class Limits:
    timeout: float  # seconds per repository
    memory_mib: float  # address space of the scan process
    retries: int
    max_pending: int
    scan_args: tuple[str, ...] = ()


STOP_GRACE_SECONDS = 10.0  # for a timed-out scan to end its children and exit


def _stop(child: subprocess.Popen[bytes]) -> None:
    """End a timed-out scan and what it started. A Helm render worker runs in a process group
    of its own (`iacguard.children`), which a kill of the scan's group never reached: it spun
    on until its CPU limit. SIGTERM lets the scan kill its children and exit; SIGKILL ends
    the group if it has not within the grace."""
    with suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    try:
        child.communicate(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()


def scan_repository(repo: str, limits: Limits) -> dict[str, Any]:
    """One JSONL record: `repo`, `status` (ok, findings, timeout, error), `seconds` and, when
    the scan reported, `summary`, `findings` and `errors`."""
    command = [sys.executable, "-m", "iacguard", "scan", "--format", "json", "--no-fail",
               "--quiet", "--jobs", "1", *limits.scan_args, repo]
    limit = int(limits.memory_mib * 1024 * 1024)

    def confine() -> None:  # in the child, before exec
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.monotonic()
    # Its own session, so that a timeout reaches whatever the scan started in its group.
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=confine, start_new_session=True)
    try:
        stdout, stderr_bytes = child.communicate(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        _stop(child)
        return {"repo": repo, "status": "timeout", "seconds": round(time.monotonic() - started, 3),
                "message": f"scan did not finish in {limits.timeout:g} s"}
    seconds = round(time.monotonic() - started, 3)
    stderr = stderr_bytes.decode("utf-8", "replace").strip()
    if child.returncode < 0:
        raise ScanCrashed(f"{repo}: scan killed by signal {-child.returncode}: {stderr[-500:]}")
    try:
        report = json.loads(stdout)
    except ValueError:
        last = stderr.splitlines()[-1] if stderr else f"exit code {child.returncode}"
        return {"repo": repo, "status": "error", "seconds": seconds, "message": last}
    status = "findings" if report.get("findings") else "ok"
    if report.get("errors"):
        status = "error"
    return {"repo": repo, "status": status, "seconds": seconds, "summary": report.get("summary", {}),
            "findings": report.get("findings", []), "errors": report.get("errors", [])}
