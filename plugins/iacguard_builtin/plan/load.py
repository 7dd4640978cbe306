"""One plan document -> resources in the HCL loader's shape, mapped to source where possible.

Anything wrong with a document that was claimed as Terraform's (not JSON, truncated, a state
file, an unsupported `format_version`) is an `unparseable-file` problem with its line: a
plan gate must not pass what it cannot read.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from iacguard.loading import LoadContext, LoadProblem, LoadResult
from iacguard.model import Reference, Resource, SourceSpan
from iacguard_builtin.plan.document import DocumentError, Lines, decode, parse
from iacguard_builtin.plan.mapping import SourceIndex
from iacguard_builtin.plan.plan import NotAPlan, PlanResource, read_plan
from iacguard_builtin.terraform import api as terraform

CHANGING = {"create", "update", "replace", "create+delete", "delete+create"}
_MODULE_STEP = re.compile(r'module\.[^.\[]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?')


def _problem(file: Path, line: int, message: str) -> LoadProblem:
    span = SourceSpan(file=str(file), start_line=line, end_line=line)
    return LoadProblem(span=span, message=message, rule="unparseable-file")


def config_dir(file: Path, ctx: LoadContext) -> Path | None:
    """`--config-dir` (relative to the working directory), else the plan's own directory."""
    given = ctx.config.options.get("plan_config_dir")
    if isinstance(given, str) and given:
        return Path(os.path.abspath(given))
    return file.parent


def load_plan(file: Path, ctx: LoadContext) -> LoadResult:
    try:
        text = decode(ctx.fs.read_bytes(file))
        plan = read_plan(parse(text))
    except OSError as exc:
        return LoadResult(problems=[_problem(file, 1, f"cannot read plan: {exc.strerror}")],
                          consumed=[file])
    except DocumentError as exc:
        return LoadResult(problems=[_problem(file, exc.line, f"Terraform plan: {exc}")],
                          consumed=[file])
    except NotAPlan as exc:
        return LoadResult(problems=[_problem(file, 1, f"Terraform document: {exc}")],
                          consumed=[file])
    lines = Lines.index(text)
    only_changes = ctx.config.options.get("plan_only_changes") is True
    chosen = [r for r in plan.resources if not only_changes or r.action in CHANGING]
    source_dir = config_dir(file, ctx)
    index = SourceIndex.of(source_dir, ctx)
    prefix = f"tfplan:{ctx.relpath(file)}:"
    resources: dict[str, tuple[Resource, dict[str, str]]] = {}
    for record in chosen:
        resource, translate = _resource(record, file, lines, index, prefix)
        if enclosing := index.enclosing(record.address):
            resource = resource.model_copy(update={"enclosing": enclosing})
        resources[record.address] = resource, translate
    ids = {address: resource.id for address, (resource, _) in resources.items()}
    linked = [_with_references(*resources[rec.address], rec, ids) for rec in chosen]
    unmapped = sum(1 for r in linked if r.context.get("mapping") == "unmapped")
    result = LoadResult(resources=linked, consumed=[file],
                        stats={"plan_resources": len(linked), "plan_resources_unmapped": unmapped})
    if source_dir is not None and any(r.kind == "helm_release" for r in linked):
        terraform.render_helm_releases(result, source_dir, ctx)
    return result


def _resource(record: PlanResource, file: Path, lines: Lines, index: SourceIndex,
              prefix: str) -> tuple[Resource, dict[str, str]]:
    """The resource, and the map from Terraform-shaped pointers to its body's (Kubernetes
    resources are manifest-shaped; others keep the Terraform shape: an empty map)."""
    mapping, origin, source_map = index.locate(record.address)
    if origin is None:
        line = lines.of(record.address)
        origin = SourceSpan(file=str(file), start_line=line, end_line=line, precision="block")
    context = {"mapping": mapping, "plan_action": record.action}
    if record.module_address:  # as the HCL loader writes the chain of module calls
        context["module"] = " > ".join(_MODULE_STEP.findall(record.module_address))
    body = record.body
    sensitive = record.sensitive
    k8s = terraform.kubernetes_resource(
        type_=record.type, address=record.address, label=record.name, body=_k8s_body(body),
        origin=origin, id_prefix=prefix + record.address, context=context)
    if k8s is not None:
        resource, translate = k8s
        masked = tuple(sorted({_translated(p, translate) for p in sensitive}))
        # the HCL loader's resource for the same address has manifest-shaped spans already
        return resource.model_copy(update={"source_map": source_map, "sensitive": masked}), translate
    return Resource(
        id=prefix + record.address, kind=record.type, name=record.name, format="terraform",
        address=record.address, body=body, origin=origin, source_map=source_map,
        context=context, sensitive=tuple(sorted(sensitive))), {}


def _k8s_body(body: dict[str, object]) -> dict[str, object]:
    """Plan JSON lists every absent block as `[]`; HCL has nothing there."""
    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if v != []}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    stripped = strip(body)
    assert isinstance(stripped, dict)
    return stripped


def _translated(path: str, translate: dict[str, str]) -> str:
    """A Terraform-shaped pointer in the manifest shape: its longest translated prefix."""
    parts = path.split("/")
    for cut in range(len(parts), 0, -1):
        head = "/".join(parts[:cut])
        if head in translate:
            rest = parts[cut:]
            return "/".join([translate[head], *rest]) if rest else translate[head]
    return path


def _with_references(resource: Resource, translate: dict[str, str], record: PlanResource,
                     ids: dict[str, str]) -> Resource:
    refs = {Reference(path=_translated(path, translate), target=ids[target], expression=expression[:300])
            for path, target, expression in record.references if target in ids}
    if not refs:
        return resource
    ordered = tuple(sorted(refs, key=lambda r: (r.path, r.target, r.expression)))
    return resource.model_copy(update={"references": ordered})
