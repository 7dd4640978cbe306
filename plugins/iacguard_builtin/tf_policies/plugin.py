"""Registers the cloud-infrastructure checks (their policies live in the catalogue, `policies/`)."""

from __future__ import annotations

from iacguard.checks import CheckRegistry
from iacguard.plugin import hookimpl
from iacguard_builtin.tf_policies import (
    api_whitelist,
    bastion,
    cluster,
    common,
    credentials,
    internal_lb,
    metadata,
    private_nodes,
)


@hookimpl
def iacguard_register_checks(registry: CheckRegistry) -> None:
    registry.add("tf-node-group-in-public-subnet", private_nodes.node_group_in_public_subnet)
    registry.add("tf-node-public-ip", private_nodes.node_public_ip)
    registry.add("tf-admin-port-open-to-world", bastion.admin_port_open_to_world,
                 bastion.BastionParams)
    registry.add("tf-bastion-open-to-world", bastion.bastion_open_to_world, bastion.BastionParams)
    registry.add("tf-admin-port-not-from-bastion", bastion.admin_port_not_from_bastion,
                 bastion.NodeBastionParams)
    registry.add("tf-cluster-api-open-to-world", api_whitelist.cluster_api_open_to_world)
    registry.add("tf-cluster-api-cidr-not-approved", api_whitelist.cluster_api_cidr_not_approved,
                 common.CidrPolicy)
    registry.add("tf-public-cloud-load-balancer", internal_lb.public_cloud_load_balancer,
                 internal_lb.PublicCloudLbParams)
    registry.add("tf-imds-v1-allowed", metadata.imds_v1_allowed)
    registry.add("tf-imds-hop-limit-reaches-pods", metadata.imds_hop_limit_reaches_pods,
                 metadata.HopLimitParams)
    registry.add("tf-gke-node-metadata-exposed", metadata.gke_node_metadata_exposed)
    registry.add("tf-gke-legacy-metadata-endpoints", metadata.gke_legacy_metadata_endpoints)
    registry.add("tf-cluster-audit-logging-disabled", cluster.cluster_audit_logging_disabled)
    registry.add("tf-hard-coded-credentials", credentials.hard_coded_credentials,
                 credentials.HardCodedCredentialParams)
