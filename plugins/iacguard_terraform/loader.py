"""Claiming Terraform directories and turning a root module into resources.

Root-module rule: a directory holding `*.tf` / `*.tf.json` files is a *root module*
unless another directory with Terraform files under the scan root calls it as a local
module (`source = "./..."` or `"../..."`). A root is evaluated (variables, tfvars,
locals, count/for_each, local and vendored modules) and yields one resource per
resource instance; a directory that is only called yields nothing itself, since its
resources come out of the roots that call it, with the callers' inputs.
The called-directories set is computed once per scan root and process, from the files.
A `.tf` file given by itself (not inside a scanned directory) is a root module of one file.

Evaluation choices where `terraform plan` would know more or refuse:
- computed attributes (`aws_vpc.main.id`, a data source's results; their configured
  arguments are known) and variables without a value are `Unknown`; so are references to
  things not declared (snippets often have those); data sources are not in the graph, but
  what they reference counts as a reference of whoever reads them;
- a resource or module whose `count`/`for_each` is unknown yields one instance addressed
  `[*]`, with `count.index`/`each.*` unknown, so that its configuration is still checked;
- registry/git modules not vendored under `.terraform/modules` are reported (PARSE003) and
  their outputs are unknown; `file()`/`templatefile()` read nothing outside the scan root.
Override files (`override.tf`, `*_override.tf`) are merged into the blocks they name.
Each resource's references are kept in `Resource.references` and become REFERENCES edges
in `iacguard_link`, so loading stays a pure function of the files.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from pathlib import Path
from typing import Any

from iacguard.loading import LoadContext, LoadResult
from iacguard.model import Provenance, Reference, Resource, SourceSpan
from iacguard_terraform import k8s
from iacguard_terraform.evaluate import Scope, plain
from iacguard_terraform.hcl import (
    Attr,
    HclSyntaxError,
    JsonExpr,
    load_json_object,
    parse_expression,
    parse_hcl,
)
from iacguard_terraform.module import (
    EVAL_ERRORS,
    Emitted,
    LoadState,
    ModuleInstance,
    Value,
    coerce,
    tf_files,
)

# `source = "./x"` anywhere (one-line module blocks, trailing comments); a match only counts
# when it names a directory with Terraform files.
_LOCAL_SOURCE = re.compile(r'\bsource\s*=\s*"(\.\.?(?:/[^"]*)?)"')
# Strings (kept) or comments (dropped): a commented-out module block calls nothing.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|//[^\n]*|/\*.*?\*/', re.S)


def _without_comments(text: str) -> str:
    return _STRING_OR_COMMENT.sub(lambda m: m.group(0) if m.group(0).startswith('"') else " ", text)
_CALLED: dict[tuple[Path, tuple[str, ...]], frozenset[Path]] = {}
SKIPPED_DIRS = {"node_modules", "__pycache__"}


def called_directories(root: Path, exclude: tuple[str, ...] = ()) -> frozenset[Path]:
    """Directories under `root` that a Terraform directory under `root` calls as a local module
    (callers in excluded paths, as the engine skips them, do not count)."""
    root = root.resolve()
    cached = _CALLED.get((root, exclude))
    if cached is not None:
        return cached

    def excluded(path: Path) -> bool:
        rel = path.relative_to(root).as_posix()
        return any(fnmatch.fnmatch(rel, pattern) for pattern in exclude)

    called: set[Path] = set()
    for current, dirs, files in os.walk(root):
        directory = Path(current)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS
                         and not excluded(directory / d))
        for name in files:
            if not (name.endswith(".tf") or name.endswith(".tf.json")) or excluded(directory / name):
                continue
            try:
                text = (directory / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            sources = _LOCAL_SOURCE.findall(_without_comments(text)) if _LOCAL_SOURCE.search(text) else []
            if name.endswith(".tf.json"):
                sources += re.findall(r'"source"\s*:\s*"(\.\.?(?:/[^"]*)?)"', text)
            for source in sources:
                target = (directory / source).resolve()
                if target != directory and target.is_dir() and tf_files(target):
                    called.add(target)
    result = frozenset(called)
    _CALLED[(root, exclude)] = result
    return result


def _tfvars_files(directory: Path) -> list[Path]:
    names = ["terraform.tfvars", "terraform.tfvars.json"]
    out = [directory / n for n in names if (directory / n).is_file()]
    try:
        autos = sorted(p for p in directory.iterdir() if p.is_file() and (
            p.name.endswith(".auto.tfvars") or p.name.endswith(".auto.tfvars.json")))
    except OSError:
        autos = []
    return out + autos


def collect(path: Path, ctx: LoadContext) -> LoadResult | None:
    if path.is_file():
        # Only reached for a file given by itself (a directory claim consumes its files):
        # that file alone is the root module.
        if path.name.endswith(".tf") or path.name.endswith(".tf.json"):
            return load_root(path.parent, ctx, [path], only_file=path)
        return None
    if not path.is_dir():
        return None
    files = tf_files(path)
    if not files:
        return None
    consumed = [*files, *_tfvars_files(path)]
    try:
        is_called = path.resolve() in called_directories(ctx.root, tuple(ctx.config.exclude))
    except OSError:
        is_called = False
    if is_called:
        return LoadResult(consumed=consumed, descend=True)
    return load_root(path, ctx, consumed)


def load_root(root_dir: Path, ctx: LoadContext, consumed: list[Path],
              only_file: Path | None = None) -> LoadResult:
    state = LoadState(ctx, root_dir.resolve())
    mdef = state.module_def(root_dir, only_file)
    root = ModuleInstance(state, mdef, "", [])
    root.inputs = _root_inputs(state, root, ctx, with_tfvars=only_file is None)
    root.emit()
    resources = build_resources(state, ctx.relpath(only_file or root_dir))
    # Files the configuration reads (`yamldecode(file("svc.yaml"))`, templates) are part of this
    # unit: scanned again on their own, their objects would be reported twice (or unrendered).
    here = root_dir.resolve()
    read = [root_dir / f.name for f in sorted(state.read_files) if f.parent == here]
    return LoadResult(resources=resources, problems=state.problems,
                      consumed=[*consumed, *(f for f in read if f not in consumed)], descend=True)


# -- root variables ----------------------------------------------------------------------------
def _option_list(options: dict[str, Any], key: str) -> list[str]:
    value = options.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _root_inputs(state: LoadState, root: ModuleInstance, ctx: LoadContext,
                 with_tfvars: bool = True) -> dict[str, Value]:
    """Variable values with Terraform's precedence: environment < terraform.tfvars <
    *.auto.tfvars (lexical order) < --var-file < --var (later wins)."""
    declared = root.mdef.variables
    options = ctx.config.options
    values: dict[str, Value] = {}
    if options.get("tf_env_vars") is True:
        for key in sorted(os.environ):
            name = key.removeprefix("TF_VAR_")
            if key.startswith("TF_VAR_") and name in declared:
                prov = Provenance(kind="environment", description=f"environment variable {key}")
                values[name] = Value(_cli_value(root, name, os.environ[key]), frozenset(), (prov,))
    var_files: list[Path] = list(_tfvars_files(state.root_dir)) if with_tfvars else []
    for given in _option_list(options, "tf_var_files"):
        candidate = Path(given)
        if not candidate.is_absolute():
            candidate = state.root_dir / given if (state.root_dir / given).is_file() else Path.cwd() / given
        var_files.append(candidate)
    for file in var_files:
        for name, attr in _read_tfvars(state, file).items():
            if name not in declared:
                continue
            value = root.eval_attr(attr, Scope(root))
            prov = Provenance(kind="tfvars", description=f"{name} in {state.describe(attr.span)}",
                              span=attr.span)
            values[name] = Value(value, frozenset(), (prov,))
    for assignment in _option_list(options, "tf_vars"):
        name, sep, raw = assignment.partition("=")
        name = name.strip()
        if not sep or name not in declared:
            continue
        prov = Provenance(kind="cli", description=f"--var {name}")
        values[name] = Value(_cli_value(root, name, raw), frozenset(), (prov,))
    return values


def _cli_value(root: ModuleInstance, name: str, raw: str) -> Any:
    """`-var` values are literal strings unless the variable's type is a non-string type."""
    type_attr = root.mdef.variables[name].attrs.get("type")
    if type_attr is None or type_attr.text.strip() == "string":
        return raw
    try:
        value = plain(_evaluate_text(raw, root), Scope(root))
        return coerce(value, type_attr.expr, root)
    except (HclSyntaxError, *EVAL_ERRORS):
        return raw


