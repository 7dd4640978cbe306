"""Whether a Service of type LoadBalancer is reachable from the internet.

The annotation matrix, per cloud and controller. A LoadBalancer Service is internet-facing
unless one of these says otherwise; `loadBalancerSourceRanges` narrows who can reach it.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from dataclasses import dataclass

from iacguard_kubernetes.objects import annotations_of, namespace_of

from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource
from iacguard.values import as_list, get

AWS_IN_TREE_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal"
AWS_LBC_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
AWS_LB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type"
AWS_LBC_CLASS = "service.k8s.aws/nlb"
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


@dataclass(frozen=True)
class InternalMarker:
    cloud: str
    annotation: str
    expected: str  # how the value must read, for messages

    def applies(self, value: str) -> bool:
        lowered = value.strip().lower()
        if self.annotation == AWS_IN_TREE_INTERNAL:
            # The in-tree AWS provider treats any non-empty value but "false" as internal.
            return lowered not in ("", "false")
        return lowered == self.expected.lower()


INTERNAL_MARKERS: tuple[InternalMarker, ...] = (
    InternalMarker("aws", AWS_IN_TREE_INTERNAL, "true"),
    InternalMarker("aws", AWS_LBC_SCHEME, "internal"),
    InternalMarker("gcp", "networking.gke.io/load-balancer-type", "Internal"),
    InternalMarker("gcp", "cloud.google.com/load-balancer-type", "Internal"),
    InternalMarker("azure", "service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
    InternalMarker("oci", "service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
    InternalMarker("oci", "oci-network-load-balancer.oraclecloud.com/internal", "true"),
    InternalMarker("openstack", "service.beta.kubernetes.io/openstack-internal-load-balancer",
                   "true"),
    InternalMarker("ibm", "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
                   "private"),
    InternalMarker("alibaba", "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
                   "intranet"),
)
# `spec.loadBalancerClass` values that select an internal load balancer (GKE 1.33+).
INTERNAL_CLASSES = {"networking.gke.io/l4-regional-internal": "gcp"}
CLOUDS = ("auto", "aws", "gcp", "azure", "oci", "openstack", "ibm", "alibaba")


@dataclass(frozen=True)
class Exposure:
    public: bool
    reason: str


def _managed_by_aws_lbc(service: Resource, notes: dict[str, str]) -> bool:
    """The AWS Load Balancer Controller handles the Service (its default scheme is internal)."""
    lb_type = notes.get(AWS_LB_TYPE, "").strip().lower()
    klass = get(service.body, ("spec", "loadBalancerClass"))
    return lb_type in ("external", "nlb-ip") or klass == AWS_LBC_CLASS


def _world_open(ranges: list[str]) -> bool:
    for cidr in ranges:
        try:
            if ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0:
                return True
        except ValueError:
            continue
    return False


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
    markers = [m for m in INTERNAL_MARKERS if cloud in ("auto", m.cloud)]
    for marker in markers:
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
    if ranges and not _world_open(ranges):
        return Exposure(False, f"restricted by loadBalancerSourceRanges {ranges}")
    return Exposure(True, "internet-facing")


def expected_annotations(cloud: str) -> str:
    markers = [m for m in INTERNAL_MARKERS if cloud in ("auto", m.cloud)]
    return ", ".join(f'{m.annotation}: "{m.expected}"' for m in markers)


def is_designated_entry_point(service: Resource, patterns: list[str]) -> bool:
    """`patterns` are `namespace/name` globs (a bare `name` glob matches any namespace)."""
    qualified = f"{namespace_of(service)}/{service.name}"
    for pattern in patterns:
        target = qualified if "/" in pattern else service.name
        if fnmatch.fnmatchcase(target, pattern):
            return True
    return False


# The cloud a cluster resource belongs to, for Services linked to it (`targets-cluster`).
CLUSTER_CLOUD = {
    "aws_eks_cluster": "aws",
    "google_container_cluster": "gcp",
    "azurerm_kubernetes_cluster": "azure",
}


def cluster_of(graph: ResourceGraph, service: Resource) -> Resource | None:
    targets = graph.targets(service, EdgeKind.TARGETS_CLUSTER)
    return targets[0] if targets else None


def cloud_for(graph: ResourceGraph, service: Resource, configured: str) -> str:
    """The cloud whose annotations decide: the configured one, else the cloud of the cluster
    the Service is deployed to (so a GKE annotation on an EKS Service counts for nothing),
    else `auto` (any cloud's marker)."""
    if configured != "auto":
        return configured
    cluster = cluster_of(graph, service)
    return CLUSTER_CLOUD.get(cluster.kind, "auto") if cluster is not None else "auto"


def is_public_load_balancer(graph: ResourceGraph, service: Resource, configured_cloud: str) -> bool:
    """A LoadBalancer Service that is internet-facing, judged for the cloud that decides."""
    return is_load_balancer(service) and exposure(service, cloud_for(graph, service,
                                                                      configured_cloud)).public
