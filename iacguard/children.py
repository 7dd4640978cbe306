"""Child processes (Helm render workers, kustomize builds): bounded, and never left behind.

Each child starts in its own process group (kubectl -> git -> ssh are killed with it), with
its own CPU-time limit (`RLIMIT_CPU`, so a spinning template dies even if nobody is left to
kill it), and is registered while it runs. `kill_all()` ends every registered group: the
CLI calls it on SIGINT/SIGTERM, and it runs at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

_live: dict[int, subprocess.Popen[bytes]] = {}
_lock = threading.Lock()
started = 0  # counter for tests: children started in this process


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False


def _limit_cpu(pid: int, cpu_seconds: int | None) -> None:
    """Set the child's CPU-time limit from outside (`prlimit`): no `preexec_fn`, which is
    unsafe in a process with threads (the LSP server, a Dask client)."""
    if cpu_seconds is None:
        return
    try:
        import resource

        resource.prlimit(pid, resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    except (ImportError, AttributeError, ValueError, OSError):
        pass  # no prlimit here (not Linux): the wall-clock timeout still holds


def run_bounded(command: Sequence[str], *, timeout: float, input: bytes | None = None,
                env: Mapping[str, str] | None = None, cpu_seconds: int | None = None) -> Finished:
    """Run `command` to completion or `timeout` seconds (then its group is killed).
    Raises `OSError` when it cannot start."""
    proc = subprocess.Popen(list(command), stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(env) if env is not None else None, start_new_session=True)
    _limit_cpu(proc.pid, cpu_seconds)
    _register(proc)
    try:
        try:
            out, err = proc.communicate(input, timeout=max(timeout, 0.001))
        except subprocess.TimeoutExpired:
            _kill(proc)
            out, err = proc.communicate()
            return Finished(proc.returncode, out, err, timed_out=True)
        return Finished(proc.returncode, out, err)
    finally:
        _kill(proc)  # the group: grandchildren the child left behind
        with _lock:
            _live.pop(proc.pid, None)


def spawn(command: Sequence[str], *, stderr: int | IO[bytes]) -> subprocess.Popen[bytes]:
    """Start a long-lived child (pipes on stdin and stdout) in its own process group,
    registered until `reap`: `kill_all` ends it too. Raises `OSError` when it cannot start."""
    proc = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=stderr, start_new_session=True)
    _register(proc)
    return proc


def _register(proc: subprocess.Popen[bytes]) -> None:
    global started
    with _lock:
        _live[proc.pid] = proc
        started += 1


def reap(proc: subprocess.Popen[bytes]) -> int:
    """Kill a child `spawn` started (its group), wait for it; its return code."""
    _kill(proc)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    returncode = proc.wait()
    with _lock:
        _live.pop(proc.pid, None)
    return returncode


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)


def live() -> list[int]:
    with _lock:
        return sorted(_live)


def kill_all() -> int:
    """Kill every running child's process group; how many there were."""
    with _lock:
        procs = list(_live.values())
    for proc in procs:
        _kill(proc)
    return len(procs)


atexit.register(kill_all)
