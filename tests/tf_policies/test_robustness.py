"""Checks must not crash on odd but possible shapes: nulls, unknowns, scalars where blocks go."""

from __future__ import annotations

from typing import Any

import pytest
from iacguard_builtin.tf_policies import plugin

from iacguard.checks import CheckRegistry
from iacguard.values import Unknown
from tf_policies.builder import ref, run, tf

KINDS = [
    "aws_eks_cluster", "aws_eks_node_group", "aws_subnet", "aws_route_table", "aws_route",
    "aws_route_table_association", "aws_security_group", "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule", "aws_instance", "aws_launch_template",
    "aws_launch_configuration", "aws_autoscaling_group", "aws_lb", "aws_elb",
    "google_container_cluster", "google_container_node_pool", "google_compute_firewall",
    "google_compute_forwarding_rule", "google_compute_instance", "google_compute_subnetwork",
    "azurerm_kubernetes_cluster",
    "azurerm_kubernetes_cluster_node_pool", "azurerm_network_security_group",
    "azurerm_network_security_rule", "azurerm_lb", "azurerm_monitor_diagnostic_setting",
]
ODD: list[Any] = [None, Unknown("x"), "text", 7, True, [], {}, [None], [Unknown("y")], [{}],
                  ["a", 1], {"k": None}]
ATTRS = [
    "vpc_config", "subnet_ids", "remote_access", "launch_template", "map_public_ip_on_launch",
    "route", "ingress", "cidr_blocks", "from_port", "to_port", "protocol", "type",
    "metadata_options", "network_interfaces", "tags", "user_data", "internal",
    "private_cluster_config", "master_authorized_networks_config", "node_config", "node_pool",
    "network_config", "allow", "source_ranges", "target_tags", "direction",
    "load_balancing_scheme", "api_server_access_profile", "default_node_pool",
    "security_rule", "frontend_ip_configuration", "enabled_cluster_log_types",
    "encryption_config", "database_encryption", "addon_profile", "network_profile",
    "master_auth", "logging_config", "enabled_log", "password", "network_interface",
    "service_account", "source_tags", "source_service_accounts", "ip_cidr_range",
]


# Attributes inside blocks, for the nested variant.
INNER = [
    "endpoint_public_access", "public_access_cidrs", "ec2_ssh_key", "source_security_group_ids",
    "cidr_block", "gateway_id", "from_port", "to_port", "protocol", "cidr_blocks",
    "ipv6_cidr_blocks", "security_groups", "self", "http_tokens", "http_put_response_hop_limit",
    "http_endpoint", "associate_public_ip_address", "enable_private_nodes",
    "enable_private_endpoint", "cidr_blocks", "workload_metadata_config", "metadata", "ports",
    "authorized_ip_ranges", "node_public_ip_enabled", "enable_node_public_ip", "direction",
    "access", "destination_port_range", "destination_port_ranges", "source_address_prefix",
    "source_address_prefixes", "name", "public_ip_address_id", "resources", "state",
    "kube_dashboard", "enabled", "network_policy", "username", "client_certificate_config",
    "enable_components", "category", "network_config", "mode",
]


def _checks() -> list[tuple[str, Any, Any]]:
    registry = CheckRegistry()
    plugin.iacguard_register_checks(registry)
    found = []
    for name in registry.names():
        check = registry.get(name)
        assert check is not None
        found.append((name, check.func, check.params()))
    return found


@pytest.mark.parametrize("odd", ODD, ids=[repr(o) for o in ODD])
def test_no_check_crashes_on_odd_values(odd: Any) -> None:
    flat = [tf(kind, f"r{i}", dict.fromkeys(ATTRS, odd), mapped=False) for i, kind in enumerate(KINDS)]
    inner = dict.fromkeys(INNER, odd)
    deeper = {k: [inner] for k in ("node_config", "workload_metadata_config", "network_config",
                                   "client_certificate_config", "kube_dashboard")}
    body = {a: [inner] for a in ATTRS}
    body.update({a: [{**inner, **deeper}] for a in ("node_pool", "node_config", "master_auth",
                                                     "addon_profile", "default_node_pool")})
    nested = [tf(kind, f"n{i}", body, mapped=False) for i, kind in enumerate(KINDS)]
    resources = flat + nested
    # every resource references every other through a few attributes
    edges = [ref(a, path, b) for a in resources[::6] for b in resources[::3]
             for path in ("subnet_ids/0", "security_group_id", "vpc_config/0/security_group_ids/0")
             if a.id != b.id]
    for name, func, params in _checks():
        for unknowns in ("report", "fail"):
            try:
                run(func, resources, edges, params=params, unknowns=unknowns)
            except Exception as exc:  # pragma: no cover - the assertion message is the point
                pytest.fail(f"{name} crashed on {odd!r}: {type(exc).__name__}: {exc}")
