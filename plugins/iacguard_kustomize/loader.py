"""Build kustomizations with `kustomize build` or `kubectl kustomize` and map objects back.

Claiming (the engine keeps walking below every claim, so nested kustomizations, overlays
and Helm charts are each claimed by their own loader):

- a directory with a kustomization file is built and scanned as its own variant
  (`variant` = its directory): base and overlays are separate deployments, and a user who
  scans a repository means to check each. The YAML files in its own directory (patches,
  resources, generator inputs) are consumed, so they are reported through the build only;
- a `kind: Component` directory is not built alone (it only means something inside a
  kustomization) and its files, partial patches, are consumed too;
- a plain directory below a kustomization whose files that kustomization references
  (`resources: [base/deployment.yaml]`) is claimed so that those files are consumed; its
  other files are scanned as usual. Kustomize only loads files inside the kustomization's
  own tree (or other kustomizations), so this covers every referenced file.

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
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from iacguard_kubernetes.api import (
    YAML_SUFFIXES,
    Document,
    is_kubernetes_object,
    load_text,
    parse_documents,
)

from iacguard.loading import LoadContext, LoadProblem, LoadResult
from iacguard.model import Resource, SourceSpan
from iacguard.values import MISSING, get, pointer

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
BUILD_TIMEOUT_SECONDS = 120
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=",
                    re.IGNORECASE)
FILE_LIST_KEYS = ("resources", "bases", "components", "crds", "patchesStrategicMerge",
                  "configurations", "generators", "transformers", "validators", "openapi")
KLOG_PREFIX = re.compile(r'^[EWI]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] (?:"command failed" err=)?')
ProblemRule = Literal["unparseable-file", "render-failed", "unresolved-input"]
NOT_AVAILABLE = "kustomize not available: install kubectl or kustomize"


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def build_command(directory: Path) -> list[str] | None:
    """`kustomize build DIR` or `kubectl kustomize DIR`, whichever is on PATH."""
    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build", str(directory)]
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize", str(directory)]
    return None


def _offline_env() -> dict[str, str]:
    """The environment for the build: proxies to a closed local port, so that a remote
    reference that slipped past the check fails fast instead of reaching the network."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    dead = "http://127.0.0.1:9"
    env.update({"HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead,
                "NO_PROXY": "", "no_proxy": "", "GIT_TERMINAL_PROMPT": "0"})
    return env


@dataclass
class BuildOutput:
    text: str = ""
    error: str | None = None


