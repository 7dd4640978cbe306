"""Render a local chart offline with helm-python-sdk (Helm's Go engine, in-process).

`render_chart` is the one entry point, usable from any loader (the chart directory, a
Terraform `helm_release`, ...): chart path + user values + release identity in, rendered
manifests or a located error out. Nothing here touches the network: the SDK's
`Chart.render` is client-only (`lookup` returns nothing), `.Files` is served from the chart
as loaded into memory, and dependencies are only read from `charts/`, never fetched.

Templates are programs: `range until 100000000`, `repeat` or runaway `include`s can spin or
eat the machine, and Helm's engine can be neither cancelled nor bounded. So renders run in a
separate Python process (`python -m iacguard_builtin.helm.worker --serve`, never a fork of a
process that holds the Go runtime) that caps its address space and CPU time per render and is
killed when a render outlives its deadline. One such process serves the renders of this
process in turn (`_ServingWorker`).
"""

from __future__ import annotations

import json
import math
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from iacguard import budget, children
from iacguard.children import Finished
from iacguard.nesting import MAX_NESTING
from iacguard_builtin.helm import engines
from iacguard_builtin.helm.worker import WORKER_IDLE_DEFAULT, Rendered, RenderError, kept, locate_error

RENDER_TIMEOUT_SECONDS = 60.0
RENDER_MEMORY_BYTES = 2 * 1024 * 1024 * 1024  # address space of the render process (Go needs ~1 GiB)
WORKER_IDLE_SECONDS = WORKER_IDLE_DEFAULT  # a serving worker nobody asks for this long exits
requests = 0  # counter for tests: renders sent to a worker in this process

VALUES_TYPE_MISMATCH = re.compile(r"type mismatch on ([\w.\-]+)")


def render_chart(
    chart_dir: Path,
    values: dict[str, Any],
    *,
    release_name: str,
    namespace: str,
) -> Rendered:
    """Render `chart_dir` (a directory or `.tgz`) with user `values` over the chart's own.

    Never raises for bad input: a failure (including a render that runs out of time or
    memory) comes back in `Rendered.error`. Without helm-python-sdk a `helm` binary on PATH
    renders (`engines`); without either, the error says so.
    """
    chosen = engines.engine()
    if chosen == "none":
        return Rendered(chart_name=chart_dir.name, error=RenderError(engines.no_engine_message()))
    if chosen == "binary":
        return _render_with_binary(chart_dir, values, release_name=release_name, namespace=namespace)
    try:
        request = json.dumps({"chart": str(chart_dir), "values": values, "release_name": release_name,
                              "namespace": namespace, "memory": RENDER_MEMORY_BYTES,
                              "cpu_seconds": cpu_seconds()})
    except (RecursionError, ValueError):
        return Rendered(chart_name=chart_dir.name, error=RenderError(
            f"values nested more than {MAX_NESTING} levels deep: not rendered"))
    timeout = budget.remaining(RENDER_TIMEOUT_SECONDS)
    if timeout <= 0:
        return Rendered(chart_name=chart_dir.name, error=RenderError(budget.used_up_message("render")))
    global requests
    requests += 1
    try:
        finished = _WORKER.render(request, timeout=timeout)
    except OSError as exc:
        return Rendered(chart_name=chart_dir.name, error=RenderError(f"cannot start the renderer: {exc}"))
    if finished.timed_out:
        return Rendered(chart_name=chart_dir.name, error=RenderError(
            f"render stopped after {timeout:g} s: the templates loop or do too much work"))
    try:
        answer = json.loads(finished.stdout)
    except ValueError:
        return Rendered(chart_name=chart_dir.name, error=RenderError(died_message(finished.returncode,
                                                                                  finished.stderr)))
    error = answer.get("error")
    return Rendered(
        chart_name=str(answer.get("chart_name") or chart_dir.name),
        manifests=answer.get("manifests") or {},
        crds=answer.get("crds") or {},
        error=RenderError(error["message"], Path(error["file"]) if error["file"] else None,
                          error["line"], error["column"]) if error else None,
    )


