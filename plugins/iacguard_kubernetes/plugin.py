"""The Kubernetes plugin: claims YAML/JSON manifest files and links objects."""

from __future__ import annotations

from pathlib import Path

from iacguard.config import Config
from iacguard.graph import ResourceGraph
from iacguard.loading import LoadContext, LoadResult
from iacguard.plugin import hookimpl
from iacguard_kubernetes import link, loader


@hookimpl(trylast=True)
def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
    if path.is_dir():
        return None
    return loader.load_file(path, ctx)


@hookimpl
def iacguard_link(graph: ResourceGraph, config: Config) -> None:
    link.link(graph)
