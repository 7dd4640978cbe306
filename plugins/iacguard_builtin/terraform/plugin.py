"""The Terraform plugin: claims and loads root modules, links references, adds options."""

from __future__ import annotations

import argparse
from pathlib import Path

from iacguard.comments import comments_read
from iacguard.config import Config
from iacguard.graph import ResourceGraph
from iacguard.loading import Claim, LoadContext, LoadResult
from iacguard.model import Edge, EdgeKind
from iacguard.plugin import hookimpl
from iacguard_builtin.terraform import helm_release, loader, rebase


@hookimpl
def iacguard_addoption(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--var-file", dest="tf_var_files", action="append", metavar="FILE",
                       help="Terraform variables file, applied after *.auto.tfvars (repeatable)")
    group.add_argument("--var", dest="tf_vars", action="append", metavar="NAME=VALUE",
                       help="Terraform variable value, applied last (repeatable)")
    group.add_argument("--tf-env-vars", dest="tf_env_vars", action="store_true", default=None,
                       help="read Terraform variables from TF_VAR_* environment variables")


@hookimpl
def iacguard_claim(path: Path, ctx: LoadContext) -> Claim | None:
    return loader.claim(path, ctx)


@hookimpl
def iacguard_load(claim: Claim, ctx: LoadContext) -> LoadResult | None:
    if claim.loader != loader.LOADER:
        return None
    reused = rebase.reuse(claim, ctx)  # an edit that only moved blocks: the lines move
    if reused is not None:
        return reused
    data_files: set[Path] = set()
    result = loader.load(claim, ctx, data_files)
    if result is not None:
        helm_release.render_releases(result, claim.path if claim.data != loader.FILE_UNIT
                                     else claim.path.parent, ctx)
        result.comments = comments_read(ctx)  # every .tf of the root and its modules
        rebase.remember(claim, ctx, result, data_files)
    return result




@hookimpl
def iacguard_link(graph: ResourceGraph, config: Config) -> None:
    """REFERENCES edges from the references recorded on each resource at load time."""
    for resource in list(graph.resources()):
        if resource.format != "terraform":
            continue
        for ref in resource.references:
            if ref.target in graph and ref.target != resource.id:
                graph.add_edge(Edge(
                    source=resource.id, target=ref.target, kind=EdgeKind.REFERENCES,
                    origin=resource.span_for(ref.path.split("/")),
                    attrs={"path": ref.path, "expression": ref.expression}))
