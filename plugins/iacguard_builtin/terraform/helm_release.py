"""Render the local charts of Terraform `helm_release` resources with their Terraform values.

A `helm_release` whose `chart` is a directory inside the scan root (and no `repository`) is
rendered through `ctx.render_chart` (whichever plugin renders charts: the Helm plugin) with
the release's merged `values` documents, its `set` / `set_sensitive` / `set_list` blocks,
its name and namespace. The rendered objects join the Terraform unit's resources, with
`context` naming the release (`helm_release`, `terraform_root`), so the platform linker can
draw `deploys` edges and policies see the workloads Terraform installs. Remote charts cannot
be rendered offline, and nothing is rendered when no plugin renders charts (the Helm plugin
disabled or not installed): both are reported as unresolved input at the release.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from iacguard.loading import ChartRequest, LoadContext, LoadProblem, LoadResult
from iacguard.model import Resource
from iacguard.values import as_dict, as_list, deep_merge, is_unknown

HELM_RELEASE = "helm_release"
SET_BLOCKS = ("set", "set_sensitive", "set_list")
NO_RENDERER = "not rendered: no plugin renders Helm charts (the Helm plugin is disabled or not installed)"


def _note(resource: Resource, path: tuple[str | int, ...], message: str) -> LoadProblem:
    span = resource.span_for(path)
    return LoadProblem(span=span, message=f"{resource.address}: {message}", rule="unresolved-input")


def _chart_dir(root: Path, ctx: LoadContext, release: Resource) -> Path | str:
    """The local chart directory, or why there is none to render."""
    chart = release.body.get("chart")
    repository = release.body.get("repository")
    if is_unknown(chart) or not isinstance(chart, str) or not chart:
        return "chart is not known before apply"
    if repository not in (None, "") or "://" in chart or chart.startswith("oci:"):
        return f"chart {chart!r} comes from a repository and cannot be rendered offline"
    candidate = (root / chart).resolve()
    scan_root = ctx.root.resolve()
    if candidate != scan_root and scan_root not in candidate.parents:
        return f"chart {chart!r} is outside the scan root"
    if not ctx.fs.is_file(candidate / "Chart.yaml"):
        return f"chart {chart!r} is not a local chart directory (no Chart.yaml)"
    return candidate


def set_text(value: Any) -> str:
    """A `set` block's value as `helm --set` text: commas escaped, lists as `{a,b}`."""
    if isinstance(value, list):
        return "{" + ",".join(str(v).replace(",", "\\,") for v in value) + "}"
    text = str(value).replace(",", "\\,")
    return text.lower() if isinstance(value, bool) else text


def _values(release: Resource) -> tuple[dict[str, Any], list[tuple[str, str]], list[str]]:
    """The release's values documents merged in order, its `set` blocks as (name, --set
    text) in order, and what had to be left out."""
    merged: dict[str, Any] = {}
    set_values: list[tuple[str, str]] = []
    problems: list[str] = []
    for index, document in enumerate(as_list(release.body.get("values"))):
        if is_unknown(document) or not isinstance(document, str):
            problems.append(f"values[{index}] is not known before apply (left out)")
            continue
        try:
            data = YAML(typ="safe").load(document)
        except YAMLError as exc:
            problems.append(f"values[{index}] is not valid YAML: {exc}")
            continue
        merged = deep_merge(merged, as_dict(data))
    for block_name in SET_BLOCKS:
        for block in as_list(release.body.get(block_name)):
            block = as_dict(block)
            name, value = block.get("name"), block.get("value")
            if not isinstance(name, str) or is_unknown(value) or value is None:
                problems.append(f"{block_name} {name!r} is not known before apply (left out)")
                continue
            set_values.append((name, set_text(value)))
    return merged, set_values, problems


def chart_request(release: Resource, chart_dir: Path) -> tuple[ChartRequest, list[str]]:
    """What to ask the chart renderer for one release, and the values it had to leave out."""
    values, set_values, problems = _values(release)
    name = release.body.get("name")
    namespace = release.body.get("namespace")
    request = ChartRequest(
        chart_dir=chart_dir, values=values, set_values=tuple(set_values),
        release_name=name if isinstance(name, str) else None,
        namespace=namespace if isinstance(namespace, str) and namespace else "default",
        profile=f"terraform:{release.address}", origin=release.origin)
    return request, problems


def render_releases(result: LoadResult, root: Path, ctx: LoadContext) -> None:
    """Add what each local-chart `helm_release` of a loaded root deploys to `result`."""
    releases = [r for r in result.resources if r.kind == HELM_RELEASE and r.format == "terraform"]
    root_rel = ctx.relpath(root)
    for release in releases:
        chart_dir = _chart_dir(root, ctx, release)
        if isinstance(chart_dir, str):
            result.problems.append(_note(release, ("chart",), chart_dir))
            continue
        request, problems = chart_request(release, chart_dir)
        rendered = ctx.render_chart(request)
        if rendered is None:
            result.problems.append(_note(release, ("chart",), f"chart {release.body['chart']!r} "
                                         + NO_RENDERER))
            continue
        result.problems.extend(_note(release, ("values",), p) for p in problems)
        result.problems.extend(rendered.problems)
        for resource in rendered.resources:
            context = {**resource.context, "helm_release": release.address or release.name,
                       "terraform_root": root_rel}
            result.resources.append(resource.model_copy(update={"context": context}))
