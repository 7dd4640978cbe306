"""The Terraform plugin's public interface for other plugins (the plan loader).

Plugins import each other only through such `api` modules, so that the rest of this
package can change freely. What is here is stable:

- `kubernetes_resource`: a `kubernetes_*` / `kubernetes_manifest` resource instance in the
  Kubernetes manifest shape, exactly as the HCL loader builds it, or `None` for other types;
- `render_helm_releases`: add what the local-chart `helm_release` resources of a result deploy;
- `has_configuration` / `evaluate_configuration`: a directory's Terraform files, and the
  resources our own HCL evaluator expands from it as a root module (ids
  `tf:<root rel>:<address>`, with `origin` and `source_map` spans in the `.tf` files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iacguard.loading import LoadContext, LoadResult
from iacguard.model import Resource, SourceSpan
from iacguard_builtin.terraform import helm_release, k8s, loader
from iacguard_builtin.terraform.module_def import tf_files

__all__ = ["evaluate_configuration", "has_configuration", "kubernetes_resource",
           "render_helm_releases"]


def kubernetes_resource(
    *, type_: str, address: str, label: str, body: dict[str, Any], origin: SourceSpan,
    id_prefix: str, context: dict[str, str],
) -> tuple[Resource, dict[str, str]] | None:
    """The manifest-shaped resource of a Kubernetes provider resource, and the map from its
    Terraform-shaped pointers to manifest-shaped ones; `None` when `type_` is not one.

    `body` holds nested blocks as lists of objects (as in plan JSON and the HCL loader).
    """
    manifest = k8s.manifest_of(type_, body)
    if manifest is not None:
        return k8s.manifest_resource(manifest, address=address, source_map={}, provenance={},
                                     origin=origin, id_prefix=id_prefix, context=context)
    if type_ in k8s.KINDS:
        return k8s.to_resource(type_=type_, address=address, label=label, body=body,
                               block_paths=set(), source_map={}, provenance={}, origin=origin,
                               id_prefix=id_prefix, context=context)
    return None


def render_helm_releases(result: LoadResult, root: Path, ctx: LoadContext) -> None:
    """Render the local charts of `result`'s `helm_release` resources (paths relative to
    `root`) and add the objects they deploy to `result`."""
    helm_release.render_releases(result, root, ctx)


def has_configuration(directory: Path, ctx: LoadContext) -> bool:
    """Whether `directory` holds Terraform configuration files (`*.tf`, `*.tf.json`)."""
    return bool(tf_files(ctx.fs, directory))


def evaluate_configuration(directory: Path, ctx: LoadContext) -> LoadResult:
    """`directory` evaluated as a root module (variables, tfvars, modules, count/for_each)
    by the HCL loader, Kubernetes resources in manifest shape; charts are not rendered."""
    return loader.load_root(directory, ctx, list(tf_files(ctx.fs, directory)))
