"""Claiming Terraform directories and turning a root module into resources.

Plan phase (`claim`): a directory holding `*.tf` / `*.tf.json` files is claimed as a unit
that owns its Terraform files, its `terraform.tfvars[.json]` and `*.auto.tfvars[.json]`, and
every local module directory its files call (`source = "./..."` or `"../..."` naming a
directory with Terraform files; found textually, comments stripped, memoised per file by
content), with that directory's Terraform and tfvars files. A `.tf` file given by itself
is a root module of one file.

Root-module rule: a directory is a *root module* unless another scanned directory calls it
as a local module. It needs no code of its own: the caller's claim owns the called
directory, and the engine drops every claim whose path another claim owns, so exactly the
directories nobody calls are loaded. A called directory yields nothing itself, since its
resources come out of the roots that call it, with the callers' inputs.

Load phase (`load`): a root is evaluated (variables, tfvars, locals, count/for_each, local
and vendored modules) and yields one resource per resource instance. Everything is read
through `ctx.fs` (editor overlays, recorded inputs) and parsed files are cached in
`ctx.memo` by content, so nothing outlives the session or an edit.

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
from pathlib import Path

from iacguard.fs import FileSystem
from iacguard.loading import Claim, LoadContext, LoadResult, Memo
from iacguard.model import Reference, Resource
from iacguard_builtin.terraform import k8s
from iacguard_builtin.terraform.inputs import root_inputs, tfvars_files
from iacguard_builtin.terraform.module import ModuleInstance
from iacguard_builtin.terraform.module_calls import called_modules
from iacguard_builtin.terraform.module_def import is_tf_file, tf_files
from iacguard_builtin.terraform.state import Emitted, LoadState

LOADER = "terraform"
SKIPPED_DIRS = {"node_modules", "__pycache__"}
FILE_UNIT = (("unit", "file"),)


# -- plan -----------------------------------------------------------------------------------
def _own_files(fs: FileSystem, directory: Path) -> list[Path]:
    files = tf_files(fs, directory)
    return [*files, *tfvars_files(fs, directory)] if files else []


def claim(path: Path, ctx: LoadContext) -> Claim | None:
    fs = ctx.fs
    kind = fs.kind(path)
    if kind == "file":
        if is_tf_file(path.name):
            return Claim(LOADER, path, owns=(path,), descend=False, data=FILE_UNIT)
        return None
    if kind != "dir":
        return None
    files = tf_files(fs, path)
    if not files:
        return None
    owns = [*files, *tfvars_files(fs, path)]
    for called in called_modules(fs, ctx.memo, path, files):
        owns += [called, *_own_files(fs, called)]
    return Claim(LOADER, path, owns=tuple(dict.fromkeys(owns)), descend=True)


def called_directories(root: Path, exclude: tuple[str, ...] = (),
                       fs: FileSystem | None = None) -> frozenset[Path]:
    """Directories under `root` that a Terraform directory under `root` calls as a local module
    (callers in excluded paths, as the engine skips them, do not count). Only the legacy
    one-step `collect` needs this; the plan phase gets the same rule from ownership."""
    fs = fs or FileSystem()
    memo = Memo()
    root = root.resolve()

    def excluded(path: Path) -> bool:
        rel = path.relative_to(root).as_posix()
        return any(fnmatch.fnmatch(rel, pattern) for pattern in exclude)

    called: set[Path] = set()
    pending = [root]
    while pending:
        directory = pending.pop()
        entries = fs.iterdir(directory)
        files = [p for p in entries if is_tf_file(p.name) and not excluded(p) and fs.is_file(p)]
        called.update(called_modules(fs, memo, directory, files))
        pending.extend(p for p in reversed(entries)
                       if not p.name.startswith(".") and p.name not in SKIPPED_DIRS
                       and not fs.is_symlink(p) and fs.is_dir(p) and not excluded(p))
    return frozenset(called)


def collect(path: Path, ctx: LoadContext) -> LoadResult | None:
    """The legacy one-step hook: claim and load `path`, deciding the root-module rule itself
    (the engine does not apply claims' ownership yet)."""
    unit = claim(path, ctx)
    if unit is None:
        return None
    if unit.data != FILE_UNIT:
        try:
            is_called = path.resolve() in called_directories(ctx.root, tuple(ctx.config.exclude), ctx.fs)
        except OSError:
            is_called = False
        if is_called:
            return LoadResult(consumed=_own_files(ctx.fs, path), descend=True)
    result = load(unit, ctx)
    assert result is not None
    result.consumed = [*unit.owns, *(p for p in result.consumed if p not in unit.owns)]
    result.descend = unit.descend
    return result


# -- load -----------------------------------------------------------------------------------
def load(unit: Claim, ctx: LoadContext, data_files: set[Path] | None = None) -> LoadResult | None:
    """The resources of a claimed root module; `consumed` lists the files of the root
    directory its configuration read (`yamldecode(file("svc.yaml"))`). `data_files`, when
    given, receives every file the configuration read as data (`file()`, `templatefile()`)."""
    if unit.loader != LOADER:
        return None
    if unit.data == FILE_UNIT:
        return load_root(unit.path.parent, ctx, [], only_file=unit.path, data_files=data_files)
    return load_root(unit.path, ctx, [], data_files=data_files)


def load_root(root_dir: Path, ctx: LoadContext, consumed: list[Path],
              only_file: Path | None = None, data_files: set[Path] | None = None) -> LoadResult:
    state = LoadState(ctx, root_dir.resolve())
    if data_files is not None:
        state.read_files = data_files  # filled as the configuration reads
    mdef = state.module_def(root_dir, only_file)
    root = ModuleInstance(state, mdef, "", [])
    root.inputs = root_inputs(state, root, ctx, with_tfvars=only_file is None)
    root.emit()
    resources = build_resources(state, ctx.relpath(only_file or root_dir))
    # Files the configuration reads (`yamldecode(file("svc.yaml"))`, templates) are part of this
    # unit: scanned again on their own, their objects would be reported twice (or unrendered).
    here = root_dir.resolve()
    read = [root_dir / f.name for f in sorted(state.read_files) if f.parent == here]
    return LoadResult(resources=resources, problems=state.problems,
                      consumed=[*consumed, *(f for f in read if f not in consumed)], descend=True)


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
        if emitted.calls:  # a comment above a `module` call applies inside the module
            resource = resource.model_copy(update={"enclosing": emitted.calls})
        if emitted.sensitive:
            marked = tuple(sorted({translate.get(p, p) for p in emitted.sensitive}))
            resource = resource.model_copy(update={"sensitive": marked})
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

