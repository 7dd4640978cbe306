"""The Kubernetes plugin: claims YAML/JSON manifest files and links objects."""

from __future__ import annotations

from pathlib import Path

from iacguard.comments import comments_read
from iacguard.config import Config
from iacguard.graph import ResourceGraph
from iacguard.loading import Claim, LoadContext, LoadResult
from iacguard.plugin import hookimpl
from iacguard_builtin.kubernetes import link, loader

LOADER = "kubernetes"


@hookimpl(trylast=True)
def iacguard_claim(path: Path, ctx: LoadContext) -> Claim | None:
    # The suffix first: a probe only for names that may be manifests, never a parse.
    if not loader.is_manifest_name(path) or not ctx.fs.is_file(path):
        return None
    return Claim(loader=LOADER, path=path, owns=(path,))


@hookimpl
def iacguard_load(claim: Claim, ctx: LoadContext) -> LoadResult | None:
    if claim.loader != LOADER:
        return None
    result = loader.load_file(claim.path, ctx) or LoadResult()
    result.comments = comments_read(ctx)
    return result




@hookimpl
def iacguard_link(graph: ResourceGraph, config: Config) -> None:
    link.link(graph)
