"""Module evaluation: variables, locals, resources, module calls and outputs, all lazy.

A `ModuleInstance` is one instance of a module directory (the root, or `module.x["k"]`).
Every named thing in it is evaluated on first use and memoised, so evaluation follows
the dependency order without building the graph up front; re-entering something still
being evaluated is a cycle (an `Unknown` and a problem, never a hang).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Tree

from iacguard.loading import LoadContext, LoadProblem
from iacguard.model import Provenance, SourceSpan
from iacguard.values import Unknown, pointer
from iacguard_terraform.evaluate import (
    Budget,
    EvalError,
    LimitExceeded,
    ObjRef,
    Scope,
    check_mass,
    evaluate,
    flatten,
    iterate,
    number,
    object_key,
    plain,
    subtrees,
    to_bool,
    to_str,
    touch,
)
from iacguard_terraform.hcl import Attr, Block, HclSyntaxError, parse_hcl, parse_json, string_parts

MAX_MODULE_DEPTH = 12
MAX_FILE_BYTES = 1_000_000
MAX_INSTANCES = 10_000  # instances of one resource or module block (count/for_each)
MAX_TOTAL_INSTANCES = 20_000  # expanded instances in one root module, all blocks together
RESOURCE_META_ATTRS = {"count", "for_each", "provider", "depends_on"}
RESOURCE_META_BLOCKS = {"lifecycle", "provisioner", "connection"}
MODULE_META_ATTRS = {"source", "version", "count", "for_each", "providers", "depends_on"}
EVAL_ERRORS = (EvalError, TypeError, ValueError, KeyError, IndexError, ZeroDivisionError,
               OverflowError, RecursionError)


def tf_files(directory: Path) -> list[Path]:
    try:
        entries = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError:
        return []
    return [p for p in entries if p.is_file() and (p.name.endswith(".tf") or p.name.endswith(".tf.json"))]


@dataclass
class ModuleDef:
    """The declarations of one module directory."""

    directory: Path
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attr] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


# Parsed files by (path, mtime, size): the same module is parsed once per process even when
# many roots call it. Parsed blocks are never mutated.
_PARSED: dict[tuple[str, int, int], list[Block] | HclSyntaxError] = {}


def _parse_cached(path: Path) -> list[Block]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise HclSyntaxError(f"cannot read file: {exc}") from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _PARSED.get(key)
    if cached is None:
        try:
            cached = parse_json(path) if path.name.endswith(".tf.json") else parse_hcl(path)[1]
        except HclSyntaxError as exc:
            cached = exc
        if len(_PARSED) > 20_000:
            _PARSED.clear()
        _PARSED[key] = cached
    if isinstance(cached, HclSyntaxError):
        raise cached
    return cached


def load_module_def(directory: Path, files: list[Path] | None = None,
                    root: Path | None = None) -> ModuleDef:
    """The module in `directory` (made of `files` only, when given); a file that is a symlink
    to somewhere outside `root` is not read."""
    mdef = ModuleDef(directory)
    paths = tf_files(directory) if files is None else files
    # Override files apply last, merged into the blocks they name (Terraform's override rule).
    for path in sorted(paths, key=_is_override):
        if root is not None and not _inside(path, root):
            mdef.problems.append(LoadProblem(
                span=SourceSpan(file=str(path), precision="file"), rule="unresolved-input",
                message=f"{path.name} links to a file outside the scan root: not read"))
            continue
        mdef.files.append(path)
        try:
            blocks = _parse_cached(path)
        except HclSyntaxError as exc:
            span = SourceSpan(file=str(path), start_line=exc.line, end_line=exc.line)
            mdef.problems.append(LoadProblem(span=span, message=str(exc), rule="unparseable-file"))
            continue
        for block in blocks:
            if _is_override(path):
                _override(mdef, block)
            else:
                _declare(mdef, block)
    return mdef


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def _is_override(path: Path) -> bool:
    stem = path.name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def _override(mdef: ModuleDef, block: Block) -> None:
    """Merge an override block into the original: its attributes replace the original's, and
    its nested blocks replace all the original's nested blocks of the same type."""
    labels = tuple(block.labels)
    tables: dict[str, dict[Any, Block]] = {
        "resource": mdef.resources, "data": mdef.data, "variable": mdef.variables,
        "module": mdef.modules, "output": mdef.outputs}
    if block.type == "locals":
        mdef.locals.update(block.attrs)
        return
    table = tables.get(block.type)
    key: Any = labels if len(labels) == 2 else (labels[0] if labels else None)
    if table is None or key not in table:
        return
    original = table[key]
    replaced = {b.type for b in block.blocks}
    table[key] = Block(original.type, original.labels, original.span,
                       attrs={**original.attrs, **block.attrs},
                       blocks=[b for b in original.blocks if b.type not in replaced] + block.blocks)


