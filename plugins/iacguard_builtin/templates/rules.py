"""What every template rule shares: the kinds it judges, extra conditions, its message.

`when` conditions must all hold for the rule to judge a resource, any `unless` condition
exempts it; `namespaces` (globs) limits a rule to Kubernetes objects of matching
namespaces. A condition that cannot be known before apply makes a would-be finding
"unresolved" (as `--unknowns` says) instead of a guess.
"""

from __future__ import annotations

import fnmatch
import string
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from iacguard.model import PolicyMeta, Resource
from iacguard_builtin.kubernetes.api import namespace_of
from iacguard_builtin.templates.paths import AttrPath, Step, lookup
from iacguard_builtin.templates.predicates import Predicate


class Condition(Predicate):
    """A predicate on the value at `path` (relative to what the rule judges)."""

    path: AttrPath


def condition_state(conditions: Iterable[Condition], data: Any) -> bool | None:
    """All conditions hold (True), one fails (False), or one is unknown and none fails."""
    unknown = False
    for condition in conditions:
        values = [v for _, v in lookup(data, condition.path)] or [None]
        answers = [condition.holds(v) for v in values]
        if any(a is True for a in answers):
            continue
        if any(a is None for a in answers):
            unknown = True
            continue
        return False
    return None if unknown else True


def exempt_state(conditions: Iterable[Condition], data: Any) -> bool | None:
    """Some `unless` condition holds (True), none does (False), or one is unknown (None)."""
    unknown = False
    for condition in conditions:
        answers = [condition.holds(v) for _, v in lookup(data, condition.path)] or [False]
        if any(a is True for a in answers):
            return True
        unknown = unknown or any(a is None for a in answers)
    return None if unknown else False


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The kinds this rule judges; default: the policy's `applies_to`.
    kinds: list[str] = Field(default_factory=list)
    when: list[Condition] = Field(default_factory=list)
    unless: list[Condition] = Field(default_factory=list)
    namespaces: list[str] = Field(default_factory=list)
    message: str

    # The placeholders a message may use; templates add their own.
    PLACEHOLDERS: ClassVar[frozenset[str]] = frozenset({"resource", "kind", "name", "namespace"})

    @model_validator(mode="after")
    def _check_message(self, info: ValidationInfo) -> Rule:
        try:
            used = {field for _, field, _, _ in string.Formatter().parse(self.message) if field}
        except ValueError as exc:
            raise ValueError(f"message: {exc}") from exc
        unknown = sorted(used - self.placeholders())
        if unknown:
            raise ValueError(f"message: unknown placeholder(s) {', '.join(unknown)} (known: "
                             f"{', '.join(sorted(self.placeholders()))})")
        policy = (info.context or {}).get("policy")
        if isinstance(policy, PolicyMeta) and policy.kinds is not None:
            outside = sorted(set(self.kinds) - policy.kinds)
            if outside:
                raise ValueError(f"kinds: {', '.join(outside)} not in the policy's applies_to "
                                 "(the check is never dispatched them)")
        if not self.kinds and (not isinstance(policy, PolicyMeta) or policy.kinds is None):
            raise ValueError("kinds: give the kinds to judge (here or in applies_to)")
        return self

    @classmethod
    def placeholders(cls) -> frozenset[str]:
        return cls.PLACEHOLDERS

    def in_namespace(self, resource: Resource) -> bool:
        if not self.namespaces:
            return True
        namespace = namespace_of(resource)
        return namespace is not None and any(fnmatch.fnmatchcase(namespace, g)
                                             for g in self.namespaces)

    def gate(self, data: Any) -> bool | None:
        """Whether the rule judges `data`: True, False, or None when a condition is unknown."""
        when = condition_state(self.when, data)
        if when is False:
            return False
        exempt = exempt_state(self.unless, data)
        if exempt is True:
            return False
        return None if None in (when, exempt) else True

    def text(self, resource: Resource, **extra: Any) -> str:
        fields = {"resource": resource.display_name, "kind": resource.kind,
                  "name": resource.name, "namespace": namespace_of(resource) or "", **extra}
        return self.message.format_map(fields)


Path = tuple[Step, ...]
