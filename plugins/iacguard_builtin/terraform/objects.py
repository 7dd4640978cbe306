"""The lazy objects that expressions reach: resource instances, data sources and module
instances. Reading one records a reference; what the provider computes is `Unknown`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iacguard.values import Unknown
from iacguard_builtin.terraform.expansion import Instance
from iacguard_builtin.terraform.semantics import ObjRef, Tracker

if TYPE_CHECKING:
    from iacguard_builtin.terraform.module import ModuleInstance


class ResourceObj(ObjRef):
    def __init__(self, owner: ModuleInstance, instance: Instance) -> None:
        self.owner = owner
        self.instance = instance
        self.address = instance.address

    def attr(self, name: str, scope: Tracker) -> Any:
        scope.refs.add(self.address)
        emitted = self.owner.evaluate_instance(self.instance)
        value = emitted.body.get(name) if emitted is not None else None
        return computed(value, f"{self.address}.{name}")

    def touch(self, scope: Tracker) -> None:
        scope.refs.add(self.address)

    def materialise(self, scope: Tracker) -> dict[str, Any]:
        scope.refs.add(self.address)
        emitted = self.owner.evaluate_instance(self.instance)
        return dict(emitted.body) if emitted is not None else {}


def computed(value: Any, address: str) -> Any:
    """A resource attribute as seen from a reference: what is not configured (absent or
    null) is computed by the provider, so unknown until apply."""
    if value is None:
        return Unknown(address)
    if isinstance(value, dict):
        return _ComputedObj(value, address)
    if isinstance(value, list):
        return [computed(v, f"{address}[{i}]") if isinstance(v, dict) else v
                for i, v in enumerate(value)]
    return value


class _ComputedObj(ObjRef):
    def __init__(self, value: dict[str, Any], address: str) -> None:
        self.value = value
        self.address = address

    def attr(self, name: str, scope: Tracker) -> Any:
        return computed(self.value.get(name), f"{self.address}.{name}")

    def materialise(self, scope: Tracker) -> dict[str, Any]:
        return self.value


class DataObj(ObjRef):
    """A data source: what it depends on counts as a reference of whoever reads it."""

    def __init__(self, address: str, body: dict[str, Any] | None = None,
                 refs: frozenset[str] = frozenset()) -> None:
        self.address = address
        self.body = body or {}
        self.refs = refs

    def attr(self, name: str, scope: Tracker) -> Any:
        scope.refs.update(self.refs)
        return computed(self.body.get(name), f"{self.address}.{name}")

    def touch(self, scope: Tracker) -> None:
        scope.refs.update(self.refs)

    def materialise(self, scope: Tracker) -> dict[str, Any]:
        scope.refs.update(self.refs)
        return dict(self.body)


class ModuleObj(ObjRef):
    def __init__(self, child: ModuleInstance) -> None:
        self.child = child
        self.address = child.prefix.rstrip(".")

    def attr(self, name: str, scope: Tracker) -> Any:
        return self.child.output(name, scope)

    def materialise(self, scope: Tracker) -> dict[str, Any]:
        return {name: self.child.output(name, scope) for name in self.child.mdef.outputs}


class UnavailableModule(ObjRef):
    def __init__(self, address: str) -> None:
        self.address = address

    def attr(self, name: str, scope: Tracker) -> Any:
        return Unknown(f"{self.address}.{name} (module not available offline)")

    def materialise(self, scope: Tracker) -> dict[str, Any]:
        return {}