def _evaluate_text(text: str, root: ModuleInstance) -> Any:
    from iacguard_terraform.evaluate import evaluate

    return evaluate(parse_expression(text), Scope(root))


def _read_tfvars(state: LoadState, file: Path) -> dict[str, Attr]:
    if not file.is_file():
        state.problem(SourceSpan(file=str(file), precision="file"), f"variables file {file} not found")
        return {}
    try:
        if file.name.endswith(".json"):
            data = load_json_object(file)
            span = SourceSpan(file=str(file), precision="file")
            return {k: Attr(k, JsonExpr(v), span, json.dumps(v)[:200]) for k, v in data.items()}
        attrs, _ = parse_hcl(file)
        return attrs
    except (HclSyntaxError, ValueError) as exc:
        line = exc.line if isinstance(exc, HclSyntaxError) else 1
        state.problem(SourceSpan(file=str(file), start_line=line, end_line=line), str(exc),
                      "unparseable-file")
        return {}


# -- resources -------------------------------------------------------------------------------
def build_resources(state: LoadState, rel_root: str) -> list[Resource]:
    built: list[tuple[Resource, Emitted, dict[str, str]]] = []
    ids: dict[str, str] = {}
    for emitted in state.emitted:
        id_prefix = f"tf:{rel_root}:{emitted.address}"
        context = {"module": " > ".join(emitted.chain)} if emitted.chain else {}
        translate: dict[str, str] = {}
        manifest = k8s.manifest_of(emitted.type, emitted.body)
        if manifest is not None:
            resource, translate = k8s.manifest_resource(
                manifest, address=emitted.address, source_map=emitted.source_map,
                provenance=emitted.provenance, origin=emitted.block.span, id_prefix=id_prefix,
                context=context)
        elif emitted.type in k8s.KINDS:
            resource, translate = k8s.to_resource(
                type_=emitted.type, address=emitted.address, label=emitted.name, body=emitted.body,
                block_paths=emitted.block_paths, source_map=emitted.source_map,
                provenance=emitted.provenance, origin=emitted.block.span, id_prefix=id_prefix,
                context=context)
        else:
            resource = Resource(
                id=id_prefix, kind=emitted.type, name=emitted.name, format="terraform",
                address=emitted.address, body=emitted.body, origin=emitted.block.span,
                source_map=emitted.source_map, provenance=emitted.provenance, context=context)
        ids.setdefault(emitted.address, resource.id)
        built.append((resource, emitted, translate))
    out: list[Resource] = []
    for resource, emitted, translate in built:
        references: list[Reference] = []
        for path, targets, expression in emitted.references:
            for target in sorted(targets):
                target_id = ids.get(target)
                if target_id is not None and target_id != resource.id:
                    references.append(Reference(path=translate.get(path, path), target=target_id,
                                                expression=expression[:300]))
        if references:
            ordered = tuple(sorted(set(references), key=lambda r: (r.path, r.target, r.expression)))
            resource = resource.model_copy(update={"references": ordered})
        out.append(resource)
    return out