def build(directory: Path) -> BuildOutput:
    command = build_command(directory)
    if command is None:
        return BuildOutput(error=NOT_AVAILABLE)
    try:
        proc = subprocess.run(command, capture_output=True, timeout=BUILD_TIMEOUT_SECONDS,
                              check=False, env=_offline_env(), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return BuildOutput(error=f"kustomize build timed out after {BUILD_TIMEOUT_SECONDS}s")
    except OSError as exc:
        return BuildOutput(error=f"cannot run {command[0]}: {exc}")
    if proc.returncode != 0:
        lines = [KLOG_PREFIX.sub("", line).strip() for line in
                 proc.stderr.decode("utf-8", "replace").splitlines()]
        lines = [line for line in lines if line and not line.startswith("# Warning")]
        return BuildOutput(error="; ".join(lines) or f"{command[0]} exited {proc.returncode}")
    if len(proc.stdout) > MAX_OUTPUT_BYTES:
        return BuildOutput(error=f"kustomize output larger than {MAX_OUTPUT_BYTES} bytes")
    return BuildOutput(text=proc.stdout.decode("utf-8", "replace"))


@dataclass
class Kustomization:
    directory: Path
    file: Path
    data: dict[str, Any]
    source_map: dict[str, SourceSpan]

    @classmethod
    def read(cls, directory: Path) -> Kustomization | LoadProblem | None:
        file = kustomization_file(directory)
        if file is None:
            return None
        try:
            text = file.read_text(encoding="utf-8")
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
            for i, gen in enumerate(self.data.get(key) or []):
                if not isinstance(gen, dict):
                    continue
                for sub in ("files", "envs"):
                    for j, item in enumerate(gen.get(sub) or []):
                        if isinstance(item, str):
                            out.append((pointer([key, i, sub, j]), item.split("=", 1)[-1]))
                if isinstance(gen.get("env"), str):
                    out.append((pointer([key, i, "env"]), gen["env"]))
        return out

    def remote_references(self) -> list[tuple[str, str]]:
        return [(ptr, ref) for ptr, ref in self.entries() if REMOTE.search(ref)]

    def resource_files(self) -> list[Path]:
        """Files listed in resources/bases (directories are followed by the caller)."""
        out: list[Path] = []
        for key in ("resources", "bases"):
            for item in self.data.get(key) or []:
                if isinstance(item, str) and not REMOTE.search(item):
                    out.append((self.directory / item).resolve())
        return out

    def patch_files(self) -> list[Path]:
        out: list[Path] = []
        for ptr, item in self.entries():
            if ptr.startswith(("patches", "patchesStrategicMerge", "patchesJson6902")):
                out.append((self.directory / item).resolve())
        return out

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


def _documents(file: Path) -> list[SourceDoc]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [SourceDoc(file, d) for d in parse_documents(text, str(file))
            if isinstance(d, Document) and is_kubernetes_object(d.data)]


def collect_sources(kustomization: Kustomization, seen: set[Path] | None = None) -> Sources:
    seen = set() if seen is None else seen
    sources = Sources()
    if kustomization.directory in seen:
        return sources
    seen.add(kustomization.directory)
    for _, item in kustomization.entries():
        target = (kustomization.directory / item).resolve()
        if not REMOTE.search(item) and target.is_dir():
            nested = Kustomization.read(target)
            if isinstance(nested, Kustomization):
                inner = collect_sources(nested, seen)
                sources.resources.extend(inner.resources)
                sources.patches.extend(inner.patches)
    for file in kustomization.resource_files():
        if file.is_file():
            sources.resources.extend(_documents(file))
    for file in kustomization.patch_files():
        if file.is_file():
            sources.patches.extend(_documents(file))
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
    output = build(kustomization.directory)
    if output.error is not None:
        result.problems.append(_problem(kustomization.file, f"kustomize build failed: {output.error}"))
        return result
    rel = ctx.relpath(kustomization.directory)
    sources = collect_sources(kustomization)
    loaded = load_text(output.text, kustomization.file, ctx, format="kustomize", variant=rel,
                       context={"kustomization": rel}, id_prefix=f"kustomize:{rel}")
    if loaded is None:
        return result
    for problem in loaded.problems:
        result.problems.append(_problem(kustomization.file, f"kustomize output is not valid YAML: "
                                        f"{problem.message}"))
    result.resources = [map_resource(r, sources, kustomization.file) for r in loaded.resources]
    return result


def referenced_files(kustomization: Kustomization, seen: set[Path] | None = None) -> set[Path]:
    """Every local file the kustomization and its local bases use (no document parsing)."""
    seen = set() if seen is None else seen
    if kustomization.directory in seen:
        return set()
    seen.add(kustomization.directory)
    files = {kustomization.file}
    for _, item in kustomization.entries():
        if REMOTE.search(item):
            continue
        target = (kustomization.directory / item).resolve()
        if target.is_file():
            files.add(target)
        elif target.is_dir():
            nested = Kustomization.read(target)
            if isinstance(nested, Kustomization):
                files |= referenced_files(nested, seen)
    return files


def load_directory(directory: Path, ctx: LoadContext) -> LoadResult | None:
    """The `iacguard_collect` answer for a directory (see the module doc)."""
    read = Kustomization.read(directory)
    if isinstance(read, LoadProblem):
        return LoadResult(problems=[read], consumed=[Path(read.span.file)], descend=True)
    if read is None:
        return _claim_referenced(directory, ctx)
    own = [p for p in sorted(directory.iterdir())
           if p.is_file() and (p.suffix.lower() in (*YAML_SUFFIXES, ".json") or p == read.file)]
    consumed = sorted({*own, *(f for f in referenced_files(read) if f.parent == directory)})
    if read.is_component:
        return LoadResult(consumed=consumed, descend=True)
    result = load_kustomization(read, ctx)
    result.consumed = consumed
    result.descend = True
    return result


def _claim_referenced(directory: Path, ctx: LoadContext) -> LoadResult | None:
    """Consume the files of a plain directory that an enclosing kustomization uses."""
    root = ctx.root.resolve()
    resolved = directory.resolve()
    used: set[Path] = set()
    for parent in resolved.parents:
        if parent != root and root not in parent.parents:
            break
        owner = Kustomization.read(parent)
        if isinstance(owner, Kustomization):
            used |= {f for f in referenced_files(owner) if f.parent == resolved}
    if not used:
        return None
    return LoadResult(consumed=sorted(directory / f.name for f in used), descend=True)