def _declare(mdef: ModuleDef, block: Block) -> None:
    labels = block.labels
    if block.type == "resource" and len(labels) == 2:
        key = (labels[0], labels[1])
        if key in mdef.resources:
            mdef.problems.append(LoadProblem(
                span=block.span, message=f"duplicate resource {labels[0]}.{labels[1]}"))
        mdef.resources[key] = block
    elif block.type == "data" and len(labels) == 2:
        mdef.data[(labels[0], labels[1])] = block
    elif block.type == "variable" and len(labels) == 1:
        mdef.variables[labels[0]] = block
    elif block.type == "locals":
        mdef.locals.update(block.attrs)
    elif block.type == "module" and len(labels) == 1:
        mdef.modules[labels[0]] = block
    elif block.type == "output" and len(labels) == 1:
        mdef.outputs[labels[0]] = block
    # terraform, provider, moved, import, check, removed: nothing to evaluate


@dataclass
class Value:
    """An evaluated value with what it depends on."""

    value: Any
    refs: frozenset[str] = frozenset()
    provenance: tuple[Provenance, ...] = ()


@dataclass
class Emitted:
    """A resource instance as evaluated, before it becomes a `Resource`."""

    address: str
    type: str
    name: str
    block: Block
    body: dict[str, Any]
    source_map: dict[str, SourceSpan]
    provenance: dict[str, Provenance]
    block_paths: set[str]
    references: list[tuple[str, frozenset[str], str]]  # (pointer, target addresses, expression)
    chain: list[str]


class LoadState:
    """What one root-module evaluation shares: problems, parsed directories, results."""

    def __init__(self, ctx: LoadContext, root_dir: Path) -> None:
        self.ctx = ctx
        self.root_dir = root_dir
        self.problems: list[LoadProblem] = []
        self._seen_problems: set[tuple[str, int, str]] = set()
        self.defs: dict[Path, ModuleDef] = {}
        self.emitted: list[Emitted] = []
        self.vendored = _vendored_modules(root_dir)
        self.budget = Budget()
        self.read_files: set[Path] = set()  # read by file()/templatefile(), resolved
        self.instances = 0  # instances made by count/for_each so far

    def problem(self, span: SourceSpan, message: str, rule: str = "unresolved-input") -> None:
        key = (span.file, span.start_line, message)
        if key in self._seen_problems:
            return
        self._seen_problems.add(key)
        self.problems.append(LoadProblem(span=span, message=message, rule=rule))

    def module_def(self, directory: Path, only_file: Path | None = None) -> ModuleDef:
        directory = directory.resolve()
        key = only_file.resolve() if only_file is not None else directory
        if key not in self.defs:
            mdef = load_module_def(directory, None if only_file is None else [key],
                                   root=self.ctx.root if directory.is_relative_to(
                                       self.ctx.root.resolve()) else None)
            self.defs[key] = mdef
            for problem in mdef.problems:
                self.problem(problem.span, problem.message, problem.rule)
        return self.defs[key]

    def describe(self, span: SourceSpan) -> str:
        return f"{self.ctx.relpath(Path(span.file))}:{span.start_line}"


def _vendored_modules(root_dir: Path) -> dict[str, Path]:
    manifest = root_dir / ".terraform" / "modules" / "modules.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, Path] = {}
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        if not isinstance(entry, dict):
            continue
        key, where = entry.get("Key"), entry.get("Dir")
        if isinstance(key, str) and isinstance(where, str):
            out[key] = (root_dir / where).resolve()
    return out


def _is_local_source(source: str) -> bool:
    return source.startswith("./") or source.startswith("../") or source in (".", "..")


@dataclass
class _Instance:
    """One instance of a resource block (after count/for_each)."""

    address: str
    type: str
    name: str
    block: Block
    names: dict[str, Any]
    origins: tuple[Provenance, ...] = ()  # where for_each/count values came from
    state: str = "new"  # new | busy | done
    emitted: Emitted | None = None


