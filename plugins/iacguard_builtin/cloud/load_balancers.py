"""What makes a load balancer internal, per cloud: Service annotations and Terraform flags."""

from __future__ import annotations

from dataclasses import dataclass

# -- Kubernetes Services ----------------------------------------------------------------------

AWS_IN_TREE_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal"
AWS_LBC_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
AWS_LB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type"
AWS_LBC_CLASS = "service.k8s.aws/nlb"
# The AWS Load Balancer Controller handles Services of these types (its default is internal).
AWS_LBC_TYPES = ("external", "nlb-ip")
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


def markers_for(cloud: str) -> list[InternalMarker]:
    """The markers that count on `cloud` (`auto`: every cloud's)."""
    return [m for m in INTERNAL_MARKERS if cloud in ("auto", m.cloud)]


def expected_annotations(cloud: str) -> str:
    return ", ".join(f'{m.annotation}: "{m.expected}"' for m in markers_for(cloud))


# -- Terraform ----------------------------------------------------------------------------------

# `internal` defaults to false: an aws_lb/aws_elb is internet-facing unless it says otherwise.
AWS_LB_KINDS = ("aws_lb", "aws_alb", "aws_elb")
AWS_INTERNAL_DEFAULT = False
AWS_SCHEMELESS_TYPES = ("gateway",)  # a Gateway Load Balancer has no internet-facing scheme
# A forwarding rule without `load_balancing_scheme` is EXTERNAL.
GCP_FORWARDING_RULE_KINDS = ("google_compute_forwarding_rule", "google_compute_global_forwarding_rule")
GCP_DEFAULT_SCHEME = "EXTERNAL"
GCP_EXTERNAL_SCHEMES = frozenset({"EXTERNAL", "EXTERNAL_MANAGED"})
# An Azure load balancer frontend with a public IP (or prefix) is public.
AZURE_LB_KINDS = ("azurerm_lb",)
AZURE_PUBLIC_FRONTEND_KEYS = ("public_ip_address_id", "public_ip_prefix_id")
