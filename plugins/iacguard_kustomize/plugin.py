"""The Kustomize plugin: claims kustomization directories and builds them with kustomize or
kubectl (a subprocess, no shell); without either, the directory is a render-failed problem."""

from __future__ import annotations

from pathlib import Path

from iacguard.loading import LoadContext, LoadResult
from iacguard.plugin import hookimpl
from iacguard_kustomize.loader import load_directory


@hookimpl
def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
    if not path.is_dir():
        return None
    return load_directory(path, ctx)
