"""The render worker: `python -m iacguard_builtin.helm.worker` (`render.py` says why a separate
process), serving render requests one line each, in turn. A chart is rendered once per
values profile, so the worker's start-up matters: it imports the standard library, helm-python-sdk and
`iacguard_builtin.helm.deterministic` only, never the `iacguard` package (pydantic, networkx, the
plugin machinery), whose import was most of a render's CPU time.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from iacguard_builtin.helm.deterministic import deterministic_chart

MAX_RENDERED_BYTES = 50 * 1024 * 1024
WORKER_IDLE_DEFAULT = 30.0  # seconds a serving worker waits for its next request

# Go text/template positions: "template: c/templates/x.yaml:12:3: executing ...",
# "execution error at (c/templates/x.yaml:3:4): ...", "parse error at (c/templates/x.yaml:5): ...",
# and the SDK's own "c/templates/x.yaml:4:11\n  executing ...".
TEMPLATE_POSITION = re.compile(r"([\w.\-/]+?\.(?:yaml|yml|tpl|txt|json)):(\d+)(?::(\d+))?")


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


def _limit(request: dict[str, Any]) -> None:
    """This render's address space and CPU time, as soft limits (a later render may raise
    them again: the hard limits are left as they were)."""
    try:
        import resource

        _, hard_memory = resource.getrlimit(resource.RLIMIT_AS)
        memory = int(request["memory"])
        if hard_memory == resource.RLIM_INFINITY or memory <= hard_memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, hard_memory))
        cpu = request.get("cpu_seconds")
        if cpu is not None:
            used = resource.getrusage(resource.RUSAGE_SELF)
            _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
            soft = int(used.ru_utime + used.ru_stime) + 1 + int(cpu)
            if hard_cpu == resource.RLIM_INFINITY or soft <= hard_cpu:
                resource.setrlimit(resource.RLIMIT_CPU, (soft, hard_cpu))
    except (ImportError, ValueError, OSError):
        pass  # no such limits here (Windows, or lower hard limits): the deadline still holds


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """One render request -> the `Rendered` answer as JSON-ready data."""
    _limit(request)
    memory = int(request["memory"])
    chart_dir = Path(request["chart"])
    try:
        with deterministic_chart(chart_dir) as fixed:  # fixed randomness and clock: see deterministic.py
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
    return out


def serve(idle_seconds: float) -> None:
    """`python -m iacguard_builtin.helm.worker --serve IDLE`: a request per line on stdin, an
    answer per line on stdout, until stdin closes (the parent is gone) or stays idle.

    Starting Python and loading Helm's Go library cost ~100x a typical render, and a chart is
    rendered once per values profile, so one process serves many renders. Each render still
    has its own CPU-time and memory limits (`_limit`), and the parent kills the process when
    a render outlives its deadline (then the next render starts a fresh one).
    """
    import select

    while True:
        ready, _, _ = select.select([sys.stdin], [], [], idle_seconds)
        line = sys.stdin.readline() if ready else ""
        if not line:
            return
        sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")
        sys.stdout.flush()


def render_chart_in_process(
    chart_dir: Path,
    values: dict[str, Any],
    *,
    release_name: str,
    namespace: str,
) -> Rendered:
    """The render itself, in the calling process: unbounded in time and memory, so only for
    the child process of `render_chart`."""
    import helm_python as helm  # only once engines chose the SDK: importing it loads the library

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
    return kept(name, manifests, crds)


def kept(name: str, manifests: dict[str, str], crds: dict[str, str]) -> Rendered:
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
    serve(float(sys.argv[2]) if sys.argv[1:2] == ["--serve"] else WORKER_IDLE_DEFAULT)
