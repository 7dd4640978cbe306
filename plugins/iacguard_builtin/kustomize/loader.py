"""Build kustomizations with `kustomize build` or `kubectl kustomize` and map objects back.

Claiming (`claim`): a directory with a kustomization file is a unit, built and scanned as
its own variant (`variant` = its directory): base and overlays are separate deployments, and
a user who scans a repository means to check each. The unit owns the YAML/JSON files of its
own directory (patches, resources, generator inputs) and every plain file its `resources`,
patches and generators reference wherever it lies, so those are reported through the build
only; a referenced directory (a base, a component) is a kustomization of its own and stays
its own unit. The walk goes on below (nested kustomizations, Helm charts). A `kind:
Component` directory is claimed the same way but not built alone (it only means something
inside a kustomization).

Loading reads the kustomization and every file it references (bases included) through
`ctx.fs`, so they are the unit's declared inputs, and builds a copy with the editor's
overlays applied when one lies in the kustomization's tree.

Mapping: each built object is matched by kind and name (allowing name prefixes/suffixes)
to the documents of `resources:` files and patches along the kustomization chain. A field
whose built value equals the value written in one of those documents maps there (`exact`,
the latest patch first); a field that exists in the source with another value maps to the
source key (`block`); the object maps to its source document (`block`), or, unmatched (a
generated Secret), to the kustomization file (`file`).

Remote bases (URLs, git references) are refused before building: iacguard never fetches.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from iacguard.loading import Claim, LoadContext, LoadProblem, LoadResult
from iacguard.model import Resource, SourceSpan
from iacguard.values import MISSING, as_list, get, pointer
from iacguard_builtin.kubernetes.api import (
    YAML_SUFFIXES,
    Document,
    is_kubernetes_object,
    load_text,
    parse_documents,
)
from iacguard_builtin.kustomize.build import build
from iacguard_builtin.kustomize.remote import is_remote
from iacguard_builtin.kustomize.schema import schema_problem

__all__ = ["build_command", "claim", "load_directory", "load_unit"]

LOADER = "kustomize"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_SUFFIXES = (*YAML_SUFFIXES, ".json")
FILE_LIST_KEYS = ("resources", "bases", "components", "crds", "patchesStrategicMerge",
                  "configurations", "generators", "transformers", "validators", "openapi")
ProblemRule = Literal["unparseable-file", "render-failed", "unresolved-input"]


def build_command(directory: Path) -> list[str] | None:
    """`kustomize build DIR` or `kubectl kustomize DIR`, whichever is on PATH."""
    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build", str(directory)]
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize", str(directory)]
    return None


def kustomization_file(directory: Path, ctx: LoadContext) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if ctx.fs.is_file(candidate):
            return candidate
    return None


@dataclass
class Kustomization:
    directory: Path
    file: Path
    data: dict[str, Any]
    source_map: Mapping[str, SourceSpan]

    @classmethod
    def read(cls, directory: Path, ctx: LoadContext) -> Kustomization | LoadProblem | None:
        file = kustomization_file(directory, ctx)
        if file is None:
            return None
        try:
            text = ctx.fs.read_text(file)
        except (OSError, UnicodeDecodeError) as exc:
            return _problem(file, f"cannot read kustomization: {exc}", rule="unparseable-file")
        for doc in parse_documents(text, str(file)):
            if isinstance(doc, Document):
                data = doc.data if isinstance(doc.data, dict) else {}
                return cls(directory, file, data, doc.source_map)
            return _problem(file, doc.message, doc.line, rule="unparseable-file")
        return cls(directory, file, {}, {})

    @property
    def is_component(self) -> bool:
        return self.data.get("kind") == "Component"

    def entries(self) -> list[tuple[str, str]]:
        """(pointer, path) of every file or directory reference, in kustomize's order."""
        out: list[tuple[str, str]] = []
        for key in FILE_LIST_KEYS:
            items = self.data.get(key)
            if isinstance(items, list):
                out.extend((pointer([key, i]), item) for i, item in enumerate(items)
                           if isinstance(item, str) and "\n" not in item)
        for key in ("patches", "patchesJson6902"):
            items = self.data.get(key)
            if isinstance(items, list):
                out.extend((pointer([key, i, "path"]), item["path"]) for i, item in enumerate(items)
                           if isinstance(item, dict) and isinstance(item.get("path"), str))
        for key in ("configMapGenerator", "secretGenerator"):
            for i, gen in enumerate(as_list(self.data.get(key))):
                if not isinstance(gen, dict):
                    continue
                for sub in ("files", "envs"):
                    for j, item in enumerate(as_list(gen.get(sub))):
                        if isinstance(item, str):
                            out.append((pointer([key, i, sub, j]), item.split("=", 1)[-1]))
                if isinstance(gen.get("env"), str):
                    out.append((pointer([key, i, "env"]), gen["env"]))
        return out

    def remote_references(self) -> list[tuple[str, str]]:
        return [(ptr, ref) for ptr, ref in self.entries() if is_remote(ref)]

    def resource_files(self) -> list[Path]:
        """Files listed in resources/bases (directories are followed by the caller)."""
        out: list[Path] = []
        for key in ("resources", "bases"):
            for item in as_list(self.data.get(key)):
                if isinstance(item, str) and not is_remote(item):
                    out.append((self.directory / item).resolve())
        return out

    def patch_files(self) -> list[Path]:
        out: list[Path] = []
        for ptr, item in self.entries():
            if ptr.startswith(("patches", "patchesStrategicMerge", "patchesJson6902")):
                out.append((self.directory / item).resolve())
        return out

    def local_targets(self) -> list[Path]:
        """Every local file or directory referenced, resolved, in kustomize's order."""
        return [(self.directory / item).resolve() for _, item in self.entries() if not is_remote(item)]

    def line_of(self, ptr: str) -> int | None:
        span = self.source_map.get(ptr)
        return span.start_line if span else None


