"""The `related` template: a resource must (or must not) have a related resource.

    template: related
    params:
      rules:
        - kinds: [Deployment]
          edge: selects                # an edge kind of the graph (see `iacguard graph`)
          direction: in                # in: the related resource points at this one
          related_kinds: [PodDisruptionBudget]
          related_when: []             # conditions on the related resource
          require: present             # present: none is a finding; absent: any is
          message: "{resource} has no PodDisruptionBudget"

Relations are the graph's typed edges (Terraform references, label selection, Ingress
routes, role bindings, ...), within the resource's deployment scope as linkers draw them.
Placeholders: {resource} {kind} {name} {namespace} {related} (the names found).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from iacguard.checks import CheckContext
from iacguard.model import Resource, Violation
from iacguard_builtin.templates.rules import Condition, Rule, condition_state


class RelatedRule(Rule):
    edge: str
    direction: Literal["in", "out"] = "out"
    related_kinds: list[str] = Field(default_factory=list)
    related_when: list[Condition] = Field(default_factory=list)
    require: Literal["present", "absent"] = "present"

    PLACEHOLDERS: ClassVar[frozenset[str]] = Rule.PLACEHOLDERS | {"related"}

    @model_validator(mode="after")
    def _known_edge(self, info: ValidationInfo) -> RelatedRule:
        kinds = (info.context or {}).get("edge_kinds")
        if kinds is not None and self.edge not in kinds:
            raise ValueError(f"edge: {self.edge!r} is no edge kind (one of: "
                             f"{', '.join(sorted(kinds))})")
        return self


class RelatedParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[RelatedRule] = Field(min_length=1)


def _related(ctx: CheckContext[RelatedParams], rule: RelatedRule,
             resource: Resource) -> tuple[list[Resource], bool]:
    """The matching related resources, and whether a condition on one was unknown."""
    graph = ctx.graph
    others = (graph.referrers(resource, rule.edge) if rule.direction == "in"
              else graph.targets(resource, rule.edge))
    found: list[Resource] = []
    unknown = False
    for other in others:
        if rule.related_kinds and other.kind not in rule.related_kinds:
            continue
        state = condition_state(rule.related_when, other.body)
        unknown = unknown or state is None
        if state is True and all(o.id != other.id for o in found):
            found.append(other)
    return found, unknown


def related(ctx: CheckContext[RelatedParams]) -> Iterator[Violation]:
    for rule in ctx.params.rules:
        for resource in ctx.resources(rule.kinds or None):
            if not rule.in_namespace(resource) or (gate := rule.gate(resource.body)) is False:
                continue
            found, unknown = _related(ctx, rule, resource)
            failing = not found if rule.require == "present" else bool(found)
            if not failing:
                continue
            if gate is None or (unknown and rule.require == "present"):
                yield from ctx.unresolved(resource, (), f"{resource.display_name} {rule.edge} "
                                          "relation")
                continue
            names = ", ".join(o.display_name for o in found)
            yield Violation.at(resource, (), rule.text(resource, related=names),
                               related=[(o, ()) for o in found])
