"""The resources of a `terraform show -json` plan document, as plain records.

Values come from `planned_values` (root and nested `child_modules`) joined by address with
`resource_changes`: a resource the plan deletes is not returned as if it will exist, and
`after_unknown` is merged so that a value known only after apply is `Unknown` (its reason
names what the configuration computes it from, where `configuration` says). `prior_state`
fills in a resource the plan leaves unchanged and lists without values. Unset attributes
(`null`) are left out, as the HCL loader leaves out attributes that are not written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from iacguard.values import Unknown, pointer

SUPPORTED_MAJORS = (0, 1)
_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')
_NOT_RESOURCES = {"var", "local", "module", "data", "each", "count", "path", "terraform", "self"}
_REF_BASE = re.compile(r'^([A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)((?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?)')


class NotAPlan(ValueError):
    """A Terraform document that cannot be checked as a plan (state, unsupported version...)."""


@dataclass
class PlanResource:
    address: str
    type: str
    name: str
    module_address: str  # "" for the root module, else e.g. `module.a["x"].module.b`
    body: dict[str, Any]
    action: str  # create | update | replace | no-op | read | unknown
    sensitive: set[str] = field(default_factory=set)  # pointers inside body
    references: list[tuple[str, str, str]] = field(default_factory=list)  # (pointer, target, expr)

    @property
    def config_address(self) -> str:
        """The address without instance keys (`module.a.aws_instance.b`)."""
        return without_keys(self.address)


@dataclass
class Plan:
    format_version: str
    terraform_version: str
    resources: list[PlanResource]


def without_keys(address: str) -> str:
    return _INSTANCE_KEY.sub("", address)


def check_version(doc: dict[str, Any]) -> str:
    version = doc.get("format_version")
    if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+(\.\d+)?", version):
        raise NotAPlan(f"format_version {version!r} is not a version")
    major = int(version.split(".")[0])
    if major not in SUPPORTED_MAJORS:
        raise NotAPlan(f"plan format_version {version} is not supported (0.1 to 1.x)")
    return version


def read_plan(doc: Any) -> Plan:
    if not isinstance(doc, dict):
        raise NotAPlan("the document is not a JSON object")
    version = check_version(doc)
    planned = doc.get("planned_values")
    changes = doc.get("resource_changes")
    if planned is None and changes is None:
        if "values" in doc:
            raise NotAPlan("this is a Terraform state (`terraform show -json` without a plan "
                           "file), not a plan: run `terraform show -json PLANFILE`")
        raise NotAPlan("no planned_values or resource_changes: not a plan")
    if not isinstance(planned, dict | None) or not isinstance(changes, list | None):
        raise NotAPlan("planned_values must be an object and resource_changes a list")
    values: dict[str, dict[str, Any]] = {}
    _module_resources(_dict(planned).get("root_module"), values)
    prior: dict[str, dict[str, Any]] = {}
    _module_resources(_dict(_dict(doc.get("prior_state")).get("values")).get("root_module"), prior)
    change_of: dict[str, dict[str, Any]] = {}
    for change in changes or []:
        if isinstance(change, dict) and isinstance(change.get("address"), str) \
                and change.get("mode", "managed") == "managed" and not change.get("deposed"):
            change_of[change["address"]] = change
    config = _Configuration(_dict(doc.get("configuration")), _dict(doc.get("variables")))
    addresses = list(values) + [a for a in change_of if a not in values]
    resources: list[PlanResource] = []
    for address in addresses:
        planned_resource = values.get(address, {})
        change = change_of.get(address, {})
        if planned_resource and planned_resource.get("mode", "managed") != "managed":
            continue
        resource = _resource(address, planned_resource, change, prior.get(address, {}), config)
        if resource is not None:
            resources.append(resource)
    config.link(resources)
    return Plan(version, str(doc.get("terraform_version", "")), resources)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _module_resources(module: Any, out: dict[str, dict[str, Any]], depth: int = 0) -> None:
    if not isinstance(module, dict) or depth > 64:
        return
    for resource in module.get("resources") or []:
        if isinstance(resource, dict) and isinstance(resource.get("address"), str):
            out.setdefault(resource["address"], resource)
    for child in module.get("child_modules") or []:
        _module_resources(child, out, depth + 1)


def _action(actions: Any) -> str:
    if not isinstance(actions, list) or not actions:
        return "unknown"
    if "delete" in actions and "create" in actions:
        return "replace"
    if "delete" in actions or "forget" in actions:
        return "delete"
    return str(actions[0]) if len(actions) == 1 else "+".join(str(a) for a in actions)


def _resource(address: str, planned: dict[str, Any], change: dict[str, Any],
              prior: dict[str, Any], config: _Configuration) -> PlanResource | None:
    detail = _dict(change.get("change"))
    action = _action(detail.get("actions")) if change else "unknown"
    if action == "delete":
        return None
    source = planned or change
    type_, name = str(source.get("type", "")), str(source.get("name", ""))
    if not type_:
        return None
    module_address = str(change.get("module_address") or planned.get("module_address") or "")
    if not module_address and address.startswith("module."):
        module_address = address[: -len(_own_part(address))].rstrip(".")
    values = planned.get("values")
    if not isinstance(values, dict):
        values = detail.get("after") if isinstance(detail.get("after"), dict) else None
    if values is None and action in ("no-op", "unknown"):
        values = prior.get("values") if isinstance(prior.get("values"), dict) else None
    body: Any = values or {}
    expressions = config.expressions(module_address, address)
    unknown = detail.get("after_unknown")
    if unknown is not None:
        body = _merge_unknown(body, unknown, [], address, expressions)
    sensitive: set[str] = set()
    for marks in (planned.get("sensitive_values"), detail.get("after_sensitive"),
                  detail.get("before_sensitive")):
        _sensitive_paths(marks, [], sensitive)
    clean = _without_nulls(body)
    resource = PlanResource(address, type_, name, module_address,
                            clean if isinstance(clean, dict) else {}, action, sensitive)
    config.mark_sensitive_variables(resource, expressions)
    return resource


def _own_part(address: str) -> str:
    """`aws_instance.b[0]` of `module.a["x"].aws_instance.b[0]`."""
    parts = re.findall(r'(?:[^."\[]+|\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])+', address)
    own = parts[-2:] if len(parts) >= 2 else parts
    if len(parts) >= 3 and parts[-3] == "data":
        own = parts[-3:]
    return ".".join(own)


def _merge_unknown(value: Any, unknown: Any, path: list[str | int], address: str,
                   expressions: dict[str, Any]) -> Any:
    if unknown is True:
        return Unknown(_unknown_reason(address, path, expressions))
    if isinstance(unknown, dict):
        base = value if isinstance(value, dict) else {}
        merged = dict(base)
        for key, sub in unknown.items():
            merged[key] = _merge_unknown(base.get(key), sub, [*path, key], address, expressions)
        return merged
    if isinstance(unknown, list):
        items = list(value) if isinstance(value, list) else []
        for index, sub in enumerate(unknown):
            if index < len(items):
                items[index] = _merge_unknown(items[index], sub, [*path, index], address, expressions)
            elif sub is not False:
                items.append(_merge_unknown(None, sub, [*path, index], address, expressions))
        return items
    return value


def _unknown_reason(address: str, path: list[str | int], expressions: dict[str, Any]) -> str:
    """What the value is computed from: the configuration's references for it, longest first
    (`aws_vpc.main.id` rather than `aws_vpc.main`), else the attribute itself."""
    expression = _expression_at(expressions, path)
    refs = sorted(_references_in(expression), key=lambda r: (-len(r), r)) if expression else []
    if refs:
        return refs[0]
    return f"{address}.{'.'.join(str(p) for p in path)} (known after apply)"


def _expression_at(expressions: dict[str, Any], path: list[str | int]) -> Any:
    current: Any = expressions
    for part in path:
        if isinstance(current, dict) and "references" in current and isinstance(part, int):
            return current
        if isinstance(current, dict) and isinstance(part, str):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            return current if isinstance(current, dict) and "references" in current else None
    return current


def _references_in(expression: Any, depth: int = 0) -> list[str]:
    if depth > 32:
        return []
    if isinstance(expression, dict):
        refs = expression.get("references")
        found = [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []
        for key, sub in expression.items():
            if key not in ("references", "constant_value"):
                found.extend(_references_in(sub, depth + 1))
        return found
    if isinstance(expression, list):
        return [r for sub in expression for r in _references_in(sub, depth + 1)]
    return []


def _sensitive_paths(marks: Any, path: list[str | int], out: set[str]) -> None:
    if marks is True:
        out.add(pointer(path))
    elif isinstance(marks, dict):
        for key, sub in marks.items():
            _sensitive_paths(sub, [*path, key], out)
    elif isinstance(marks, list):
        for index, sub in enumerate(marks):
            _sensitive_paths(sub, [*path, index], out)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class _Configuration:
    """The `configuration` section: expressions by module path and resource, references,
    and the root variables declared sensitive."""

    def __init__(self, configuration: dict[str, Any], variables: dict[str, Any]) -> None:
        self._resources: dict[tuple[str, str], dict[str, Any]] = {}
        self._collect(_dict(configuration.get("root_module")), "", 0)
        root_vars = _dict(_dict(configuration.get("root_module")).get("variables"))
        self.sensitive_vars = {n for n, v in root_vars.items() if _dict(v).get("sensitive") is True}
        self.sensitive_values: set[str] = set()
        for name in self.sensitive_vars:
            self.sensitive_values.update(_leaf_strings(_dict(variables.get(name)).get("value")))

    def _collect(self, module: dict[str, Any], path: str, depth: int) -> None:
        if depth > 64:
            return
        for resource in module.get("resources") or []:
            if isinstance(resource, dict) and isinstance(resource.get("address"), str):
                self._resources[(path, resource["address"])] = _dict(resource.get("expressions"))
        for name, call in _dict(module.get("module_calls")).items():
            inner = f"{path}.module.{name}" if path else f"module.{name}"
            self._collect(_dict(_dict(call).get("module")), inner, depth + 1)

    def expressions(self, module_address: str, address: str) -> dict[str, Any]:
        own = without_keys(_own_part(address))
        return self._resources.get((without_keys(module_address), own), {})

    def mark_sensitive_variables(self, resource: PlanResource, expressions: dict[str, Any]) -> None:
        """Attributes computed from a root variable declared `sensitive` (their expressions
        reference it), and any string equal to such a variable's value."""
        if not self.sensitive_vars and not self.sensitive_values:
            return
        if not resource.module_address:
            for key, expression in expressions.items():
                refs = _references_in(expression)
                if any(r.split(".")[0] == "var" and r.split(".")[1] in self.sensitive_vars
                       for r in refs if r.count(".") >= 1):
                    resource.sensitive.add(pointer([key]))
        if self.sensitive_values:
            _mark_equal(resource.body, [], self.sensitive_values, resource.sensitive)

    def link(self, resources: list[PlanResource]) -> None:
        """References from each resource's expressions to the plan resources they name, in
        the same module instance (`aws_subnet.a` -> every instance of it, `aws_subnet.a[0]`
        -> that one)."""
        by_address = {r.address for r in resources}
        instances: dict[str, list[str]] = {}
        for r in resources:
            instances.setdefault(without_keys(r.address), []).append(r.address)
        for resource in resources:
            prefix = f"{resource.module_address}." if resource.module_address else ""
            seen: set[tuple[str, str]] = set()
            for key, expression in self.expressions(resource.module_address, resource.address).items():
                for ref in _references_in(expression):
                    match = _REF_BASE.match(ref)
                    if match is None or match.group(1).split(".")[0] in _NOT_RESOURCES:
                        continue
                    base, index = prefix + match.group(1), match.group(2)
                    targets = [base + index] if base + index in by_address else \
                        ([base] if base in by_address else instances.get(without_keys(base), []))
                    for target in targets:
                        if target != resource.address and (key, target) not in seen:
                            seen.add((key, target))
                            resource.references.append((pointer([key]), target, ref))


def _leaf_strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value} if value else set()
    if isinstance(value, dict):
        return {s for v in value.values() for s in _leaf_strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _leaf_strings(v)}
    return set()


def _mark_equal(value: Any, path: list[str | int], secrets: set[str], out: set[str]) -> None:
    if isinstance(value, str) and value in secrets:
        out.add(pointer(path))
    elif isinstance(value, dict):
        for key, sub in value.items():
            _mark_equal(sub, [*path, key], secrets, out)
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            _mark_equal(sub, [*path, index], secrets, out)
