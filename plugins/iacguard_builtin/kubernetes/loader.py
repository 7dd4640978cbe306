"""Load Kubernetes manifests (YAML streams, `kind: List`, JSON) into resources.

Files that parse but hold no Kubernetes object are not ours (another loader may want them);
files that do not parse are reported with file and line, and the scan goes on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from iacguard.loading import LoadContext, LoadProblem, LoadResult
from iacguard.model import Resource, SourceMap, SourceSpan
from iacguard.nesting import json_too_deep
from iacguard_builtin.kubernetes.objects import is_kubernetes_object, make_resource
from iacguard_builtin.kubernetes.yamlsource import Document, ParseFailure, decode, parse_documents

YAML_SUFFIXES = (".yaml", ".yml")
MANIFEST_SUFFIXES = (*YAML_SUFFIXES, ".json")
MAX_FILE_BYTES = 20 * 1024 * 1024
# Kinds that look like objects but are tool configuration, never sent to a cluster.
TOOL_KINDS = {
    ("kustomize.config.k8s.io", "Kustomization"),
    ("kustomize.config.k8s.io", "Component"),
}


def _problem(file: Path, line: int, column: int, message: str) -> LoadProblem:
    span = SourceSpan(file=str(file), start_line=line, start_col=column, end_line=line,
                      end_col=column, precision="exact")
    return LoadProblem(span=span, message=message)


def _is_tool_config(obj: dict[str, Any]) -> bool:
    group = str(obj.get("apiVersion", "")).split("/")[0]
    return (group, obj.get("kind")) in TOOL_KINDS


def _objects(doc: Document) -> list[tuple[dict[str, Any], str, SourceMap]]:
    """Kubernetes objects of one document with their path prefix and source map (`kind:
    List` unpacked: each item's map re-rooted at the item, in one pass over the list's)."""
    data = doc.data
    if not is_kubernetes_object(data) or _is_tool_config(data):
        return []
    if str(data["kind"]).endswith("List") and isinstance(data.get("items"), list):
        maps = doc.source_map.children("items")
        return [
            (item, f"items/{i}", maps.get(str(i)) or SourceMap(doc.source_map.file))
            for i, item in enumerate(data["items"])
            if is_kubernetes_object(item)
        ]
    return [(data, "", doc.source_map)]


def load_text(text: str, file: Path, ctx: LoadContext, *, format: str = "kubernetes",
              variant: str | None = None, context: dict[str, str] | None = None,
              id_prefix: str | None = None) -> LoadResult | None:
    """Resources from manifest text; `None` when the text holds no Kubernetes object and
    parses cleanly (so that other loaders may claim the file)."""
    resources: list[Resource] = []
    problems: list[LoadProblem] = []
    prefix = id_prefix or f"k8s:{ctx.relpath(file)}"
    for item in parse_documents(text, str(file)):
        if isinstance(item, ParseFailure):
            problems.append(_problem(file, item.line, item.column, item.message))
            break
        for obj, sub, smap in _objects(item):
            start, end = item.start_line, item.end_line
            if sub:
                item_span = item.source_map.get(sub)
                if item_span is not None:
                    start, end = item_span.start_line, item_span.end_line
            origin = SourceSpan(file=str(file), start_line=start, end_line=end,
                                precision="block")
            resources.append(
                make_resource(obj, id_prefix=prefix, format=format, origin=origin,
                              source_map=smap, variant=variant, context=context)
            )
    if not resources and not problems:
        return None
    return LoadResult(resources=resources, problems=problems)


def is_manifest_name(path: Path) -> bool:
    """Whether a file name says it may hold manifests (the cheap test a claim makes)."""
    return path.suffix.lower() in MANIFEST_SUFFIXES


def load_file(path: Path, ctx: LoadContext) -> LoadResult | None:
    """Resources of one manifest file read through `ctx.fs`; `None` when it is not ours."""
    if not is_manifest_name(path):
        return None
    try:
        size = ctx.fs.size(path)
        if size > MAX_FILE_BYTES:
            return LoadResult(problems=[_problem(path, 1, 1, f"file too large to scan "
                                                 f"({size} bytes > {MAX_FILE_BYTES})")])
        raw = ctx.fs.read_bytes(path)
    except OSError as exc:
        return LoadResult(problems=[_problem(path, 1, 1, f"cannot read file: {exc.strerror}")])
    if utf16_without_bom(raw):
        return LoadResult(problems=[_problem(path, 1, 1, "UTF-16 text without a byte-order mark: "
                                             "save it as UTF-8, or as UTF-16 with a BOM")])
    try:
        text = decode(raw)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        return LoadResult(problems=[_problem(path, line, column, f"not UTF-8 or UTF-16 text: {exc}")])
    if path.suffix.lower() == ".json":
        # Cheap pre-check: most JSON in a repository is not a manifest (plans, packages).
        deep = json_too_deep(text)
        if deep is not None:
            if not looks_like_kubernetes(text):
                return None
            return LoadResult(problems=[_problem(path, deep.line, deep.column,
                                                 f"invalid JSON: {deep.message}")])
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if not looks_like_kubernetes(text):
                return None  # tsconfig.json, devcontainer.json: JSON with comments, not ours
            return LoadResult(problems=[_problem(path, exc.lineno, exc.colno,
                                                 f"invalid JSON: {exc.msg}")])
        if not is_kubernetes_object(data):
            return None
    return load_text(text, path, ctx)


def utf16_without_bom(raw: bytes) -> bool:
    """Text whose every other byte is NUL (ASCII in UTF-16), with no BOM to say so."""
    head = raw[:512]
    if len(head) < 4 or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    even, odd = head[0::2], head[1::2]
    for zeros, other in ((even, odd), (odd, even)):
        if zeros.count(0) >= 0.9 * len(zeros) and other.count(0) <= 0.1 * len(other):
            return True
    return False


# `apiVersion:` and `kind:` keys: at the start of a YAML line, or quoted anywhere (JSON, flow).
_API_VERSION_KEY = re.compile(r"""^[\s\-]*apiVersion\s*:|["']apiVersion["']\s*:""", re.MULTILINE)
_KIND_KEY = re.compile(r"""^[\s\-]*kind\s*:|["']kind["']\s*:""", re.MULTILINE)


def looks_like_kubernetes(text: str) -> bool:
    """Whether a JSON file that does not parse was meant to hold Kubernetes objects (then its
    parse error is reported; otherwise the file is left to other tools: JSON with comments is
    everywhere, from tsconfig.json to devcontainer.json). YAML files that do not parse are
    always reported, so that a broken manifest never passes silently."""
    return bool(_API_VERSION_KEY.search(text) and _KIND_KEY.search(text))
