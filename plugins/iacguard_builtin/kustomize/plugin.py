"""The Kustomize plugin: claims kustomization directories and builds them with kustomize or
kubectl (a subprocess, no shell); without either, the directory is a render-failed problem."""

from __future__ import annotations

from pathlib import Path

from iacguard.comments import comments_read
from iacguard.loading import Claim, LoadContext, LoadResult
from iacguard.plugin import hookimpl
from iacguard_builtin.kustomize import loader


@hookimpl
def iacguard_claim(path: Path, ctx: LoadContext) -> Claim | None:
    if not ctx.fs.is_dir(path):
        return None
    return loader.claim(path, ctx)


@hookimpl
def iacguard_load(claim: Claim, ctx: LoadContext) -> LoadResult | None:
    if claim.loader != loader.LOADER:
        return None
    result = loader.load_unit(claim.path, ctx)
    result.comments = comments_read(ctx)  # kustomizations, resources, charts they render
    return result