def _problem(file: Path, message: str, line: int | None = None,
             rule: ProblemRule = "render-failed") -> LoadProblem:
    if line is None:
        span = SourceSpan(file=str(file), precision="file")
    else:
        span = SourceSpan(file=str(file), start_line=line, end_line=line, precision="exact")
    return LoadProblem(span=span, message=message, rule=rule)


@dataclass
class SourceDoc:
    file: Path
    doc: Document

    @property
    def kind(self) -> str:
        return str(self.doc.data.get("kind", ""))

    @property
    def name(self) -> str:
        return str(get(self.doc.data, ("metadata", "name"), ""))


@dataclass
class Sources:
    """Documents along a kustomization chain, base first: resources and patches."""

    resources: list[SourceDoc] = field(default_factory=list)
    patches: list[SourceDoc] = field(default_factory=list)


def _documents(file: Path, ctx: LoadContext) -> list[SourceDoc]:
    try:
        text = ctx.fs.read_text(file)
    except (OSError, UnicodeDecodeError):
        return []
    return [SourceDoc(file, d) for d in parse_documents(text, str(file))
            if isinstance(d, Document) and is_kubernetes_object(d.data)]


def collect_sources(kustomization: Kustomization, ctx: LoadContext,
                    seen: set[Path] | None = None) -> Sources:
    seen = set() if seen is None else seen
    sources = Sources()
    if kustomization.directory in seen:
        return sources
    seen.add(kustomization.directory)
    for target in kustomization.local_targets():
        if ctx.fs.is_dir(target):
            nested = Kustomization.read(target, ctx)
            if isinstance(nested, Kustomization):
                inner = collect_sources(nested, ctx, seen)
                sources.resources.extend(inner.resources)
                sources.patches.extend(inner.patches)
    for file in kustomization.resource_files():
        if ctx.fs.is_file(file):
            sources.resources.extend(_documents(file, ctx))
    for file in kustomization.patch_files():
        if ctx.fs.is_file(file):
            sources.patches.extend(_documents(file, ctx))
    return sources


