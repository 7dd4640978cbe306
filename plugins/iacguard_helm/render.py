"""Render a local chart offline with helm-python-sdk (Helm's Go engine, in-process).

`render_chart` is the one entry point, usable from any loader (the chart directory, a
Terraform `helm_release`, ...): chart path + user values + release identity in, rendered
manifests or a located error out. Nothing here touches the network: the SDK's
`Chart.render` is client-only (`lookup` returns nothing), `.Files` is served from the chart
as loaded into memory, and dependencies are only read from `charts/`, never fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_CHART_FILES = 5000
MAX_CHART_BYTES = 50 * 1024 * 1024

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


def escaping_symlinks(chart_dir: Path) -> list[Path]:
    """Symlinks inside the chart that point outside it.

    Helm's directory loader follows symlinks, so such a link would put a file from outside
    the chart into `.Files` (and the rendered output): refuse to render those charts.
    """
    root = chart_dir.resolve()
    bad: list[Path] = []
    for path in chart_dir.rglob("*"):
        if path.is_symlink():
            target = path.resolve()
            if target != root and root not in target.parents:
                bad.append(path)
    return sorted(bad)


def chart_size_problem(chart_dir: Path) -> str | None:
    count = total = 0
    for path in chart_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            count += 1
            total += path.stat().st_size
            if count > MAX_CHART_FILES or total > MAX_CHART_BYTES:
                return (f"chart too large to render (more than {MAX_CHART_FILES} files or "
                        f"{MAX_CHART_BYTES} bytes)")
    return None


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

    Never raises for bad input: a failure comes back in `Rendered.error`.
    """
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
    kept = {
        chart_relative(key): text
        for key, text in sorted(manifests.items())
        # NOTES.txt is shown to the user, never applied; partials render to nothing.
        if not key.endswith("NOTES.txt") and text.strip()
    }
    return Rendered(chart_name=name, manifests=kept,
                    crds={chart_relative(k): v for k, v in sorted(crds.items()) if v.strip()})
