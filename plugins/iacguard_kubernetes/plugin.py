"""The Kubernetes plugin: claims YAML/JSON manifest files and links objects."""

from __future__ import annotations

from pathlib import Path

from iacguard.config import Config
from iacguard.graph import ResourceGraph
from iacguard.loading import Claim, LoadContext, LoadResult
from iacguard.plugin import hookimpl
from iacguard_kubernetes import link, loader

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
    return loader.load_file(claim.path, ctx) or LoadResult()


@hookimpl(trylast=True)
def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
    """Legacy one-step hook (until the engine plans with claims): claim, then load."""
    claim = iacguard_claim(path, ctx)
    if claim is None:
        return None
    result = loader.load_file(claim.path, ctx)
    if result is None:
        return None  # not a manifest: other loaders may still want the file
    result.consumed = [*claim.owns, *result.consumed]
    result.descend = claim.descend
    return result


@hookimpl
def iacguard_link(graph: ResourceGraph, config: Config) -> None:
    link.link(graph)
