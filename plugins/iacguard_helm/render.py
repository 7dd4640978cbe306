"""Render a local chart offline with helm-python-sdk (Helm's Go engine, in-process).

`render_chart` is the one entry point, usable from any loader (the chart directory, a
Terraform `helm_release`, ...): chart path + user values + release identity in, rendered
manifests or a located error out. Nothing here touches the network: the SDK's
`Chart.render` is client-only (`lookup` returns nothing), `.Files` is served from the chart
as loaded into memory, and dependencies are only read from `charts/`, never fetched.

Templates are programs: `range until 100000000`, `repeat` or runaway `include`s can spin or
eat the machine, and Helm's engine can be neither cancelled nor bounded. So each render
runs in a fresh Python process (`python -m iacguard_helm.render`, never a fork of a process
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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from iacguard import budget
from iacguard.children import run_bounded
from iacguard.nesting import MAX_NESTING
from iacguard_helm import engines
from iacguard_helm.deterministic import deterministic_chart

MAX_RENDERED_BYTES = 50 * 1024 * 1024
RENDER_TIMEOUT_SECONDS = 60.0
RENDER_MEMORY_BYTES = 2 * 1024 * 1024 * 1024  # address space of the render process (Go needs ~1 GiB)

# Go text/template positions: "template: c/templates/x.yaml:12:3: executing ...",
# "execution error at (c/templates/x.yaml:3:4): ...", "parse error at (c/templates/x.yaml:5): ...",
# and the SDK's own "c/templates/x.yaml:4:11\n  executing ...".
TEMPLATE_POSITION = re.compile(r"([\w.\-/]+?\.(?:yaml|yml|tpl|txt|json)):(\d+)(?::(\d+))?")
VALUES_TYPE_MISMATCH = re.compile(r"type mismatch on ([\w.\-]+)")


@dataclass(frozen=True)
class RenderError:
    """A render failure; `file`/`line` name the template position when Helm gave one."""

    message: str
    file: Path | None = None
    line: int | None = None
    column: int | None = None


@dataclass
class Rendered:
    """Rendered manifests keyed by the chart-relative file they came from."""

    chart_name: str
    manifests: dict[str, str] = field(default_factory=dict)  # "templates/x.yaml" -> text
    crds: dict[str, str] = field(default_factory=dict)  # "crds/x.yaml" -> text
    error: RenderError | None = None


def chart_relative(template_key: str) -> str:
    """`mychart/templates/x.yaml` -> `templates/x.yaml` (Helm prefixes the chart name)."""
    _, _, rest = template_key.partition("/")
    return rest or template_key


def locate_error(message: str, chart_dir: Path) -> RenderError:
    """The template file and line Helm's message names, when it names one in this chart."""
    match = TEMPLATE_POSITION.search(message)
    if match:
        candidate = chart_dir / chart_relative(match.group(1))
        if candidate.is_file():
            column = int(match.group(3)) if match.group(3) else None
            return RenderError(message, candidate, int(match.group(2)), column)
    return RenderError(message)


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
        return Rendered(chart_name=chart_dir.name, error=RenderError(engines.NO_ENGINE))
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
        worker = run_bounded([sys.executable, "-m", "iacguard_helm.render"], input=request.encode(),
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


def _worker_main() -> None:
    """`python -m iacguard_helm.render`: one render request (JSON) on stdin, `Rendered` on stdout."""
    request = json.loads(sys.stdin.read())
    memory = int(request["memory"])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass  # no address-space limits here (Windows, or a lower hard limit): the deadline still holds
    chart_dir = Path(request["chart"])
    try:
        with deterministic_chart(chart_dir) as fixed:  # seeded randomness and clock: see module
            rendered = render_chart_in_process(fixed, request["values"],
                                               release_name=request["release_name"],
                                               namespace=request["namespace"])
        if fixed != chart_dir and rendered.error is not None and rendered.error.file is not None:
            rendered.error = replace(rendered.error, file=chart_dir / rendered.error.file.relative_to(fixed))
    except MemoryError:
        rendered = Rendered(chart_name=chart_dir.name, error=RenderError(
            f"render needs more than {memory // (1024 * 1024)} MiB of memory"))
    out = asdict(rendered)
    if rendered.error is not None and rendered.error.file is not None:
        out["error"]["file"] = str(rendered.error.file)
    sys.stdout.write(json.dumps(out))


def render_chart_in_process(
    chart_dir: Path,
    values: dict[str, Any],
    *,
    release_name: str,
    namespace: str,
) -> Rendered:
    """The render itself, in the calling process: unbounded in time and memory, so only for
    the child process of `render_chart`."""
    import helm_python as helm  # the native library loads on first use only

    try:
        chart = helm.Chart.load(str(chart_dir))
    except helm.HelmError as exc:
        return Rendered(chart_name=chart_dir.name, error=RenderError(f"cannot load chart: {exc}"))
    with chart:
        name = chart.name or chart_dir.name
        try:
            manifests = chart.render(values, name=release_name, namespace=namespace,
                                     is_install=True)
            crds = {str(c.get("filename") or c.get("name")): str(c.get("data", ""))
                    for c in chart.crds}
        except helm.HelmError as exc:
            return Rendered(chart_name=name, error=locate_error(str(exc), chart_dir))
    return _kept(name, manifests, crds)


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
    return _kept(prefix or chart_dir.name, manifests, crds)


def _kept(name: str, manifests: dict[str, str], crds: dict[str, str]) -> Rendered:
    """What is scanned of a render, keyed chart-relative (whichever engine rendered it)."""
    size = sum(len(text) for text in manifests.values())
    if size > MAX_RENDERED_BYTES:
        return Rendered(chart_name=name, error=RenderError(
            f"rendered output too large to scan ({size} characters > {MAX_RENDERED_BYTES})"))
    kept = {
        chart_relative(key): text
        for key, text in sorted(manifests.items())
        # NOTES.txt is shown to the user, never applied; partials render to nothing.
        if not key.endswith("NOTES.txt") and text.strip()
    }
    return Rendered(chart_name=name, manifests=kept,
                    crds={chart_relative(k): v for k, v in sorted(crds.items()) if v.strip()})


if __name__ == "__main__":
    _worker_main()
