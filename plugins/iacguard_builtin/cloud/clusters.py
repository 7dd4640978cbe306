"""Managed Kubernetes clusters per cloud, their node pools, and which cluster things belong to."""

from __future__ import annotations

from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource
from iacguard_builtin.cloud.references import referenced, referrers

EKS = "aws_eks_cluster"
GKE = "google_container_cluster"
AKS = "azurerm_kubernetes_cluster"
CLUSTER_CLOUDS = {EKS: "aws", GKE: "gcp", AKS: "azure"}
CLUSTER_KINDS = tuple(CLUSTER_CLOUDS)

EKS_NODE_GROUP = "aws_eks_node_group"
GKE_NODE_POOL = "google_container_node_pool"
AKS_NODE_POOL = "azurerm_kubernetes_cluster_node_pool"
# node-pool kind -> (the cluster kind it belongs to, the attribute naming that cluster)
NODE_POOLS = {
    EKS_NODE_GROUP: (EKS, "cluster_name"),
    GKE_NODE_POOL: (GKE, "cluster"),
    AKS_NODE_POOL: (AKS, "kubernetes_cluster_id"),
}
NODE_POOL_KINDS = tuple(NODE_POOLS)

# Terraform provider prefixes, for resources that are neither clusters nor node pools.
PROVIDER_CLOUDS = {"aws_": "aws", "google_": "gcp", "azurerm_": "azure", "azapi_": "azure"}


def cloud_of(resource: Resource) -> str | None:
    """`aws`, `gcp` or `azure` for a cloud resource; `None` for anything else."""
    if resource.kind in CLUSTER_CLOUDS:
        return CLUSTER_CLOUDS[resource.kind]
    if resource.kind in NODE_POOLS:
        return CLUSTER_CLOUDS[NODE_POOLS[resource.kind][0]]
    if resource.format != "terraform":
        return None
    return next((c for p, c in PROVIDER_CLOUDS.items() if resource.kind.startswith(p)), None)


def clusters_of_pool(graph: ResourceGraph, pool: Resource) -> list[Resource]:
    """The cluster(s) a node pool references through its cluster attribute."""
    cluster_kind, attribute = NODE_POOLS[pool.kind]
    return referenced(graph, pool, (attribute,), {cluster_kind})


def pools_of(graph: ResourceGraph, cluster: Resource) -> list[Resource]:
    """The separate node-pool resources of `cluster` (not its inline or default pools)."""
    return [pool for kind, (cluster_kind, attribute) in NODE_POOLS.items() if cluster_kind == cluster.kind
            for pool in referrers(graph, cluster, {kind}, (attribute,))]


def deployed_to(graph: ResourceGraph, obj: Resource) -> Resource | None:
    """The cluster a Kubernetes object is deployed to (the `targets-cluster` edge)."""
    targets = graph.targets(obj, EdgeKind.TARGETS_CLUSTER)
    return targets[0] if targets else None
