"""`count` and `for_each`: the instances of a resource or module block.

An expansion whose collection is unknown is `None`; callers then make one `[*]` instance
with unknown `count.index` / `each.*`, so that the block's configuration is still checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iacguard.model import Provenance
from iacguard.values import Unknown
from iacguard_builtin.terraform.evaluate import Scope
from iacguard_builtin.terraform.hcl import Block
from iacguard_builtin.terraform.semantics import EvalError, ObjRef, distinct, number
from iacguard_builtin.terraform.state import Emitted

if TYPE_CHECKING:
    from iacguard_builtin.terraform.module import ModuleInstance

MAX_INSTANCES = 10_000  # instances of one resource or module block (count/for_each)
MAX_TOTAL_INSTANCES = 20_000  # expanded instances in one root module, all blocks together

# (instance address, names it sees (`count`, `each`), where their values came from)
Expansion = list[tuple[str, dict[str, Any], tuple[Provenance, ...]]]


@dataclass
class Instance:
    """One instance of a resource block (after count/for_each)."""

    address: str
    type: str
    name: str
    block: Block
    names: dict[str, Any]
    origins: tuple[Provenance, ...] = ()  # where for_each/count values came from
    state: str = "new"  # new | busy | done
    emitted: Emitted | None = None


def unknown_iteration(address: str) -> dict[str, Any]:
    unknown = Unknown(f"count/for_each of {address}")
    return {"count": {"index": unknown}, "each": {"key": unknown, "value": unknown}}


def expand(inst: ModuleInstance, block: Block, address: str, scope: Scope) -> Expansion | None:
    """(instance address, names, their provenance) for a block with count/for_each;
    None when unknown, or when the root module already has too many instances (nested
    module counts multiply)."""
    expanded = _expand(inst, block, address, scope)
    state = inst.state
    if expanded is not None and len(expanded) > 1:
        state.instances += len(expanded)
        if state.instances > MAX_TOTAL_INSTANCES:
            attr = block.attrs.get("count") or block.attrs["for_each"]
            state.problem(attr.span, f"more than {MAX_TOTAL_INSTANCES} resource and module "
                          "instances in this root module: not expanded")
            return None
    return expanded


def _expand(inst: ModuleInstance, block: Block, address: str, scope: Scope) -> Expansion | None:
    state = inst.state
    origins = distinct(scope.vars)
    if "count" in block.attrs:
        count = inst.eval_attr(block.attrs["count"], scope)
        if isinstance(count, Unknown):
            return None
        try:
            n = int(number(count))
        except (EvalError, OverflowError, ValueError) as exc:
            state.problem(block.attrs["count"].span, f"invalid count: {exc}")
            return None
        if n < 0:
            state.problem(block.attrs["count"].span, f"invalid count: {n} is negative")
            return []
        if n > MAX_INSTANCES:
            state.problem(block.attrs["count"].span,
                          f"count = {n} is more than {MAX_INSTANCES} instances: not expanded")
            return None
        return [(f"{address}[{i}]", {"count": {"index": i}}, ()) for i in range(max(0, n))]
    if "for_each" in block.attrs:
        attr = block.attrs["for_each"]
        # Lazy: `for_each = aws_subnet.public` keeps each.value a resource whose computed
        # attributes (`each.value.id`) are unknown rather than missing.
        collection = inst.eval_attr(attr, scope, lazy=True)
        if isinstance(collection, ObjRef):
            collection = collection.materialise(scope)
        origins = distinct(scope.vars)
        if isinstance(collection, Unknown):
            return None
        items: list[tuple[str, Any]] = []
        if isinstance(collection, dict):
            items = sorted(collection.items())
        elif isinstance(collection, list):
            for item in collection:
                if isinstance(item, Unknown):
                    return None
                if not isinstance(item, str):
                    state.problem(attr.span, "for_each set elements must be strings")
                    return None
                items.append((item, item))
            items = sorted(dict(items).items())
        elif collection is None:
            state.problem(attr.span, "for_each is null")
            return []
        else:
            state.problem(attr.span, "for_each needs a map or a set of strings")
            return None
        if len(items) > MAX_INSTANCES:
            state.problem(attr.span, f"for_each has {len(items)} elements, more than "
                          f"{MAX_INSTANCES} instances: not expanded")
            return None
        return [(f"{address}[{json.dumps(k)}]", {"each": {"key": k, "value": v}}, origins)
                for k, v in items]
    return [(address, {}, origins)]
