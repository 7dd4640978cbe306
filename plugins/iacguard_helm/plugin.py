"""The Helm plugin: claims chart directories and renders them in-process (no helm binary)."""

from __future__ import annotations

import argparse
from pathlib import Path

from iacguard.loading import LoadContext, LoadResult
from iacguard.plugin import hookimpl
from iacguard_helm.loader import is_chart_dir, load_chart


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
def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
    if not is_chart_dir(path):
        return None
    return load_chart(path, ctx)
