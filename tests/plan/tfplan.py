"""A small writer of `terraform show -json` documents for tests, following the documented
format (developer.hashicorp.com/terraform/internals/json-format): `planned_values` with
nested `child_modules`, `resource_changes`, `configuration` and `variables`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Res:
    address: str
    values: dict[str, Any]
    actions: tuple[str, ...] = ("create",)
    after_unknown: dict[str, Any] = field(default_factory=dict)
    after_sensitive: dict[str, Any] = field(default_factory=dict)

    @property
    def module_address(self) -> str:
        head, _, _ = self.address.rpartition(".")
        head, _, _ = head.rpartition(".")
        return head

    @property
    def type_name_index(self) -> tuple[str, str, Any]:
        own = self.address[len(self.module_address) + 1 if self.module_address else 0:]
        match = re.fullmatch(r'([\w-]+)\.([\w-]+)(?:\[(\d+|"[^"]*")\])?', own)
        assert match, own
        index = match.group(3)
        key = None if index is None else (int(index) if index.isdigit() else json.loads(index))
        return match.group(1), match.group(2), key


def _planned(resource: Res) -> dict[str, Any]:
    type_, name, index = resource.type_name_index
    out: dict[str, Any] = {"address": resource.address, "mode": "managed", "type": type_,
                           "name": name, "provider_name": "registry.terraform.io/hashicorp/x",
                           "schema_version": 0, "values": resource.values,
                           "sensitive_values": resource.after_sensitive}
    if index is not None:
        out["index"] = index
    return out


def _module(resources: list[Res], address: str) -> dict[str, Any]:
    by_module: dict[str, list[Res]] = {}
    for r in resources:
        by_module.setdefault(r.module_address, []).append(r)
    children: dict[str, set[str]] = {}  # module -> its direct children, on the way to any module
    for module in by_module:
        parent = ""
        while parent != module and (child := _child_of(module, parent)):
            children.setdefault(parent, set()).add(child)
            parent = child
    return _module_of(by_module, children, address)


def _module_of(by_module: dict[str, list[Res]], children: dict[str, set[str]],
               address: str) -> dict[str, Any]:
    mine = [_planned(r) for r in by_module.get(address, [])]
    module: dict[str, Any] = {}
    if address:
        module["address"] = address
    if mine:
        module["resources"] = mine
    if children.get(address):
        module["child_modules"] = [_module_of(by_module, children, c) for c in sorted(children[address])]
    return module


def _child_of(module_address: str, parent: str) -> str:
    """The direct child of `parent` on the way to `module_address`, or ""."""
    if parent and not module_address.startswith(parent + "."):
        return ""
    rest = module_address[len(parent) + 1:] if parent else module_address
    match = re.match(r'module\.[\w-]+(?:\[(?:\d+|"[^"]*")\])?', rest)
    if not match:
        return ""
    return f"{parent}.{match.group(0)}" if parent else match.group(0)


def plan(resources: list[Res], *, configuration: dict[str, Any] | None = None,
         variables: dict[str, Any] | None = None, format_version: str = "1.2",
         prior: list[Res] = ()) -> dict[str, Any]:
    living = [r for r in resources if "delete" not in r.actions or "create" in r.actions]
    changes = []
    for r in resources:
        type_, name, index = r.type_name_index
        change: dict[str, Any] = {
            "address": r.address, "mode": "managed", "type": type_, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/x",
            "change": {"actions": list(r.actions), "before": None,
                       "after": None if r.actions == ("delete",) else r.values,
                       "after_unknown": r.after_unknown, "before_sensitive": False,
                       "after_sensitive": r.after_sensitive}}
        if r.module_address:
            change["module_address"] = r.module_address
        if index is not None:
            change["index"] = index
        changes.append(change)
    doc: dict[str, Any] = {
        "format_version": format_version, "terraform_version": "1.9.5",
        "planned_values": {"root_module": _module(living, "")},
        "resource_changes": changes,
        "configuration": configuration or {"root_module": {}},
        "applyable": True, "complete": True, "errored": False,
    }
    if variables:
        doc["variables"] = {k: {"value": v} for k, v in variables.items()}
    if prior:
        doc["prior_state"] = {"format_version": "1.0", "terraform_version": "1.9.5",
                              "values": {"root_module": _module(list(prior), "")}}
    return doc


def write(path: Path, doc: dict[str, Any], *, indent: int | None = 2) -> Path:
    path.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
    return path