class _ServingWorker:
    """The render worker this process keeps (`worker.serve`): started on the first render,
    killed when a render outlives its deadline or the worker dies, restarted on the next.

    A render that finds the worker dead after earlier renders is retried once in a fresh
    one, so an answer never depends on what the same process rendered before.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0  # the pid that started it (a forked child starts its own)
        self._stderr: IO[bytes] | None = None
        self._served = 0

    def render(self, request: str, *, timeout: float) -> Finished:
        with self._lock:
            had_served = self._proc is not None and self._served > 0
            finished = self._once(request, timeout)
            if had_served and not finished.timed_out and not finished.stdout:
                finished = self._once(request, timeout)  # died: not for what it rendered before?
            return finished

    def _once(self, request: str, timeout: float) -> Finished:
        proc = self._ensure()
        assert proc.stdin is not None and proc.stdout is not None and self._stderr is not None
        self._stderr.seek(0)
        self._stderr.truncate()
        try:
            proc.stdin.write(request.encode() + b"\n")
            proc.stdin.flush()
        except OSError:  # died while idle (its idle timeout): the answer is read below as EOF
            pass
        line, timed_out = _read_line(proc.stdout.fileno(), timeout)
        if line is not None and not timed_out:
            self._served += 1
            return Finished(0, line, b"")
        returncode = self._stop()
        self._stderr.seek(0)
        return Finished(returncode, b"", self._stderr.read(), timed_out=timed_out)

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._owner == os.getpid() and self._proc.poll() is None:
            return self._proc
        if self._proc is not None and self._owner == os.getpid():
            self._stop()
        if self._stderr is None or self._owner != os.getpid():
            # A file, not a pipe: a pipe could fill while nobody reads it. Lives as long as we do.
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._proc = children.spawn([sys.executable, "-m", "iacguard_builtin.helm.worker", "--serve",
                                     str(WORKER_IDLE_SECONDS)], stderr=self._stderr)
        self._owner, self._served = os.getpid(), 0
        return self._proc

    def _stop(self) -> int:
        proc, self._proc = self._proc, None
        return children.reap(proc) if proc is not None else 0


def _read_line(fd: int, timeout: float) -> tuple[bytes | None, bool]:
    """One answer line from `fd` within `timeout` s: (line, False); (None, True) when the
    deadline passed; (None, False) at end of file (the worker died)."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, True
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None, True
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None, False
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            return b"".join(chunks), False


_WORKER = _ServingWorker()


def cpu_seconds() -> int:
    """CPU time one render may use: its wall-clock deadline and a margin."""
    return math.ceil(RENDER_TIMEOUT_SECONDS) + 5


def died_message(returncode: int, stderr: bytes) -> str:
    """Why the worker died without an answer, told apart by how it died."""
    if b"stack exceeds" in stderr or b"stack overflow" in stderr:
        return ("render stopped: Go's stack overflowed (a template that includes itself without "
                "end, or values nested too deeply)")
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL) and b"out of memory" not in stderr:
        return (f"render stopped after {cpu_seconds()} s of CPU time: "
                "the templates loop or do too much work")
    # Go aborts the process when an allocation fails under the address-space cap.
    return (f"render process died (exit code {returncode}): the templates most likely need "
            f"more than {RENDER_MEMORY_BYTES // (1024 * 1024)} MiB of memory")


def _render_with_binary(chart_dir: Path, values: dict[str, Any], *, release_name: str,
                        namespace: str) -> Rendered:
    try:
        manifests, crds = engines.render_with_binary(
            chart_dir, values, release_name=release_name, namespace=namespace,
            timeout=RENDER_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return Rendered(chart_name=chart_dir.name, error=RenderError(
            f"render stopped after {RENDER_TIMEOUT_SECONDS:g} s: the templates loop or do too much work"))
    except (RuntimeError, OSError) as exc:
        return Rendered(chart_name=chart_dir.name, error=locate_error(f"helm template: {exc}", chart_dir))
    prefix = next(iter(manifests), f"{chart_dir.name}/").split("/")[0]
    return kept(prefix or chart_dir.name, manifests, crds)


