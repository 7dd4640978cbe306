"""The Helm plugin: claims chart directories and renders them in-process (no helm binary);
renders local charts for other loaders (`iacguard_render_chart`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from iacguard.comments import comments_read
from iacguard.loading import ChartRequest, Claim, LoadContext, LoadResult
from iacguard.plugin import hookimpl
from iacguard_builtin.helm.chart_request import render_request
from iacguard_builtin.helm.loader import chart_files, is_chart_dir, render_chart_dir

LOADER = "helm"


@hookimpl
def iacguard_addoption(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--helm-values", action="append", metavar="FILE", dest="helm_values",
                       help="values file applied to every chart and profile (repeatable)")
    group.add_argument("--helm-set", action="append", metavar="KEY=VALUE", dest="helm_set",
                       help="value applied to every chart and profile, as helm --set (repeatable)")
    group.add_argument("--helm-release-name", metavar="NAME", dest="helm_release_name",
                       help="release name used to render charts (default: the chart name)")
    group.add_argument("--helm-namespace", metavar="NAMESPACE", dest="helm_namespace",
                       help="release namespace used to render charts (default: default)")


@hookimpl(tryfirst=True)
def iacguard_claim(path: Path, ctx: LoadContext) -> Claim | None:
    """A chart directory is one unit: it owns every file below it, nothing below is walked."""
    if not is_chart_dir(path, ctx):
        return None
    return Claim(loader=LOADER, path=path, owns=tuple(chart_files(path, ctx)), descend=False)


@hookimpl
def iacguard_load(claim: Claim, ctx: LoadContext) -> LoadResult | None:
    if claim.loader != LOADER:
        return None
    result = render_chart_dir(claim.path, ctx)
    result.comments = comments_read(ctx)  # templates and values files
    return result




@hookimpl
def iacguard_render_chart(request: ChartRequest, ctx: LoadContext) -> LoadResult | None:
    return render_request(request, ctx)
