"""Render the local charts of Terraform `helm_release` resources with their Terraform values.

A `helm_release` whose `chart` is a directory inside the scan root (and no `repository`) is
rendered in-process by the Helm plugin with the release's `values` documents and `set`
blocks, its name and namespace. The rendered objects join the Terraform unit's resources,
with `context` naming the release (`helm_release`, `terraform_root`), so the platform linker
can draw `deploys` edges and policies see the workloads Terraform installs. Remote charts
cannot be rendered offline and are reported as unresolved input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from iacguard.loading import LoadContext, LoadProblem, LoadResult
from iacguard.model import Resource
from iacguard.values import as_dict, as_list, is_unknown

HELM_RELEASE = "helm_release"
SET_BLOCKS = ("set", "set_sensitive", "set_list")


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
    if not (candidate / "Chart.yaml").is_file():
        return f"chart {chart!r} is not a local chart directory (no Chart.yaml)"
    return candidate


def _values(release: Resource) -> tuple[dict[str, Any], list[str]]:
    """The release's values: `values` documents in order, then `set` blocks."""
    import helm_python as helm  # the Helm plugin's SDK: imported only when a release is rendered
    from iacguard_helm.loader import deep_merge

    merged: dict[str, Any] = {}
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
            if isinstance(value, list):
                text = "{" + ",".join(str(v).replace(",", "\\,") for v in value) + "}"
            else:
                text = str(value).replace(",", "\\,")
                if isinstance(value, bool):
                    text = text.lower()
            try:
                merged = deep_merge(merged, helm.parse_set_string(f"{name}={text}"))
            except helm.HelmError as exc:
                problems.append(f"{block_name} {name!r} cannot be applied: {exc}")
    return merged, problems


def render_releases(result: LoadResult, root: Path, ctx: LoadContext) -> None:
    """Add what each local-chart `helm_release` of a loaded root deploys to `result`."""
    releases = [r for r in result.resources if r.kind == HELM_RELEASE and r.format == "terraform"]
    if not releases:
        return
    try:
        from iacguard_helm.loader import render_error_problem, render_values_profile
    except ImportError:  # the Helm plugin is not installed: say so once per release
        result.problems.extend(_note(r, ("chart",), "the Helm plugin is not installed")
                               for r in releases)
        return
    root_rel = ctx.relpath(root)
    for release in releases:
        chart_dir = _chart_dir(root, ctx, release)
        if isinstance(chart_dir, str):
            result.problems.append(_note(release, ("chart",), chart_dir))
            continue
        values, problems = _values(release)
        result.problems.extend(_note(release, ("values",), p) for p in problems)
        name = release.body.get("name")
        namespace = release.body.get("namespace")
        profile = f"terraform:{release.address}"
        output = render_values_profile(
            chart_dir, values, profile, ctx,
            release_name=name if isinstance(name, str) else None,
            namespace=namespace if isinstance(namespace, str) and namespace else "default",
        )
        if output.error is not None:
            result.problems.append(render_error_problem(output.error, chart_dir, profile))
        result.problems.extend(output.problems)
        for resource in output.resources:
            context = {**resource.context, "helm_release": release.address or release.name,
                       "terraform_root": root_rel}
            result.resources.append(resource.model_copy(update={"context": context}))

