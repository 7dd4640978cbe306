"""internal-lb: LoadBalancer Services must be internal unless designated as a public entry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext
from iacguard.model import Violation
from iacguard_builtin.cloud.clusters import deployed_to
from iacguard_builtin.cloud.load_balancers import expected_annotations
from iacguard_builtin.cloud.services import cloud_for, exposure, is_designated_entry_point, is_load_balancer


class PublicLbParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cloud: Literal["auto", "aws", "gcp", "azure", "oci", "openstack", "ibm", "alibaba"] = "auto"
    public_entry_points: list[str] = []


def public_load_balancer_service(ctx: CheckContext[PublicLbParams]) -> Iterator[Violation]:
    p = ctx.params
    for service in ctx.graph.resources("Service"):
        cloud = cloud_for(ctx.graph, service, p.cloud)
        if not is_load_balancer(service):
            continue
        exposed = exposure(service, cloud)
        if not exposed.public:
            continue
        if is_designated_entry_point(service, p.public_entry_points):
            continue
        if cloud == "auto":
            how = "Add your cloud's internal-load-balancer annotation (iacguard explain LB001)"
        else:
            how = f"Annotate it as internal ({expected_annotations(cloud)})"
        cluster = deployed_to(ctx.graph, service)
        where = f" on cluster {cluster.display_name}" if cluster is not None else ""
        ranges = f" ({exposed.ranges})" if exposed.ranges else ""
        yield Violation.at(
            service,
            ("spec", "type"),
            f"Service {service.name} gets an internet-facing load balancer{where}{ranges}. {how}, or "
            "list it in public_entry_points if it is the designated entry point",
        )
