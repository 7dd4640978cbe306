"""Whether a Kubernetes Service of type LoadBalancer is reachable from the internet.

A LoadBalancer Service is internet-facing unless an internal marker of the cloud that
decides says otherwise (`load_balancers`); `loadBalancerSourceRanges` narrows who can reach
it only when the ranges are neither world-reachable nor overly broad (`cidrs`).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from iacguard.graph import ResourceGraph
from iacguard.model import Resource
from iacguard.values import as_list, get
from iacguard_builtin.cloud.cidrs import reach
from iacguard_builtin.cloud.clusters import cloud_of, deployed_to
from iacguard_builtin.cloud.load_balancers import (
    AWS_LB_TYPE,
    AWS_LBC_CLASS,
    AWS_LBC_SCHEME,
    AWS_LBC_TYPES,
    INTERNAL_CLASSES,
    SOURCE_RANGES_ANNOTATION,
    markers_for,
)
from iacguard_builtin.kubernetes.api import annotations_of, namespace_of


@dataclass(frozen=True)
class Exposure:
    public: bool
    reason: str
    ranges: str = ""  # why loadBalancerSourceRanges do not restrict it, when they are set


def _managed_by_aws_lbc(service: Resource, notes: dict[str, str]) -> bool:
    """The AWS Load Balancer Controller handles the Service (its default scheme is internal)."""
    lb_type = notes.get(AWS_LB_TYPE, "").strip().lower()
    klass = get(service.body, ("spec", "loadBalancerClass"))
    return lb_type in AWS_LBC_TYPES or klass == AWS_LBC_CLASS


def is_load_balancer(service: Resource) -> bool:
    return service.kind == "Service" and get(service.body, ("spec", "type")) == "LoadBalancer"


def source_ranges(service: Resource, notes: dict[str, str]) -> list[str]:
    """Who may reach the load balancer: `spec.loadBalancerSourceRanges`, else the older
    comma-separated annotation (the field wins when both are set, as in the cloud providers)."""
    ranges = [str(r) for r in as_list(get(service.body, ("spec", "loadBalancerSourceRanges")))]
    if ranges:
        return ranges
    return [r.strip() for r in notes.get(SOURCE_RANGES_ANNOTATION, "").split(",") if r.strip()]


def exposure(service: Resource, cloud: str = "auto") -> Exposure:
    """How a LoadBalancer Service is exposed, judged for `cloud` (`auto`: any cloud's marker)."""
    notes = annotations_of(service)
    for marker in markers_for(cloud):
        if marker.annotation in notes and marker.applies(notes[marker.annotation]):
            return Exposure(False, f"internal by {marker.annotation}")
    klass = get(service.body, ("spec", "loadBalancerClass"))
    if isinstance(klass, str) and klass in INTERNAL_CLASSES and cloud in ("auto", INTERNAL_CLASSES[klass]):
        return Exposure(False, f"internal by loadBalancerClass {klass}")
    if cloud in ("auto", "aws") and _managed_by_aws_lbc(service, notes):
        scheme = notes.get(AWS_LBC_SCHEME, "").strip().lower()
        if scheme != "internet-facing":
            return Exposure(False, "AWS Load Balancer Controller default scheme (internal)")
    ranges = source_ranges(service, notes)
    if not ranges:
        return Exposure(True, "internet-facing")
    judged = reach(ranges)
    if judged.restricts:
        return Exposure(False, f"restricted by loadBalancerSourceRanges {ranges}")
    return Exposure(True, "internet-facing", f"loadBalancerSourceRanges {judged.describe(ranges)}")


def is_designated_entry_point(service: Resource, patterns: list[str]) -> bool:
    """`patterns` are `namespace/name` globs (a bare `name` glob matches any namespace)."""
    qualified = f"{namespace_of(service)}/{service.name}"
    for pattern in patterns:
        target = qualified if "/" in pattern else service.name
        if fnmatch.fnmatchcase(target, pattern):
            return True
    return False


def cloud_for(graph: ResourceGraph, service: Resource, configured: str) -> str:
    """The cloud whose annotations decide: the configured one, else the cloud of the cluster
    the Service is deployed to (so a GKE annotation on an EKS Service counts for nothing),
    else `auto` (any cloud's marker)."""
    if configured != "auto":
        return configured
    cluster = deployed_to(graph, service)
    return (cloud_of(cluster) if cluster is not None else None) or "auto"


def is_public_load_balancer(graph: ResourceGraph, service: Resource, configured_cloud: str) -> bool:
    """A LoadBalancer Service that is internet-facing, judged for the cloud that decides."""
    return is_load_balancer(service) and exposure(service, cloud_for(graph, service,
                                                                      configured_cloud)).public