class ResourceObj(ObjRef):
    def __init__(self, owner: ModuleInstance, instance: _Instance) -> None:
        self.owner = owner
        self.instance = instance
        self.address = instance.address

    def attr(self, name: str, scope: Scope) -> Any:
        scope.refs.add(self.address)
        emitted = self.owner.evaluate_instance(self.instance)
        value = emitted.body.get(name) if emitted is not None else None
        return _computed(value, f"{self.address}.{name}")

    def touch(self, scope: Scope) -> None:
        scope.refs.add(self.address)

    def materialise(self, scope: Scope) -> dict[str, Any]:
        scope.refs.add(self.address)
        emitted = self.owner.evaluate_instance(self.instance)
        return dict(emitted.body) if emitted is not None else {}


def _computed(value: Any, address: str) -> Any:
    """A resource attribute as seen from a reference: what is not configured (absent or
    null) is computed by the provider, so unknown until apply."""
    if value is None:
        return Unknown(address)
    if isinstance(value, dict):
        return _ComputedObj(value, address)
    if isinstance(value, list):
        return [_computed(v, f"{address}[{i}]") if isinstance(v, dict) else v
                for i, v in enumerate(value)]
    return value


class _ComputedObj(ObjRef):
    def __init__(self, value: dict[str, Any], address: str) -> None:
        self.value = value
        self.address = address

    def attr(self, name: str, scope: Scope) -> Any:
        return _computed(self.value.get(name), f"{self.address}.{name}")

    def materialise(self, scope: Scope) -> dict[str, Any]:
        return self.value


class _DataObj(ObjRef):
    """A data source: what it depends on counts as a reference of whoever reads it."""

    def __init__(self, address: str, body: dict[str, Any] | None = None,
                 refs: frozenset[str] = frozenset()) -> None:
        self.address = address
        self.body = body or {}
        self.refs = refs

    def attr(self, name: str, scope: Scope) -> Any:
        scope.refs.update(self.refs)
        return _computed(self.body.get(name), f"{self.address}.{name}")

    def touch(self, scope: Scope) -> None:
        scope.refs.update(self.refs)

    def materialise(self, scope: Scope) -> dict[str, Any]:
        scope.refs.update(self.refs)
        return dict(self.body)


class ModuleObj(ObjRef):
    def __init__(self, child: ModuleInstance) -> None:
        self.child = child
        self.address = child.prefix.rstrip(".")

    def attr(self, name: str, scope: Scope) -> Any:
        return self.child.output(name, scope)

    def materialise(self, scope: Scope) -> dict[str, Any]:
        return {name: self.child.output(name, scope) for name in self.child.mdef.outputs}


class UnavailableModule(ObjRef):
    def __init__(self, address: str) -> None:
        self.address = address

    def attr(self, name: str, scope: Scope) -> Any:
        return Unknown(f"{self.address}.{name} (module not available offline)")

    def materialise(self, scope: Scope) -> dict[str, Any]:
        return {}


@dataclass
class _Input:
    attr: Attr
    caller: ModuleInstance
    names: dict[str, Any]
    call_address: str
    origins: tuple[Provenance, ...] = ()


