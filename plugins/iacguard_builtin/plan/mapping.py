"""Mapping plan resources to the `.tf` blocks our own HCL evaluator expanded.

The configuration is evaluated as a root module; each plan resource is matched by its full
address (module path and `count`/`for_each` instance keys included), so two modules with
the same inner resource name and every instance keep their own source. The mapping is:
- `exact`: the address matched an expanded instance; attribute spans are taken over;
- `block`: only the address without instance keys matched (the evaluator could not expand
  that `count`/`for_each`, or expanded other keys): the block's span;
- `unmapped`: no source (no configuration, or the evaluator does not produce the resource):
  the plan file at the resource's line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from iacguard.loading import LoadContext
from iacguard.model import Resource, SourceSpan
from iacguard_builtin.plan.plan import without_keys
from iacguard_builtin.terraform import api as terraform

Mapping = Literal["exact", "block", "unmapped"]


@dataclass
class SourceIndex:
    """The HCL-evaluated resources of one configuration directory, by address."""

    by_address: dict[str, Resource] = field(default_factory=dict)
    by_block: dict[str, Resource] = field(default_factory=dict)

    @classmethod
    def of(cls, directory: Path | None, ctx: LoadContext) -> SourceIndex:
        index = cls()
        if directory is None or not terraform.has_configuration(directory, ctx):
            return index
        for resource in terraform.evaluate_configuration(directory, ctx).resources:
            if resource.address is None or not resource.id.startswith("tf:"):
                continue
            index.by_address.setdefault(resource.address, resource)
            index.by_block.setdefault(without_keys(resource.address), resource)
        return index

    def locate(self, address: str) -> tuple[Mapping, SourceSpan | None, dict[str, SourceSpan]]:
        hcl = self.by_address.get(address)
        if hcl is not None:
            return "exact", hcl.origin, dict(hcl.source_map)
        hcl = self.by_block.get(without_keys(address))
        if hcl is not None:
            return "block", hcl.origin.model_copy(update={"precision": "block"}), {}
        return "unmapped", None, {}

    def enclosing(self, address: str) -> tuple[SourceSpan, ...]:
        """The HCL resource's module-call spans (suppressions above a `module` call)."""
        hcl = self.by_address.get(address) or self.by_block.get(without_keys(address))
        return hcl.enclosing if hcl is not None else ()
