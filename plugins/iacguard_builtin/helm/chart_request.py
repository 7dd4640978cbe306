"""Render one values profile of a local chart for another loader (`iacguard_render_chart`).

A Terraform `helm_release` or a kustomization's `helmCharts` entry holds a chart path,
values documents, `--set` style values and a release identity: the Helm plugin renders that
exactly like one profile of the chart's own unit (same ids, `variant` and `context` for the
same inputs), reading through the caller's `ctx.fs` so the chart is the caller's input.
"""

from __future__ import annotations

from typing import Any

from iacguard.loading import ChartRequest, LoadContext, LoadProblem, LoadResult
from iacguard.values import deep_merge
from iacguard_builtin.helm import engines
from iacguard_builtin.helm.guards import chart_size_problem, escaping_symlinks
from iacguard_builtin.helm.loader import (
    CHART_FILE,
    is_chart_dir,
    render_error_problem,
    render_values_profile,
)


def _at_origin(request: ChartRequest, message: str) -> LoadProblem:
    return LoadProblem(span=request.origin, message=message, rule="render-failed")


def _values(request: ChartRequest) -> tuple[dict[str, Any], list[LoadProblem]]:
    """`request.values`, then each `set` value parsed as `helm --set` does, on top."""
    merged: dict[str, Any] = dict(request.values)
    problems: list[LoadProblem] = []
    for name, text in request.set_values:
        try:
            merged = deep_merge(merged, engines.parse_set(f"{name}={text}"))
        except ValueError as exc:
            problems.append(LoadProblem(span=request.origin, rule="unresolved-input",
                                        message=f"set {name!r} cannot be applied: {exc}"))
    return merged, problems


def render_request(request: ChartRequest, ctx: LoadContext) -> LoadResult:
    chart_dir = request.chart_dir
    if not is_chart_dir(chart_dir, ctx):
        return LoadResult(problems=[_at_origin(request, f"chart {ctx.relpath(chart_dir)!r} is not a "
                                               f"local chart directory (no {CHART_FILE})")])
    if engines.engine() == "none":  # at the helm_release: its Terraform findings are unaffected
        return LoadResult(problems=[_at_origin(request, engines.no_engine_message())])
    escaping = escaping_symlinks(chart_dir, ctx.fs)
    too_large = chart_size_problem(chart_dir, ctx.fs)
    if escaping or too_large:
        message = too_large or ("chart not rendered: symlinks point outside the chart, dangle or loop ("
                                + ", ".join(ctx.relpath(p) for p in escaping) + ")")
        return LoadResult(problems=[_at_origin(request, message)])
    values, problems = _values(request)
    # `set` values are merged into the values like Terraform's provider does, not kept apart
    # as `--helm-set` is: the spans are then those a `helm_release` got before this hook.
    output = render_values_profile(chart_dir, values, request.profile, ctx,
                                   release_name=request.release_name, namespace=request.namespace)
    result = LoadResult(resources=output.resources, problems=problems)
    if output.error is not None:
        result.problems.append(render_error_problem(output.error, chart_dir, request.profile, ctx=ctx))
    result.problems.extend(output.problems)
    return result
