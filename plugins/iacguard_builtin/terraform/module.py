"""Module evaluation: one `ModuleInstance` per instance of a module directory (the root, or
`module.x["k"]`), the resolver of names for the expressions inside it.

Every named thing is evaluated on first use and memoised, so evaluation follows the
dependency order without building the graph up front; re-entering something still being
evaluated is a cycle (an `Unknown` and a problem, never a hang). The concerns live in their
own modules: `module_def` (declarations), `inputs` (variables), `expansion` (count and
for_each), `body` (resource bodies), `module_calls` (where a module comes from) and
`objects` (the lazy objects expressions reach); this class ties them together.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from iacguard.model import SourceSpan
from iacguard.values import Unknown
from iacguard_builtin.terraform.body import (
    RESOURCE_META_ATTRS,
    RESOURCE_META_BLOCKS,
    eval_body,
    evaluate_resource,
)
from iacguard_builtin.terraform.evaluate import Scope, evaluate
from iacguard_builtin.terraform.expansion import Instance, expand, unknown_iteration
from iacguard_builtin.terraform.hcl import Attr, Block
from iacguard_builtin.terraform.inputs import ModuleInput, variable_value
from iacguard_builtin.terraform.module_calls import module_directory
from iacguard_builtin.terraform.module_def import ModuleDef
from iacguard_builtin.terraform.objects import DataObj, ModuleObj, ResourceObj, UnavailableModule
from iacguard_builtin.terraform.semantics import (
    EVAL_ERRORS,
    SENSITIVE,
    EvalError,
    LimitExceeded,
    ObjRef,
    OutsideRoot,
    Tracker,
    check_mass,
    declared_sensitive,
    describe,
    distinct,
    plain,
)
from iacguard_builtin.terraform.state import Emitted, LoadState, Value

MODULE_META_ATTRS = {"source", "version", "count", "for_each", "providers", "depends_on"}


class ModuleInstance:
    """One instance of a module; the resolver of names for expressions inside it."""

    def __init__(self, state: LoadState, mdef: ModuleDef, prefix: str, chain: list[str],
                 inputs: dict[str, Value] | None = None,
                 input_exprs: dict[str, ModuleInput] | None = None,
                 ancestry: tuple[Path, ...] = (), calls: tuple[SourceSpan, ...] = ()) -> None:
        self.state = state
        self.mdef = mdef
        self.prefix = prefix  # "" or "module.a.module.b[0]."
        self.chain = chain
        self.calls = calls  # the `module` blocks that led here, outermost first
        self.inputs = inputs or {}
        self.input_exprs = input_exprs or {}
        self.ancestry = (*ancestry, mdef.directory)
        self._vars: dict[str, Value] = {}
        self._locals: dict[str, Value | None] = {}
        self._outputs: dict[str, Value | None] = {}
        self._resources: dict[tuple[str, str], list[Instance] | None] = {}
        self._resource_values: dict[tuple[str, str], Any] = {}
        self._data: dict[tuple[str, str], DataObj] = {}
        self._modules: dict[str, Any] = {}
        self._children: dict[str, list[ModuleInstance]] = {}

    # -- names -------------------------------------------------------------------------
    def _use(self, value: Value, scope: Tracker) -> Any:
        scope.refs.update(value.refs)
        scope.vars.extend(value.provenance)
        return value.value

    def variable(self, name: str, scope: Scope) -> Any:
        if name not in self.mdef.variables:
            return Unknown(f"var.{name} (not declared)")
        if name not in self._vars:
            self._vars[name] = Value(Unknown(f"var.{name} (cycle)"))
            self._vars[name] = variable_value(self, name)
        return self._use(self._vars[name], scope)

    def static(self, attr: Attr) -> Any:
        """An attribute evaluated without iteration names (meta-arguments, defaults)."""
        scope = Scope(self)
        return self.eval_attr(attr, scope)

    def local(self, name: str, scope: Scope) -> Any:
        attr = self.mdef.locals.get(name)
        if attr is None:
            return Unknown(f"local.{name} (not declared)")
        if name in self._locals:
            cached = self._locals[name]
            if cached is None:
                self.state.problem(attr.span, f"local.{name} depends on itself (cycle)")
                return Unknown(f"local.{name} (cycle)")
            return self._use(cached, scope)
        self._locals[name] = None
        inner = Scope(self)
        value = self.eval_attr(attr, inner, lazy=True)
        self._locals[name] = Value(value, frozenset(inner.refs), distinct(inner.vars))
        return self._use(self._locals[name], scope)  # type: ignore[arg-type]

    def output(self, name: str, scope: Tracker) -> Any:
        block = self.mdef.outputs.get(name)
        if block is None or "value" not in block.attrs:
            raise EvalError(f"{self.prefix.rstrip('.')} has no output {name!r}")
        if name in self._outputs:
            cached = self._outputs[name]
            if cached is None:
                return Unknown(f"{self.prefix}{name} (cycle)")
            return self._use(cached, scope)
        self._outputs[name] = None
        inner = Scope(self)
        value = self.eval_attr(block.attrs["value"], inner, lazy=True)
        if "sensitive" in block.attrs and declared_sensitive(self.static(block.attrs["sensitive"])):
            inner.refs.add(SENSITIVE)
        self._outputs[name] = Value(value, frozenset(inner.refs), distinct(inner.vars))
        return self._use(self._outputs[name], scope)  # type: ignore[arg-type]

    def path(self, name: str) -> Any:
        if name == "module":
            rel = os.path.relpath(self.mdef.directory, self.state.root_dir)
            return Path(rel).as_posix()
        if name == "root":
            return "."
        if name == "cwd":  # Terraform runs in the root module's directory
            return self.state.root_dir.as_posix()
        raise EvalError(f"unknown attribute path.{name}")

    def eval_attr(self, attr: Attr, scope: Scope, lazy: bool = False) -> Any:
        """An attribute's value; errors become Unknown plus a problem at its line.

        `lazy` keeps resource and module objects as they are (for locals, outputs and
        module inputs), so that their computed attributes stay reachable."""
        try:
            value = evaluate(attr.expr, scope)
            check_mass(value, attr.name)
            if not lazy:
                value = plain(value, scope)
                check_mass(value, attr.name)
            return value
        except LimitExceeded as exc:
            # Once the step budget is spent every later attribute fails the same way: say it once.
            budget = self.state.budget
            exhausted = budget.steps > budget.limit
            if not (exhausted and budget.reported):
                budget.reported = exhausted
                self.state.problem(attr.span, f"cannot evaluate {attr.name}: {exc}")
            return Unknown(str(exc))
        except OutsideRoot as exc:
            self.state.problem(attr.span, f"{attr.name}: file {exc} is outside the scan root")
            return Unknown(f"file {exc} is outside the scan root")
        except EVAL_ERRORS as exc:
            message = describe(exc)
            self.state.problem(attr.span, f"cannot evaluate {attr.name}: {message}")
            return Unknown(message)

    # -- data sources ----------------------------------------------------------------------
    def data(self, type_: str, name: str, scope: Scope) -> ObjRef | None:
        """A data source without count/for_each: its arguments are known (they are echoed
        back), every other attribute is unknown. None when nothing can be known."""
        key = (type_, name)
        block = self.mdef.data.get(key)
        if block is None or "count" in block.attrs or "for_each" in block.attrs:
            return None
        if key not in self._data:
            self._data[key] = DataObj(f"data.{type_}.{name}")  # a cycle sees no arguments
            emitted = Emitted(address=f"data.{type_}.{name}", type=type_, name=name, block=block,
                              body={}, source_map={}, provenance={}, block_paths=set(),
                              references=[], chain=self.chain, calls=self.calls)
            eval_body(self, block, Scope(self), [], emitted.body, emitted,
                           RESOURCE_META_ATTRS, RESOURCE_META_BLOCKS)
            refs = frozenset(t for _, targets, _ in emitted.references for t in targets)
            self._data[key] = DataObj(f"data.{type_}.{name}", emitted.body, refs)
        return self._data[key]

    # -- resources -----------------------------------------------------------------------
    def resource(self, type_: str, name: str, scope: Scope) -> Any:
        key = (type_, name)
        if key not in self.mdef.resources:
            return None
        instances = self.instances(key)
        if instances is None:
            return Unknown(f"{self.prefix}{type_}.{name} (count/for_each unknown)")
        if key not in self._resource_values:
            block = self.mdef.resources[key]
            if "count" in block.attrs:
                value: Any = [ResourceObj(self, i) for i in instances]
            elif "for_each" in block.attrs:
                value = {i.names["each"]["key"]: ResourceObj(self, i) for i in instances}
            else:
                value = ResourceObj(self, instances[0])
            self._resource_values[key] = value
        return self._resource_values[key]

    def instances(self, key: tuple[str, str]) -> list[Instance] | None:
        """The instances of a resource block; None when count/for_each is unknown."""
        if key in self._resources:
            return self._resources[key]
        self._resources[key] = []  # a self-reference in count sees no instances
        block = self.mdef.resources[key]
        address = f"{self.prefix}{key[0]}.{key[1]}"
        expanded = expand(self, block, address, Scope(self))
        self._resources[key] = None if expanded is None else [
            Instance(addr, key[0], key[1], block, names, origins) for addr, names, origins in expanded]
        return self._resources[key]

    def evaluate_instance(self, instance: Instance) -> Emitted | None:
        if instance.state == "busy":
            return None  # referenced while being evaluated: its attributes are unknown
        if instance.state == "new":
            instance.state = "busy"
            instance.emitted = evaluate_resource(self, instance)
            instance.state = "done"
        return instance.emitted

    # -- modules --------------------------------------------------------------------------------
    def module(self, name: str, scope: Scope) -> Any:
        if name not in self.mdef.modules:
            return Unknown(f"module.{name} (not declared)")
        if name not in self._modules:
            self._modules[name] = Unknown(f"module.{name} (cycle)")
            self._modules[name] = self._module_value(name)
        value = self._modules[name]
        return value

    def _module_value(self, name: str) -> Any:
        block = self.mdef.modules[name]
        address = f"{self.prefix}module.{name}"
        directory = self._module_dir(name, block)
        if directory is None:
            return UnavailableModule(address)
        expanded = expand(self, block, address, Scope(self))
        placeholder = expanded is None
        if expanded is None:
            # Like a resource: one instance stands for the unknown number of them.
            expanded = [(f"{address}[*]", unknown_iteration(address), ())]
        mdef = self.state.module_def(directory)
        children: list[ModuleInstance] = []
        for instance_address, names, origins in expanded:
            given = {attr_name: ModuleInput(attr, self, names, instance_address, origins)
                     for attr_name, attr in block.attrs.items() if attr_name not in MODULE_META_ATTRS}
            children.append(ModuleInstance(self.state, mdef, f"{instance_address}.",
                                           [*self.chain, instance_address.removeprefix(self.prefix)],
                                           input_exprs=given, ancestry=self.ancestry,
                                           calls=(*self.calls, block.span)))
        self._children[name] = children
        if placeholder:
            return Unknown(f"count/for_each of {address}")
        if "count" in block.attrs:
            return [ModuleObj(c) for c in children]
        if "for_each" in block.attrs:
            return {names["each"]["key"]: ModuleObj(c)
                    for (_, names, _), c in zip(expanded, children, strict=True)}
        return ModuleObj(children[0])

    def _module_dir(self, name: str, block: Block) -> Path | None:
        source_attr = block.attrs.get("source")
        source = self.static(source_attr) if source_attr is not None else None
        if not isinstance(source, str):
            self.state.problem(block.span, f"module {name}: source is not a literal string")
            return None
        found = module_directory(self.state.fs, name=name, source=source,
                                 caller_dir=self.mdef.directory, chain=self.chain,
                                 vendored=self.state.vendored, ancestry=self.ancestry)
        if isinstance(found, str):
            self.state.problem(block.span, found)
            return None
        return found

    # -- emission ---------------------------------------------------------------------------------
    def emit(self) -> None:
        """Evaluate every resource instance of this module and its children, in order."""
        for key, block in self.mdef.resources.items():
            instances = self.instances(key)
            if instances is None:
                address = f"{self.prefix}{key[0]}.{key[1]}"
                names = unknown_iteration(address)
                instances = [Instance(f"{address}[*]", key[0], key[1], block, names)]
                self._resources[key] = instances
            for instance in instances:
                emitted = self.evaluate_instance(instance)
                if emitted is not None:
                    self.state.emitted.append(emitted)
        for name in self.mdef.modules:
            self.module(name, Scope(self))
            for child in self._children.get(name, []):
                child.emit()