def _name_score(built: str, original: str) -> int:
    """How well a source name explains a built name (namePrefix/nameSuffix, hash suffixes)."""
    if built == original:
        return 10_000
    if original and original in built:
        return len(original)
    return -1


def _match(docs: list[SourceDoc], kind: str, name: str) -> list[SourceDoc]:
    scored = [(_name_score(name, d.name), d) for d in docs if d.kind == kind]
    best = max((s for s, _ in scored), default=-1)
    return [d for s, d in scored if s == best and best >= 0]


def _scalar_equal(a: Any, b: Any) -> bool:
    return not isinstance(a, dict | list) and not isinstance(b, dict | list) and a == b


def _paths(data: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out: list[tuple[str | int, ...]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out.append((*prefix, index))
            out.extend(_paths(value, (*prefix, index)))
    return out


def map_resource(resource: Resource, sources: Sources, fallback: Path) -> Resource:
    resource_docs = _match(sources.resources, resource.kind, resource.name)
    patch_docs = _match(sources.patches, resource.kind, resource.name)
    if len(resource_docs) != 1:
        origin = SourceSpan(file=str(fallback), precision="file")
        # Generated or ambiguous: fields may still come from one patch document.
        smap = _field_map(resource, [], patch_docs if len(patch_docs) == 1 else [])
        return resource.model_copy(update={"origin": origin, "source_map": smap})
    base = resource_docs[0]
    origin = SourceSpan(file=str(base.file), start_line=base.doc.start_line, end_line=base.doc.end_line,
                        precision="block")
    smap = _field_map(resource, [base], patch_docs)
    return resource.model_copy(update={"origin": origin, "source_map": smap})


def _field_map(resource: Resource, bases: list[SourceDoc],
               patches: list[SourceDoc]) -> dict[str, SourceSpan]:
    smap: dict[str, SourceSpan] = {}
    layered = [*bases, *patches]  # later documents override earlier ones
    for path in _paths(resource.body):
        ptr = pointer(list(path))
        value = get(resource.body, path)
        writers = [(s, s.doc.source_map[ptr]) for s in layered
                   if ptr in s.doc.source_map and get(s.doc.data, path) is not MISSING]
        if not writers:
            continue
        if isinstance(value, dict | list):
            # A container belongs where it is first defined; patches only add to it.
            span, precision = writers[0][1], "exact" if len(writers) == 1 else "block"
        else:
            equal = [w for w in writers if _scalar_equal(get(w[0].doc.data, path), value)]
            # The last document that wrote this value wins; a value no document wrote was
            # changed by a transformer (name prefix, image tag): the key, as a block.
            span, precision = (equal[-1][1], "exact") if equal else (writers[0][1], "block")
        smap[ptr] = span.model_copy(update={"precision": precision})
    return smap


def _build_root(kustomization: Kustomization, files: set[Path], ctx: LoadContext) -> Path:
    """The directory a copy must hold for the build to see every local reference: the common
    ancestor of the kustomization and what it uses, but never above the scan root."""
    root = Path(os.path.abspath(ctx.root))
    here = Path(os.path.abspath(kustomization.directory))
    common = Path(os.path.commonpath([here, *(Path(os.path.abspath(f)).parent for f in files)]))
    if common == root or root in common.parents:
        return common
    return root if root in here.parents else here


def load_kustomization(kustomization: Kustomization, ctx: LoadContext) -> LoadResult:
    """Build one kustomization; resources carry `variant` = its directory."""
    result = LoadResult()
    remote = kustomization.remote_references()
    if remote:
        ptr, ref = remote[0]
        result.problems.append(_problem(kustomization.file, f"kustomization not built: it references "
                                        f"the remote {ref!r}, and iacguard never fetches remote bases",
                                        kustomization.line_of(ptr)))
        return result
    files = referenced_files(kustomization, ctx)
    for file in sorted(files):
        ctx.fs.note_read(file)  # generator inputs too: the build reads them behind our back
    around = _build_root(kustomization, files, ctx)
    with ctx.fs.materialize(kustomization.directory, around=around) as on_disk:
        output = build(build_command(on_disk), ctx)
        if output.error is not None and on_disk != kustomization.directory:
            output.error = output.error.replace(str(on_disk), str(kustomization.directory))
    if output.error is not None:
        result.problems.append(_problem(kustomization.file, f"kustomize build failed: {output.error}"))
        return result
    rel = ctx.relpath(kustomization.directory)
    sources = collect_sources(kustomization, ctx)
    loaded = load_text(output.text, kustomization.file, ctx, format="kustomize", variant=rel,
                       context={"kustomization": rel}, id_prefix=f"kustomize:{rel}")
    if loaded is None:
        return result
    for problem in loaded.problems:
        result.problems.append(_problem(kustomization.file, f"kustomize output is not valid YAML: "
                                        f"{problem.message}"))
    result.resources = [map_resource(r, sources, kustomization.file) for r in loaded.resources]
    return result


def referenced_files(kustomization: Kustomization, ctx: LoadContext,
                     seen: set[Path] | None = None) -> set[Path]:
    """Every local file the kustomization and its local bases use (no document parsing)."""
    seen = set() if seen is None else seen
    if kustomization.directory in seen:
        return set()
    seen.add(kustomization.directory)
    files = {kustomization.file}
    for target in kustomization.local_targets():
        kind = ctx.fs.kind(target)
        if kind == "file":
            files.add(target)
        elif kind == "dir":
            nested = Kustomization.read(target, ctx)
            if isinstance(nested, Kustomization):
                files |= referenced_files(nested, ctx, seen)
    return files


def _own_files(directory: Path, kustomization_path: Path, ctx: LoadContext) -> list[Path]:
    return [p for p in ctx.fs.iterdir(directory)
            if (p.suffix.lower() in MANIFEST_SUFFIXES or p == kustomization_path) and ctx.fs.is_file(p)]


def claim(directory: Path, ctx: LoadContext) -> Claim | None:
    """A kustomization directory: its own files and the plain files it references."""
    read = Kustomization.read(directory, ctx)
    if read is None:
        return None
    if isinstance(read, LoadProblem):
        # Nothing is known of what it references: only the broken file itself is ours.
        return Claim(loader=LOADER, path=directory, owns=(Path(read.span.file),), descend=True)
    plain = [t for t in read.local_targets() if t.name not in KUSTOMIZATION_FILES and ctx.fs.is_file(t)]
    owns = sorted({*_own_files(directory, read.file, ctx), *plain})
    return Claim(loader=LOADER, path=directory, owns=tuple(owns), descend=True)


def load_unit(directory: Path, ctx: LoadContext) -> LoadResult:
    """The resources of a claimed kustomization directory (none for a component)."""
    read = Kustomization.read(directory, ctx)
    if read is None:
        return LoadResult()  # gone since it was claimed
    if isinstance(read, LoadProblem):
        return LoadResult(problems=[read])
    invalid = schema_problem(str(read.file), read.data, read.source_map)
    if invalid is not None:
        return LoadResult(problems=[invalid])
    if read.is_component:
        return LoadResult()
    return load_kustomization(read, ctx)


def load_directory(directory: Path, ctx: LoadContext) -> LoadResult | None:
    """Claim and load in one step (the legacy `iacguard_collect` answer, see the module doc)."""
    claimed = claim(directory, ctx)
    if claimed is None:
        return None
    result = load_unit(directory, ctx)
    result.consumed = [*claimed.owns, *result.consumed]
    result.descend = claimed.descend
    return result
