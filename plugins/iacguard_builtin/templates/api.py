"""The public surface of the check templates, for policy packs and other plugins.

Policies use a template by name in `policy.yaml` (`template: attribute` + `params:`):
- `attribute` (`AttributeRule`, `AttributeParams`): a setting equals / is set / is one of ...,
  with the provider default when not written and "unresolved" when unknown; Terraform
  attributes, Kubernetes fields, the pod spec or every container of any workload;
- `cidr` (`CidrRule`): who a list of CIDR blocks lets in (world, outside approved, too broad);
- `port-exposure` (`PortRule`): rule entries that open given TCP ports to the internet;
- `related` (`RelatedRule`): a related resource by edge kind must exist (or must not).
Python checks reuse a template's judgement through `judge_attribute(ctx, rule)` (for
example a check that adds graph reasoning for one provider and templates the rest).
`TEMPLATES` maps each template name to its check function and params model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from iacguard.checks import CheckContext
from iacguard.model import Violation
from iacguard_builtin.templates.attribute import AttributeParams, AttributeRule, attribute
from iacguard_builtin.templates.attribute import judge as judge_attribute
from iacguard_builtin.templates.network import CidrParams, CidrRule, PortParams, PortRule, cidr, port_exposure
from iacguard_builtin.templates.paths import AttrPath
from iacguard_builtin.templates.predicates import Predicate
from iacguard_builtin.templates.related import RelatedParams, RelatedRule, related
from iacguard_builtin.templates.rules import Condition

TEMPLATES: dict[str, tuple[Callable[[CheckContext[Any]], Iterable[Violation]], type[BaseModel]]] = {
    "attribute": (attribute, AttributeParams),
    "cidr": (cidr, CidrParams),
    "port-exposure": (port_exposure, PortParams),
    "related": (related, RelatedParams),
}

__all__ = [
    "TEMPLATES",
    "AttrPath",
    "AttributeParams",
    "AttributeRule",
    "CidrParams",
    "CidrRule",
    "Condition",
    "PortParams",
    "PortRule",
    "Predicate",
    "RelatedParams",
    "RelatedRule",
    "judge_attribute",
]
