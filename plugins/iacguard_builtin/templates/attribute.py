"""The `attribute` template: judge one setting of a resource, a pod spec or every container.

    template: attribute
    params:
      rules:
        - kinds: [google_container_cluster]
          path: enable_legacy_abac        # dotted, or a list for keys with dots
          default: false                  # the provider default when not written
          fail: {equals: true}            # the value that is a finding (see predicates.py)
          message: "{resource} authorizes with legacy ABAC: {setting}"

`on_unknown: pass` leaves values known only after apply alone (default: unresolved).
`report_at: <path>` reports at another path (its nearest written part, e.g. the enclosing
block) instead of the attribute. `target: containers` judges `path` in every container of
the pod spec (containers, initContainers, ephemeralContainers) of any workload kind;
`target: pod` judges it in the pod spec. `only_if_set: true` judges only a written value
(no default applies). A value known only after apply is reported "unresolved" (as
`--unknowns` says).
Message placeholders: {resource} {kind} {name} {namespace} {setting} (`path = value (where it
came from)`) {value} {path} {container}.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from iacguard.checks import CheckContext
from iacguard.model import Resource, Violation
from iacguard.values import MISSING, is_unknown
from iacguard_builtin.cloud.settings import LITERAL, attr, existing_path, fmt
from iacguard_builtin.kubernetes.api import containers, pod_spec, pod_spec_path
from iacguard_builtin.templates.paths import AttrPath, Step, dotted, lookup
from iacguard_builtin.templates.predicates import Predicate
from iacguard_builtin.templates.rules import Rule


class AttributeRule(Rule):
    target: Literal["resource", "pod", "containers"] = "resource"
    path: AttrPath
    default: Any = MISSING
    only_if_set: bool = False
    fail: Predicate
    # Where to report instead of the attribute (its nearest written part), e.g. the block.
    report_at: AttrPath | None = None
    # A value known only after apply: `unresolved` (as --unknowns says), or `pass` when only
    # a known value can be the finding (a credential that is written out).
    on_unknown: Literal["unresolved", "pass"] = "unresolved"

    PLACEHOLDERS: ClassVar[frozenset[str]] = Rule.PLACEHOLDERS | {
        "setting", "value", "path", "container"}


class AttributeParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[AttributeRule] = Field(min_length=1)


def _subjects(resource: Resource, target: str) -> Iterator[tuple[tuple[Step, ...], Any, str]]:
    """(base path, data, container name) of what a rule judges in `resource`."""
    if target == "resource":
        yield (), resource.body, ""
    elif target == "pod":
        path, spec = pod_spec_path(resource), pod_spec(resource)
        if path is not None and spec is not None:
            yield tuple(path), spec, ""
    else:
        for container in containers(resource):
            yield container.path, container.spec, container.name


def judge(ctx: CheckContext[Any], rule: AttributeRule) -> Iterator[Violation]:
    """The violations (and unresolved values) of one rule over the dispatched resources."""
    for resource in ctx.resources(rule.kinds or None):
        if not rule.in_namespace(resource):
            continue
        for base, data, container in _subjects(resource, rule.target):
            gate = rule.gate(data)
            if gate is False:
                continue
            for relative, value in lookup(data, rule.path):
                if value is MISSING and rule.only_if_set:
                    continue
                setting = attr(resource, (*base, *relative), rule.default)
                if is_unknown(value) and not setting.present:  # inside a block known after apply
                    if rule.only_if_set:
                        continue
                    setting = replace(setting, value=value, present=True, where=LITERAL)
                verdict = rule.fail.holds(setting.value)
                described = setting.describe(dotted(rule.path))
                if verdict is None and rule.on_unknown == "pass":
                    continue
                if verdict is None or (verdict and gate is None):
                    yield from ctx.unresolved(resource, setting.at,
                                              f"{resource.display_name} {described}")
                elif verdict:
                    at = setting.at if rule.report_at is None else existing_path(
                        resource, (*base, *rule.report_at))
                    yield Violation.at(resource, at, rule.text(
                        resource, setting=described, value=fmt(setting.value),
                        path=dotted(rule.path), container=container))


def attribute(ctx: CheckContext[AttributeParams]) -> Iterator[Violation]:
    for rule in ctx.params.rules:
        yield from judge(ctx, rule)
