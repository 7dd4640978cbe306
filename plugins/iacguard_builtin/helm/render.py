"""Render a local chart offline with helm-python-sdk (Helm's Go engine, in-process).

`render_chart` is the one entry point, usable from any loader (the chart directory, a
Terraform `helm_release`, ...): chart path + user values + release identity in, rendered
manifests or a located error out. Nothing here touches the network: the SDK's
`Chart.render` is client-only (`lookup` returns nothing), `.Files` is served from the chart
as loaded into memory, and dependencies are only read from `charts/`, never fetched.

Templates are programs: `range until 100000000`, `repeat` or runaway `include`s can spin or
eat the machine, and Helm's engine can be neither cancelled nor bounded. So each render
runs in a fresh Python process (`python -m iacguard_builtin.helm.worker`, never a fork of a process
that holds the Go runtime) that caps its own address space, and is killed when it outlives
its deadline.
"""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from iacguard import budget
from iacguard.children import run_bounded
from iacguard.nesting import MAX_NESTING
from iacguard_builtin.helm import engines
from iacguard_builtin.helm.worker import Rendered, RenderError, kept, locate_error

RENDER_TIMEOUT_SECONDS = 60.0
RENDER_MEMORY_BYTES = 2 * 1024 * 1024 * 1024  # address space of the render process (Go needs ~1 GiB)

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
                              "namespace": namespace, "memory": RENDER_MEMORY_BYTES})
    except (RecursionError, ValueError):
        return Rendered(chart_name=chart_dir.name, error=RenderError(
            f"values nested more than {MAX_NESTING} levels deep: not rendered"))
    timeout = budget.remaining(RENDER_TIMEOUT_SECONDS)
    if timeout <= 0:
        return Rendered(chart_name=chart_dir.name, error=RenderError(budget.used_up_message("render")))
    try:
        # The CPU limit ends a spinning worker even if this process is gone (SIGKILL'd).
        worker = run_bounded([sys.executable, "-m", "iacguard_builtin.helm.worker"], input=request.encode(),
                             timeout=timeout, cpu_seconds=math.ceil(RENDER_TIMEOUT_SECONDS) + 5)
    except OSError as exc:
        return Rendered(chart_name=chart_dir.name, error=RenderError(f"cannot start the renderer: {exc}"))
    output = worker.stdout
    if worker.timed_out:
        return Rendered(chart_name=chart_dir.name, error=RenderError(
            f"render stopped after {timeout:g} s: the templates loop or do too much work"))
    try:
        answer = json.loads(output)
    except ValueError:
        return Rendered(chart_name=chart_dir.name, error=RenderError(died_message(worker.returncode,
                                                                                  worker.stderr)))
    error = answer.get("error")
    return Rendered(
        chart_name=str(answer.get("chart_name") or chart_dir.name),
        manifests=answer.get("manifests") or {},
        crds=answer.get("crds") or {},
        error=RenderError(error["message"], Path(error["file"]) if error["file"] else None,
                          error["line"], error["column"]) if error else None,
    )


def died_message(returncode: int, stderr: bytes) -> str:
    """Why the worker died without an answer, told apart by how it died."""
    if b"stack exceeds" in stderr or b"stack overflow" in stderr:
        return ("render stopped: Go's stack overflowed (a template that includes itself without "
                "end, or values nested too deeply)")
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL) and b"out of memory" not in stderr:
        return (f"render stopped after {math.ceil(RENDER_TIMEOUT_SECONDS) + 5} s of CPU time: "
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


