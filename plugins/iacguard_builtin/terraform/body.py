"""A resource (or data source) body evaluated to plain data, with where each value came from.

Nested blocks become lists of objects (`ingress { ... }` twice -> `ingress: [{...}, {...}]`),
`dynamic` blocks expand their `content`, and every attribute records its span, the spans of
the elements of object/tuple literals, the references it makes and, when one variable
decided it, that variable's provenance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lark import Tree

from iacguard.model import Provenance, SourceSpan
from iacguard.values import Unknown, pointer
from iacguard_builtin.terraform.evaluate import Scope, evaluate, flatten, subtrees
from iacguard_builtin.terraform.expansion import Instance
from iacguard_builtin.terraform.hcl import Attr, Block, string_parts
from iacguard_builtin.terraform.semantics import (
    EVAL_ERRORS,
    SENSITIVE,
    EvalError,
    distinct,
    iterate,
    touch,
)
from iacguard_builtin.terraform.state import Emitted

if TYPE_CHECKING:
    from iacguard_builtin.terraform.module import ModuleInstance

RESOURCE_META_ATTRS = {"count", "for_each", "provider", "depends_on"}
RESOURCE_META_BLOCKS = {"lifecycle", "provisioner", "connection"}


def evaluate_resource(inst: ModuleInstance, instance: Instance) -> Emitted:
    emitted = Emitted(
        address=instance.address, type=instance.type, name=instance.name, block=instance.block,
        body={}, source_map={}, provenance={}, block_paths=set(), references=[],
        chain=inst.chain, calls=inst.calls)
    scope = Scope(inst, dict(instance.names), origins={"each": instance.origins})
    eval_body(inst, instance.block, scope, [], emitted.body, emitted,
              RESOURCE_META_ATTRS, RESOURCE_META_BLOCKS)
    return emitted

def eval_body(inst: ModuleInstance, block: Block, scope: Scope, path: list[str | int], out: dict[str, Any],
              emitted: Emitted, skip_attrs: set[str] = frozenset(),  # type: ignore[assignment]
              skip_blocks: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    for name, attr in block.attrs.items():
        if name in skip_attrs:
            continue
        inner = scope.fresh()
        out[name] = inst.eval_attr(attr, inner)
        key = pointer([*path, name])
        emitted.source_map[key] = attr.span
        literal_spans(attr.expr, [*path, name], attr.span.file, emitted.source_map,
                      attr.line_offset)
        if SENSITIVE in inner.refs:
            emitted.sensitive.add(key)
        refs = inner.refs - {SENSITIVE}
        if refs:
            emitted.references.extend(_references(attr, [*path, name], scope, refs))
        provenance = distinct(inner.vars)
        if len(provenance) == 1:
            emitted.provenance[key] = provenance[0]
    unknown_dynamic: dict[str, Unknown] = {}
    for child in block.blocks:
        if child.type in skip_blocks:
            continue
        if child.type == "dynamic" and child.labels:
            kind = child.labels[0]
            items = out.setdefault(kind, [])
            if not isinstance(items, list):
                continue
            expanded = _dynamic(inst, child, scope)
            if isinstance(expanded, Unknown):
                unknown_dynamic.setdefault(kind, expanded)
                continue
            for names, origins, content in expanded:
                _nested(inst, content, scope.child(names, origins), path, kind, items, out,
                             emitted)
            continue
        items = out.setdefault(child.type, [])
        if isinstance(items, list):
            _nested(inst, child, scope, path, child.type, items, out, emitted)
    for kind, unknown in unknown_dynamic.items():
        if out.get(kind) == []:
            out[kind] = unknown

def _references(attr: Attr, path: list[str | int], scope: Scope,
                refs: set[str]) -> list[tuple[str, frozenset[str], str]]:
    """The attribute's references, at the element of an object/tuple literal that holds
    each (`ingress = [{ security_groups = [aws_security_group.x.id] }]`), so that an edge
    names the nested attribute as a block would."""
    found: list[tuple[str, frozenset[str], str]] = []
    covered: set[str] = set()

    def is_object(node: Any) -> bool:
        root = flatten(node)[0] if isinstance(node, Tree) else None
        return isinstance(root, Tree) and root.data == "object"

    def walk(node: Any, here: list[str | int]) -> None:
        root = flatten(node)[0] if isinstance(node, Tree) else None
        # Objects are nested attributes; a tuple is one attribute unless it lists objects.
        if isinstance(root, Tree) and (root.data == "object" or (
                root.data == "tuple" and subtrees(root) and all(map(is_object, subtrees(root))))):
            for index, elem in enumerate(subtrees(root)):
                if root.data == "tuple":
                    walk(elem, [*here, index])
                    continue
                key_node, value = subtrees(elem)
                key = literal_key(key_node)
                if key is not None:
                    walk(value, [*here, key])
            return
        trial = scope.fresh()
        try:
            touch(evaluate(node, trial), trial)
        except EVAL_ERRORS:
            return
        targets = trial.refs - {SENSITIVE}
        if targets:
            found.append((pointer(here), frozenset(targets), attr.text_of(node)))
            covered.update(targets)

    if isinstance(attr.expr, Tree):
        walk(attr.expr, path)
    rest = frozenset(refs - covered)
    if rest:
        found.append((pointer(path), rest, attr.text))
    return found

def _nested(inst: ModuleInstance, block: Block, scope: Scope, path: list[str | int], kind: str,
            items: list[Any], out: dict[str, Any], emitted: Emitted) -> None:
    index = len(items)
    body: dict[str, Any] = {}
    items.append(body)
    here: list[str | int] = [*path, kind, index]
    emitted.source_map.setdefault(pointer([*path, kind]), block.span)
    emitted.source_map[pointer(here)] = block.span
    emitted.block_paths.add(pointer([*path, kind]))
    eval_body(inst, block, scope, here, body, emitted)

def _dynamic(inst: ModuleInstance, block: Block, scope: Scope
             ) -> list[tuple[dict[str, Any], dict[str, tuple[Provenance, ...]], Block]] | Unknown:
    kind = block.labels[0]
    iterator = kind
    if "iterator" in block.attrs:
        root, steps = flatten(block.attrs["iterator"].expr)
        if isinstance(root, str) and not steps:
            iterator = root
    content = next(iter(block.blocks_of("content")), None)
    if content is None or "for_each" not in block.attrs:
        return []
    inner = scope.fresh()
    collection = inst.eval_attr(block.attrs["for_each"], inner)
    scope.refs.update(inner.refs)
    if isinstance(collection, Unknown):
        return collection
    try:
        pairs = iterate(collection, scope) if collection is not None else []
    except EvalError as exc:
        inst.state.problem(block.attrs["for_each"].span, f"dynamic {kind}: {exc}")
        return Unknown(str(exc))
    origins = {iterator: distinct(inner.vars)}
    return [({iterator: {"key": k, "value": v}}, origins, content) for k, v in pairs]


def literal_spans(node: Any, path: list[str | int], file: str, out: dict[str, SourceSpan],
                  offset: int = 0) -> None:
    """Lines of the elements of object and tuple literals (`tags = { a = 1 }`, old-style
    blocks written as `container = [{...}]`), so that findings inside them point there."""
    root = flatten(node)[0] if isinstance(node, Tree) else None
    if not isinstance(root, Tree) or root.data not in ("object", "tuple"):
        return
    for index, elem in enumerate(subtrees(root)):
        if root.data == "tuple":
            here: list[str | int] = [*path, index]
            value = elem
        else:
            key_node, value = subtrees(elem)
            key = literal_key(key_node)
            if key is None:
                continue
            here = [*path, key]
        meta = elem.meta
        if not meta.empty:
            out[pointer(here)] = SourceSpan(file=file, start_line=meta.line + offset,
                                            start_col=meta.column, end_line=meta.end_line + offset,
                                            end_col=meta.end_column)
        literal_spans(value, here, file, out, offset)


def literal_key(key_node: Any) -> str | None:
    """The key of an object element when it is written literally (`a = ...`, `"a" = ...`)."""
    inner = subtrees(key_node)
    if not inner:
        return None
    root, steps = flatten(inner[0])
    if isinstance(root, str) and not steps:
        return root
    if isinstance(root, Tree) and root.data == "string":
        parts = string_parts(root)
        if all(p[0] == "lit" for p in parts):
            return "".join(str(p[1]) for p in parts)
    return None
