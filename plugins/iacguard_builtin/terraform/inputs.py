"""Variable values: module inputs, defaults and types, and the root module's variables
from the environment, tfvars files, `--var-file` and `--var` (Terraform's precedence).

Everything is read through the loader's file system; `TF_VAR_<name>` is read only for
declared variables, so the recorded inputs name exactly the variables that matter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lark import Tree

from iacguard.fs import FileSystem
from iacguard.loading import LoadContext
from iacguard.model import Provenance, SourceSpan
from iacguard.values import Unknown
from iacguard_builtin.terraform.evaluate import Scope, evaluate, flatten, object_key, subtrees
from iacguard_builtin.terraform.hcl import (
    Attr,
    Block,
    HclSyntaxError,
    JsonExpr,
    load_json_object,
    parse_expression,
    parse_hcl,
)
from iacguard_builtin.terraform.semantics import (
    EVAL_ERRORS,
    SENSITIVE,
    declared_sensitive,
    distinct,
    number,
    plain,
    to_bool,
    to_str,
)
from iacguard_builtin.terraform.state import LoadState, Value

if TYPE_CHECKING:
    from iacguard_builtin.terraform.module import ModuleInstance

TFVARS_NAMES = ("terraform.tfvars", "terraform.tfvars.json")
AUTO_TFVARS_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")


@dataclass
class ModuleInput:
    """An input of a module call, evaluated in the caller on first use."""

    attr: Attr
    caller: ModuleInstance
    names: dict[str, Any]
    call_address: str
    origins: tuple[Provenance, ...] = ()


# -- module variables -------------------------------------------------------------------------
def variable_value(inst: ModuleInstance, name: str) -> Value:
    """A variable's value: given (root inputs, module call), else its default, else unknown."""
    block = inst.mdef.variables[name]
    given: Value | None = inst.inputs.get(name)
    if given is None and name in inst.input_exprs:
        given = _module_input(inst, name, inst.input_exprs[name])
    nullable = True
    if "nullable" in block.attrs:
        flag = inst.static(block.attrs["nullable"])
        nullable = flag is not False
    marks = frozenset({SENSITIVE}) if "sensitive" in block.attrs and declared_sensitive(
        inst.static(block.attrs["sensitive"])) else frozenset()
    if given is not None and not (given.value is None and not nullable):
        return Value(_coerce_declared(inst, given.value, block), given.refs | marks, given.provenance)
    if "default" in block.attrs:
        attr = block.attrs["default"]
        value = inst.static(attr)
        prov = Provenance(kind="variable-default",
                          description=f"default of var.{name} in {inst.state.describe(attr.span)}",
                          span=attr.span)
        return Value(_coerce_declared(inst, value, block), marks, (prov,))
    return Value(Unknown(f"var.{name} has no value"))


def _module_input(inst: ModuleInstance, name: str, given: ModuleInput) -> Value:
    scope = Scope(given.caller, dict(given.names), origins={"each": given.origins})
    value = given.caller.eval_attr(given.attr, scope, lazy=True)
    provenance: tuple[Provenance, ...] = distinct(scope.vars)
    if len(provenance) != 1:
        provenance = (Provenance(
            kind="module-input",
            description=f"input {name} of {given.call_address} in {inst.state.describe(given.attr.span)}",
            span=given.attr.span),)
    return Value(value, frozenset(scope.refs), provenance)


def _coerce_declared(inst: ModuleInstance, value: Any, block: Block) -> Any:
    type_attr = block.attrs.get("type")
    if type_attr is None:
        return value
    try:
        return coerce(value, type_attr.expr, inst)
    except EVAL_ERRORS:
        return value


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


# -- root variables ----------------------------------------------------------------------------
def tfvars_files(fs: FileSystem, directory: Path) -> list[Path]:
    """`terraform.tfvars[.json]`, then `*.auto.tfvars[.json]` in lexical order."""
    out = [directory / n for n in TFVARS_NAMES if fs.is_file(directory / n)]
    autos = [p for p in fs.iterdir(directory) if p.name.endswith(AUTO_TFVARS_SUFFIXES) and fs.is_file(p)]
    return out + autos


def _option_list(options: dict[str, Any], key: str) -> list[str]:
    value = options.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def root_inputs(state: LoadState, root: ModuleInstance, ctx: LoadContext,
                with_tfvars: bool = True) -> dict[str, Value]:
    """Variable values with Terraform's precedence: environment < terraform.tfvars <
    *.auto.tfvars (lexical order) < --var-file < --var (later wins)."""
    declared = root.mdef.variables
    options = ctx.config.options
    fs = state.fs
    values: dict[str, Value] = {}
    if options.get("tf_env_vars") is True:
        for name in sorted(declared):
            key = f"TF_VAR_{name}"
            raw = fs.environ(key)
            if raw is not None:
                prov = Provenance(kind="environment", description=f"environment variable {key}")
                values[name] = Value(_cli_value(root, name, raw), frozenset(), (prov,))
    var_files: list[Path] = list(tfvars_files(fs, state.root_dir)) if with_tfvars else []
    for given in _option_list(options, "tf_var_files"):
        candidate = Path(given)
        if not candidate.is_absolute():
            candidate = state.root_dir / given if fs.is_file(state.root_dir / given) else Path.cwd() / given
        var_files.append(candidate)
    for file in var_files:
        for name, attr in _read_tfvars(state, file).items():
            if name not in declared:
                continue
            value = root.eval_attr(attr, Scope(root))
            prov = Provenance(kind="tfvars", description=f"{name} in {state.describe(attr.span)}",
                              span=attr.span)
            values[name] = Value(value, frozenset(), (prov,))
    for assignment in _option_list(options, "tf_vars"):
        name, sep, raw = assignment.partition("=")
        name = name.strip()
        if not sep or name not in declared:
            continue
        prov = Provenance(kind="cli", description=f"--var {name}")
        values[name] = Value(_cli_value(root, name, raw), frozenset(), (prov,))
    return values


def _cli_value(root: ModuleInstance, name: str, raw: str) -> Any:
    """`-var` values are literal strings unless the variable's type is a non-string type."""
    type_attr = root.mdef.variables[name].attrs.get("type")
    if type_attr is None or type_attr.text.strip() == "string":
        return raw
    try:
        value = plain(evaluate(parse_expression(raw), Scope(root)), Scope(root))
        return coerce(value, type_attr.expr, root)
    except (HclSyntaxError, *EVAL_ERRORS):
        return raw


def _read_tfvars(state: LoadState, file: Path) -> dict[str, Attr]:
    try:
        data = state.fs.read_bytes(file)
    except OSError:
        state.problem(SourceSpan(file=str(file), precision="file"), f"variables file {file} not found")
        return {}
    try:
        if file.name.endswith(".json"):
            content = load_json_object(data, file)
            span = SourceSpan(file=str(file), precision="file")
            return {k: Attr(k, JsonExpr(v), span, json.dumps(v)[:200]) for k, v in content.items()}
        attrs, _ = parse_hcl(data, file)
        return attrs
    except (HclSyntaxError, ValueError) as exc:
        line = exc.line if isinstance(exc, HclSyntaxError) else 1
        state.problem(SourceSpan(file=str(file), start_line=line, end_line=line), str(exc),
                      "unparseable-file")
        return {}