class ModuleInstance:
    """One instance of a module; the resolver of names for expressions inside it."""

    def __init__(self, state: LoadState, mdef: ModuleDef, prefix: str, chain: list[str],
                 inputs: dict[str, Value] | None = None, input_exprs: dict[str, _Input] | None = None,
                 ancestry: tuple[Path, ...] = ()) -> None:
        self.state = state
        self.mdef = mdef
        self.prefix = prefix  # "" or "module.a.module.b[0]."
        self.chain = chain
        self.inputs = inputs or {}
        self.input_exprs = input_exprs or {}
        self.ancestry = (*ancestry, mdef.directory)
        self._vars: dict[str, Value] = {}
        self._locals: dict[str, Value | None] = {}
        self._outputs: dict[str, Value | None] = {}
        self._resources: dict[tuple[str, str], list[_Instance] | None] = {}
        self._resource_values: dict[tuple[str, str], Any] = {}
        self._data: dict[tuple[str, str], _DataObj] = {}
        self._modules: dict[str, Any] = {}
        self._children: dict[str, list[ModuleInstance]] = {}

    # -- names -------------------------------------------------------------------------
    def _use(self, value: Value, scope: Scope) -> Any:
        scope.refs.update(value.refs)
        scope.vars.extend(value.provenance)
        return value.value

    def variable(self, name: str, scope: Scope) -> Any:
        if name not in self.mdef.variables:
            return Unknown(f"var.{name} (not declared)")
        if name not in self._vars:
            self._vars[name] = Value(Unknown(f"var.{name} (cycle)"))
            self._vars[name] = self._variable_value(name)
        return self._use(self._vars[name], scope)

    def _variable_value(self, name: str) -> Value:
        block = self.mdef.variables[name]
        given: Value | None = self.inputs.get(name)
        if given is None and name in self.input_exprs:
            given = self._module_input(name, self.input_exprs[name])
        nullable = True
        if "nullable" in block.attrs:
            flag = self._static(block.attrs["nullable"])
            nullable = flag is not False
        if given is not None and not (given.value is None and not nullable):
            return Value(self._coerce(given.value, block), given.refs, given.provenance)
        if "default" in block.attrs:
            attr = block.attrs["default"]
            value = self._static(attr)
            prov = Provenance(kind="variable-default",
                              description=f"default of var.{name} in {self.state.describe(attr.span)}",
                              span=attr.span)
            return Value(self._coerce(value, block), frozenset(), (prov,))
        return Value(Unknown(f"var.{name} has no value"))

    def _module_input(self, name: str, given: _Input) -> Value:
        scope = Scope(given.caller, dict(given.names), origins={"each": given.origins})
        value = given.caller.eval_attr(given.attr, scope, lazy=True)
        provenance: tuple[Provenance, ...] = tuple(dict.fromkeys(scope.vars))
        if len(provenance) != 1:
            provenance = (Provenance(
                kind="module-input",
                description=f"input {name} of {given.call_address} in {self.state.describe(given.attr.span)}",
                span=given.attr.span),)
        return Value(value, frozenset(scope.refs), provenance)

    def _static(self, attr: Attr) -> Any:
        scope = Scope(self)
        return self.eval_attr(attr, scope)

    def _coerce(self, value: Any, block: Block) -> Any:
        type_attr = block.attrs.get("type")
        if type_attr is None:
            return value
        try:
            return coerce(value, type_attr.expr, self)
        except EVAL_ERRORS:
            return value

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
        self._locals[name] = Value(value, frozenset(inner.refs), tuple(dict.fromkeys(inner.vars)))
        return self._use(self._locals[name], scope)  # type: ignore[arg-type]

    def output(self, name: str, scope: Scope) -> Any:
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
        self._outputs[name] = Value(value, frozenset(inner.refs), tuple(dict.fromkeys(inner.vars)))
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

    def read_file(self, path: str, probe: bool = False) -> str | Unknown | None:
        target = Path(path)
        if not target.is_absolute():
            target = self.state.root_dir / target
        try:
            target = target.resolve()  # symlinks included: nothing outside the root is read
        except (OSError, RuntimeError):
            raise EvalError(f"cannot resolve {path!r}") from None
        root = self.state.ctx.root.resolve()
        if not target.is_relative_to(root):
            if probe:
                return None
            raise _OutsideRoot(path)
        if not target.is_file():
            if probe:
                return None
            raise EvalError(f"file {path!r} not found")
        self.state.read_files.add(target)
        if target.stat().st_size > MAX_FILE_BYTES:
            return Unknown(f"file {path} is too large to read")
        try:
            return target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise EvalError(f"cannot read {path!r}: {exc}") from None

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
        except _OutsideRoot as exc:
            self.state.problem(attr.span, f"{attr.name}: file {exc} is outside the scan root")
            return Unknown(f"file {exc} is outside the scan root")
        except EVAL_ERRORS as exc:
            message = str(exc) or type(exc).__name__
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
            self._data[key] = _DataObj(f"data.{type_}.{name}")  # a cycle sees no arguments
            emitted = Emitted(address=f"data.{type_}.{name}", type=type_, name=name, block=block,
                              body={}, source_map={}, provenance={}, block_paths=set(),
                              references=[], chain=self.chain)
            self.eval_body(block, Scope(self), [], emitted.body, emitted, RESOURCE_META_ATTRS,
                           RESOURCE_META_BLOCKS)
            refs = frozenset(t for _, targets, _ in emitted.references for t in targets)
            self._data[key] = _DataObj(f"data.{type_}.{name}", emitted.body, refs)
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

    def instances(self, key: tuple[str, str]) -> list[_Instance] | None:
        """The instances of a resource block; None when count/for_each is unknown."""
        if key in self._resources:
            return self._resources[key]
        self._resources[key] = []  # a self-reference in count sees no instances
        block = self.mdef.resources[key]
        address = f"{self.prefix}{key[0]}.{key[1]}"
        expanded = self.expand(block, address, Scope(self))
        self._resources[key] = None if expanded is None else [
            _Instance(addr, key[0], key[1], block, names, origins) for addr, names, origins in expanded]
        return self._resources[key]

    def expand(self, block: Block, address: str, scope: Scope) -> Expansion | None:
        """(instance address, names, their provenance) for a block with count/for_each;
        None when unknown, or when the root module already has too many instances (nested
        module counts multiply)."""
        expanded = self._expand(block, address, scope)
        if expanded is not None and len(expanded) > 1:
            self.state.instances += len(expanded)
            if self.state.instances > MAX_TOTAL_INSTANCES:
                attr = block.attrs.get("count") or block.attrs["for_each"]
                self.state.problem(attr.span, f"more than {MAX_TOTAL_INSTANCES} resource and module "
                                   "instances in this root module: not expanded")
                return None
        return expanded

    def _expand(self, block: Block, address: str, scope: Scope) -> Expansion | None:
        origins = tuple(dict.fromkeys(scope.vars))
        if "count" in block.attrs:
            count = self.eval_attr(block.attrs["count"], scope)
            if isinstance(count, Unknown):
                return None
            try:
                n = int(number(count))
            except (EvalError, OverflowError, ValueError) as exc:
                self.state.problem(block.attrs["count"].span, f"invalid count: {exc}")
                return None
            if n < 0:
                self.state.problem(block.attrs["count"].span, f"invalid count: {n} is negative")
                return []
            if n > MAX_INSTANCES:
                self.state.problem(block.attrs["count"].span,
                                   f"count = {n} is more than {MAX_INSTANCES} instances: not expanded")
                return None
            return [(f"{address}[{i}]", {"count": {"index": i}}, ()) for i in range(max(0, n))]
        if "for_each" in block.attrs:
            attr = block.attrs["for_each"]
            # Lazy: `for_each = aws_subnet.public` keeps each.value a resource whose computed
            # attributes (`each.value.id`) are unknown rather than missing.
            collection = self.eval_attr(attr, scope, lazy=True)
            if isinstance(collection, ObjRef):
                collection = collection.materialise(scope)
            origins = tuple(dict.fromkeys(scope.vars))
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
                        self.state.problem(attr.span, "for_each set elements must be strings")
                        return None
                    items.append((item, item))
                items = sorted(dict(items).items())
            elif collection is None:
                self.state.problem(attr.span, "for_each is null")
                return []
            else:
                self.state.problem(attr.span, "for_each needs a map or a set of strings")
                return None
            if len(items) > MAX_INSTANCES:
                self.state.problem(attr.span, f"for_each has {len(items)} elements, more than "
                                   f"{MAX_INSTANCES} instances: not expanded")
                return None
            return [(f"{address}[{json.dumps(k)}]", {"each": {"key": k, "value": v}}, origins)
                    for k, v in items]
        return [(address, {}, origins)]

    def evaluate_instance(self, instance: _Instance) -> Emitted | None:
        if instance.state == "busy":
            return None  # referenced while being evaluated: its attributes are unknown
        if instance.state == "new":
            instance.state = "busy"
            instance.emitted = self._evaluate_resource(instance)
            instance.state = "done"
        return instance.emitted

    def _evaluate_resource(self, instance: _Instance) -> Emitted:
        emitted = Emitted(
            address=instance.address, type=instance.type, name=instance.name, block=instance.block,
            body={}, source_map={}, provenance={}, block_paths=set(), references=[],
            chain=self.chain)
        scope = Scope(self, dict(instance.names), origins={"each": instance.origins})
        self.eval_body(instance.block, scope, [], emitted.body, emitted,
                       RESOURCE_META_ATTRS, RESOURCE_META_BLOCKS)
        return emitted

    def eval_body(self, block: Block, scope: Scope, path: list[str | int], out: dict[str, Any],
                  emitted: Emitted, skip_attrs: set[str] = frozenset(),  # type: ignore[assignment]
                  skip_blocks: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        for name, attr in block.attrs.items():
            if name in skip_attrs:
                continue
            inner = scope.fresh()
            out[name] = self.eval_attr(attr, inner)
            key = pointer([*path, name])
            emitted.source_map[key] = attr.span
            _literal_spans(attr.expr, [*path, name], attr.span.file, emitted.source_map)
            if inner.refs:
                emitted.references.extend(self._references(attr, [*path, name], scope, inner.refs))
            provenance = list(dict.fromkeys(inner.vars))
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
                expanded = self._dynamic(child, scope)
                if isinstance(expanded, Unknown):
                    unknown_dynamic.setdefault(kind, expanded)
                    continue
                for names, origins, content in expanded:
                    self._nested(content, scope.child(names, origins), path, kind, items, out,
                                 emitted)
                continue
            items = out.setdefault(child.type, [])
            if isinstance(items, list):
                self._nested(child, scope, path, child.type, items, out, emitted)
        for kind, unknown in unknown_dynamic.items():
            if out.get(kind) == []:
                out[kind] = unknown

    def _references(self, attr: Attr, path: list[str | int], scope: Scope,
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
                    key = _literal_key(key_node)
                    if key is not None:
                        walk(value, [*here, key])
                return
            trial = scope.fresh()
            try:
                touch(evaluate(node, trial), trial)
            except EVAL_ERRORS:
                return
            if trial.refs:
                found.append((pointer(here), frozenset(trial.refs), attr.text_of(node)))
                covered.update(trial.refs)

        if isinstance(attr.expr, Tree):
            walk(attr.expr, path)
        rest = frozenset(refs - covered)
        if rest:
            found.append((pointer(path), rest, attr.text))
        return found

    def _nested(self, block: Block, scope: Scope, path: list[str | int], kind: str,
                items: list[Any], out: dict[str, Any], emitted: Emitted) -> None:
        index = len(items)
        body: dict[str, Any] = {}
        items.append(body)
        here: list[str | int] = [*path, kind, index]
        emitted.source_map.setdefault(pointer([*path, kind]), block.span)
        emitted.source_map[pointer(here)] = block.span
        emitted.block_paths.add(pointer([*path, kind]))
        self.eval_body(block, scope, here, body, emitted)

    def _dynamic(self, block: Block, scope: Scope
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
        collection = self.eval_attr(block.attrs["for_each"], inner)
        scope.refs.update(inner.refs)
        if isinstance(collection, Unknown):
            return collection
        try:
            pairs = iterate(collection, scope) if collection is not None else []
        except EvalError as exc:
            self.state.problem(block.attrs["for_each"].span, f"dynamic {kind}: {exc}")
            return Unknown(str(exc))
        origins = {iterator: tuple(dict.fromkeys(inner.vars))}
        return [({iterator: {"key": k, "value": v}}, origins, content) for k, v in pairs]

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
        expanded = self.expand(block, address, Scope(self))
        placeholder = expanded is None
        if expanded is None:
            # Like a resource: one instance stands for the unknown number of them.
            expanded = [(f"{address}[*]", _unknown_iteration(address), ())]
        mdef = self.state.module_def(directory)
        children: list[ModuleInstance] = []
        for instance_address, names, origins in expanded:
            inputs = {attr_name: _Input(attr, self, names, instance_address, origins)
                      for attr_name, attr in block.attrs.items() if attr_name not in MODULE_META_ATTRS}
            children.append(ModuleInstance(self.state, mdef, f"{instance_address}.",
                                           [*self.chain, instance_address.removeprefix(self.prefix)],
                                           input_exprs=inputs, ancestry=self.ancestry))
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
        source = self._static(source_attr) if source_attr is not None else None
        if not isinstance(source, str):
            self.state.problem(block.span, f"module {name}: source is not a literal string")
            return None
        directory: Path | None = None
        if _is_local_source(source):
            directory = (self.mdef.directory / source).resolve()
        else:
            key = ".".join(c.split("[")[0].removeprefix("module.") for c in [*self.chain, f"module.{name}"])
            directory = self.state.vendored.get(key)
            if directory is None:
                self.state.problem(block.span, f"module not available offline: {source}")
                return None
        if not directory.is_dir() or not tf_files(directory):
            self.state.problem(block.span, f"module {name}: no Terraform files in {source}")
            return None
        if directory in self.ancestry:
            self.state.problem(block.span, f"module {name} calls itself (recursive module {source})")
            return None
        if len(self.ancestry) > MAX_MODULE_DEPTH:
            self.state.problem(block.span, f"module {name}: nesting deeper than {MAX_MODULE_DEPTH}")
            return None
        return directory

    # -- emission ---------------------------------------------------------------------------------
    def emit(self) -> None:
        """Evaluate every resource instance of this module and its children, in order."""
        for key, block in self.mdef.resources.items():
            instances = self.instances(key)
            if instances is None:
                address = f"{self.prefix}{key[0]}.{key[1]}"
                names = _unknown_iteration(address)
                instances = [_Instance(f"{address}[*]", key[0], key[1], block, names)]
                self._resources[key] = instances
            for instance in instances:
                emitted = self.evaluate_instance(instance)
                if emitted is not None:
                    self.state.emitted.append(emitted)
        for name in self.mdef.modules:
            self.module(name, Scope(self))
            for child in self._children.get(name, []):
                child.emit()


def _literal_spans(node: Any, path: list[str | int], file: str, out: dict[str, SourceSpan]) -> None:
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
            key = _literal_key(key_node)
            if key is None:
                continue
            here = [*path, key]
        meta = elem.meta
        if not meta.empty:
            out[pointer(here)] = SourceSpan(file=file, start_line=meta.line, start_col=meta.column,
                                            end_line=meta.end_line, end_col=meta.end_column)
        _literal_spans(value, here, file, out)


def _unknown_iteration(address: str) -> dict[str, Any]:
    unknown = Unknown(f"count/for_each of {address}")
    return {"count": {"index": unknown}, "each": {"key": unknown, "value": unknown}}


def _literal_key(key_node: Any) -> str | None:
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


class _OutsideRoot(EvalError):
    pass


Resolver = ModuleInstance
Expansion = list[tuple[str, dict[str, Any], tuple[Provenance, ...]]]


# -- variable types ------------------------------------------------------------------------------
def _type_call(node: Any) -> tuple[str, list[Any]]:
    root, steps = flatten(node)
    if isinstance(root, str) and not steps:
        return root, []
    if isinstance(root, Tree) and root.data == "function_call":
        trees = subtrees(root)
        name = str(trees[0].children[0])
        args = next((t for t in trees if t.data == "arguments"), None)
        return name, subtrees(args) if args is not None else []
    return "", []


def coerce(value: Any, type_node: Any, resolver: ModuleInstance) -> Any:
    """Apply a variable's type to its value: primitive conversions and `optional()` defaults."""
    if value is None or isinstance(value, Unknown):
        return value
    kind, args = _type_call(type_node)
    if kind == "bool" and isinstance(value, str):
        return to_bool(value)
    if kind == "number" and isinstance(value, str):
        return number(value)
    if kind == "string" and isinstance(value, (bool, int, float)):
        return to_str(value)
    if kind in ("list", "set") and isinstance(value, list) and args:
        return [coerce(v, args[0], resolver) for v in value]
    if kind == "map" and isinstance(value, dict) and args:
        return {k: coerce(v, args[0], resolver) for k, v in value.items()}
    if kind == "object" and isinstance(value, dict) and args:
        shape = flatten(args[0])[0]
        if not (isinstance(shape, Tree) and shape.data == "object"):
            return value
        out = dict(value)
        scope = Scope(resolver)
        for elem in subtrees(shape):
            key_node, attr_type = subtrees(elem)
            key = object_key(key_node, scope)
            if not isinstance(key, str):
                continue
            attr_kind, attr_args = _type_call(attr_type)
            if attr_kind == "optional" and attr_args:
                if out.get(key) is None:
                    default = evaluate(attr_args[1], scope) if len(attr_args) > 1 else None
                    out[key] = coerce(plain(default, scope), attr_args[0], resolver)
                else:
                    out[key] = coerce(out[key], attr_args[0], resolver)
            elif key in out:
                out[key] = coerce(out[key], attr_type, resolver)
        return out
    return value
