"""internal-lb (cloud side): load balancers are internal unless designated as the entry point.

Omission is the usual mistake: `aws_lb.internal` and `aws_elb.internal` default to false,
and a GCP forwarding rule without `load_balancing_scheme` is EXTERNAL (the flags and their
defaults are the cloud library's, `iacguard_builtin.cloud.load_balancers`).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext
from iacguard.model import Resource, Violation
from iacguard.values import is_unknown
from iacguard_builtin.cloud.load_balancers import (
    AWS_INTERNAL_DEFAULT,
    AWS_LB_KINDS,
    AWS_SCHEMELESS_TYPES,
    AZURE_LB_KINDS,
    AZURE_PUBLIC_FRONTEND_KEYS,
    GCP_DEFAULT_SCHEME,
    GCP_EXTERNAL_SCHEMES,
    GCP_FORWARDING_RULE_KINDS,
)
from iacguard_builtin.cloud.references import has_references
from iacguard_builtin.cloud.settings import attr, blocks
from iacguard_builtin.tf_policies.common import designated


class PublicCloudLbParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The designated public entry points: address or name globs (e.g. "aws_lb.ingress*").
    public_entry_points: list[str] = []


ADVICE = "make it internal, or list it in public_entry_points if it is the designated entry point"


def _aws(ctx: CheckContext[PublicCloudLbParams], lb: Resource) -> Iterator[Violation]:
    if lb.body.get("load_balancer_type") in AWS_SCHEMELESS_TYPES:
        return
    internal = attr(lb, ("internal",), AWS_INTERNAL_DEFAULT)
    flag = internal.flag()
    if flag is None:
        # Unknown before apply (a computed value, a variable without a value): the deployed
        # load balancer is internet-facing unless the value turns out true, so judge the
        # cloud default rather than stay silent.
        yield Violation.at(lb, internal.at, f"load balancer {lb.display_name} follows the AWS "
                           f"default, internet-facing: {internal.describe()} is unknown before "
                           f"apply; {ADVICE}")
    elif not flag:
        yield Violation.at(lb, internal.at, f"load balancer {lb.display_name} is internet-facing: "
                           f"{internal.describe()}; {ADVICE}")


def _gcp(ctx: CheckContext[PublicCloudLbParams], rule: Resource) -> Iterator[Violation]:
    scheme = attr(rule, ("load_balancing_scheme",), GCP_DEFAULT_SCHEME)
    if is_unknown(scheme.value):
        yield from ctx.unresolved(rule, scheme.at, f"{rule.display_name} {scheme.describe()}")
    elif str(scheme.value).upper() in GCP_EXTERNAL_SCHEMES:
        yield Violation.at(rule, scheme.at, f"forwarding rule {rule.display_name} is "
                           f"internet-facing: {scheme.describe()}; {ADVICE}")


def _azure(ctx: CheckContext[PublicCloudLbParams], lb: Resource) -> Iterator[Violation]:
    for path, frontend in blocks(lb, "frontend_ip_configuration"):
        for key in AZURE_PUBLIC_FRONTEND_KEYS:
            public = attr(lb, (*path, key))
            if not public.present:
                continue
            if is_unknown(public.value) and not has_references(ctx.graph, lb, public.path):
                yield from ctx.unresolved(lb, public.at, f"{lb.display_name} {public.describe()}")
                continue
            name = frontend.get("name")
            label = f"frontend {name}" if isinstance(name, str) else "frontend"
            yield Violation.at(lb, public.at, f"load balancer {lb.display_name} has a public "
                               f"{label}: {public.describe()}; {ADVICE}")


def public_cloud_load_balancer(ctx: CheckContext[PublicCloudLbParams]) -> Iterator[Violation]:
    kinds = {**dict.fromkeys(AWS_LB_KINDS, _aws), **dict.fromkeys(GCP_FORWARDING_RULE_KINDS, _gcp),
             **dict.fromkeys(AZURE_LB_KINDS, _azure)}
    for kind, judge in kinds.items():
        for lb in ctx.graph.resources(kind):
            if not designated(lb, ctx.params.public_entry_points):
                yield from judge(ctx, lb)
