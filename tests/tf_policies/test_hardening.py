"""Hardening checks: defaults are judged, explicit values win, unknowns are unresolved."""

from __future__ import annotations

from iacguard_builtin.tf_policies.cluster import (
    cluster_audit_logging_disabled,
    cluster_dashboard_enabled,
    cluster_legacy_authorization,
    cluster_network_policy_disabled,
    cluster_secrets_not_encrypted,
    cluster_static_credentials,
)
from iacguard_builtin.tf_policies.credentials import HardCodedCredentialParams, hard_coded_credentials
from iacguard_builtin.tf_policies.internal_lb import PublicCloudLbParams, public_cloud_load_balancer
from iacguard_builtin.tf_policies.metadata import (
    HopLimitParams,
    gke_node_metadata_exposed,
    imds_hop_limit_reaches_pods,
    imds_v1_allowed,
)

from iacguard.values import Unknown
from tf_policies.builder import paths, ref, run, tf


def test_eks_audit_log_absent_means_none() -> None:
    bare = tf("aws_eks_cluster", "bare", {"name": "x"})
    api_only = tf("aws_eks_cluster", "api", {"enabled_cluster_log_types": ["api"]})
    audit = tf("aws_eks_cluster", "ok", {"enabled_cluster_log_types": ["api", "audit"]})
    unknown = tf("aws_eks_cluster", "unk", {"enabled_cluster_log_types": Unknown("var.logs")})
    found = run(cluster_audit_logging_disabled, [bare, api_only, audit, unknown])
    assert paths(found) == [("aws_eks_cluster.bare", ()),
                            ("aws_eks_cluster.api", ("enabled_cluster_log_types",)),
                            ("aws_eks_cluster.unk", ("enabled_cluster_log_types",))]
    assert "enabled_cluster_log_types = [] (provider default)" in found[0].message
    assert "unresolved" in found[2].message


def test_gke_logging_and_aks_diagnostic_settings() -> None:
    none = tf("google_container_cluster", "g", {"logging_service": "none"})
    workloads = tf("google_container_cluster", "w",
                   {"logging_config": [{"enable_components": ["WORKLOADS"]}]})
    fine = tf("google_container_cluster", "f", {})
    aks = tf("azurerm_kubernetes_cluster", "a", {})
    aks_ok = tf("azurerm_kubernetes_cluster", "b", {})
    diag = tf("azurerm_monitor_diagnostic_setting", "d", {
        "target_resource_id": Unknown("id"), "enabled_log": [{"category": "kube-audit-admin"}]})
    found = run(cluster_audit_logging_disabled, [none, workloads, fine, aks, aks_ok, diag],
                [ref(diag, "target_resource_id", aks_ok)])
    assert paths(found) == [("google_container_cluster.g", ("logging_service",)),
                            ("google_container_cluster.w", ("logging_config", 0, "enable_components")),
                            ("azurerm_kubernetes_cluster.a", ())]


def test_secrets_encryption_per_cloud() -> None:
    eks = tf("aws_eks_cluster", "e", {"encryption_config": [{"resources": ["configmaps"]}]})
    eks_ok = tf("aws_eks_cluster", "ok", {"encryption_config": [{"resources": ["secrets"]}]})
    gke = tf("google_container_cluster", "g", {"database_encryption": [{"state": "DECRYPTED"}]})
    gke_ok = tf("google_container_cluster", "gk", {"database_encryption": [
        {"state": "ENCRYPTED", "key_name": "k"}]})
    aks = tf("azurerm_kubernetes_cluster", "a", {"disk_encryption_set_id": "des"})
    found = run(cluster_secrets_not_encrypted, [eks, eks_ok, gke, gke_ok, aks])
    assert paths(found) == [("aws_eks_cluster.e", ("encryption_config",)),
                            ("google_container_cluster.g", ("database_encryption", 0, "state")),
                            ("azurerm_kubernetes_cluster.a", ())]


def test_dashboard_legacy_auth_and_static_credentials() -> None:
    aks = tf("azurerm_kubernetes_cluster", "a", {
        "addon_profile": [{"kube_dashboard": [{"enabled": True}]}],
        "role_based_access_control": [{"enabled": False}], "local_account_disabled": True})
    aks_new = tf("azurerm_kubernetes_cluster", "n", {"role_based_access_control_enabled": True})
    gke = tf("google_container_cluster", "g", {"enable_legacy_abac": True, "master_auth": [
        {"username": "admin", "client_certificate_config": [{"issue_client_certificate": True}]}]})
    assert paths(run(cluster_dashboard_enabled, [aks, aks_new, gke])) == [
        ("azurerm_kubernetes_cluster.a", ("addon_profile", 0, "kube_dashboard", 0, "enabled"))]
    assert paths(run(cluster_legacy_authorization, [aks, aks_new, gke])) == [
        ("google_container_cluster.g", ("enable_legacy_abac",)),
        ("azurerm_kubernetes_cluster.a", ("role_based_access_control", 0, "enabled"))]
    assert paths(run(cluster_static_credentials, [aks, aks_new, gke])) == [
        ("google_container_cluster.g", ("master_auth", 0, "username")),
        ("google_container_cluster.g",
         ("master_auth", 0, "client_certificate_config", 0, "issue_client_certificate")),
        ("azurerm_kubernetes_cluster.n", ()),
    ]


def test_network_policy() -> None:
    gke = tf("google_container_cluster", "g", {})
    dpv2 = tf("google_container_cluster", "d", {"datapath_provider": "ADVANCED_DATAPATH"})
    calico = tf("google_container_cluster", "c", {"network_policy": [{"enabled": True}]})
    aks = tf("azurerm_kubernetes_cluster", "a", {"network_profile": [{"network_plugin": "azure"}]})
    aks_ok = tf("azurerm_kubernetes_cluster", "b", {"network_profile": [{"network_policy": "calico"}]})
    assert paths(run(cluster_network_policy_disabled, [gke, dpv2, calico, aks, aks_ok])) == [
        ("google_container_cluster.g", ()), ("azurerm_kubernetes_cluster.a", ("network_profile", 0))]


def test_imds_defaults_and_region_default() -> None:
    lt = tf("aws_launch_template", "lt", {"name": "x"})
    ok = tf("aws_launch_template", "ok", {"metadata_options": [{"http_tokens": "required"}]})
    off = tf("aws_instance", "off", {"metadata_options": [{"http_endpoint": "disabled"}]})
    found = run(imds_v1_allowed, [lt, ok, off])
    assert paths(found) == [("aws_launch_template.lt", ())]
    assert 'http_tokens = "optional" (provider default)' in found[0].message
    region = tf("aws_ec2_instance_metadata_defaults", "d", {"http_tokens": "required"})
    assert run(imds_v1_allowed, [lt, region]) == []


def test_hop_limit_only_on_nodes_and_configurable() -> None:
    node = tf("aws_launch_template", "nodes", {"metadata_options": [
        {"http_tokens": "required", "http_put_response_hop_limit": 2}]})
    web = tf("aws_launch_template", "web", {"metadata_options": [{"http_put_response_hop_limit": 3}]})
    group = tf("aws_eks_node_group", "ng", {"launch_template": [{"id": Unknown("id")}]})
    edges = [ref(group, "launch_template/0/id", node)]
    assert len(run(imds_hop_limit_reaches_pods, [node, web, group], edges, params=HopLimitParams())) == 1
    assert run(imds_hop_limit_reaches_pods, [node, web, group], edges,
               params=HopLimitParams(max_hop_limit=2)) == []


def test_gke_metadata_default_depends_on_workload_identity() -> None:
    plain = tf("google_container_cluster", "plain", {"remove_default_node_pool": True})
    wi = tf("google_container_cluster", "wi",
            {"workload_identity_config": [{"workload_pool": "p.svc.id.goog"}]})
    pool = tf("google_container_node_pool", "a", {"cluster": Unknown("id")})
    pool_wi = tf("google_container_node_pool", "b", {"cluster": Unknown("id")})
    pool_bad = tf("google_container_node_pool", "c", {"cluster": Unknown("id"), "node_config": [
        {"workload_metadata_config": [{"mode": "GCE_METADATA"}]}]})
    found = run(gke_node_metadata_exposed, [plain, wi, pool, pool_wi, pool_bad],
                [ref(pool, "cluster", plain), ref(pool_wi, "cluster", wi), ref(pool_bad, "cluster", wi)])
    assert paths(found) == [
        ("google_container_node_pool.a", ()),
        ("google_container_node_pool.c", ("node_config", 0, "workload_metadata_config", 0, "mode")),
    ]


def test_load_balancers_default_to_internet_facing() -> None:
    alb = tf("aws_lb", "app", {"name": "app"})
    internal = tf("aws_lb", "int", {"internal": True})
    entry = tf("aws_lb", "ingress", {"name": "public-ingress"})
    fr = tf("google_compute_forwarding_rule", "fr", {"name": "fr"})
    ilb = tf("google_compute_forwarding_rule", "ilb", {"load_balancing_scheme": "INTERNAL"})
    azlb = tf("azurerm_lb", "az", {"frontend_ip_configuration": [
        {"name": "pub", "public_ip_address_id": Unknown("id")}]})
    pip = tf("azurerm_public_ip", "pip", {})
    found = run(public_cloud_load_balancer, [alb, internal, entry, fr, ilb, azlb, pip],
                [ref(azlb, "frontend_ip_configuration/0/public_ip_address_id", pip)],
                params=PublicCloudLbParams(public_entry_points=["public-ingress"]))
    assert paths(found) == [("aws_lb.app", ()), ("google_compute_forwarding_rule.fr", ()),
                            ("azurerm_lb.az", ("frontend_ip_configuration", 0, "public_ip_address_id"))]
    assert "internal = false (provider default)" in found[0].message


def test_hard_coded_credentials_are_literal_only() -> None:
    fn = tf("aws_lambda_function", "f", {"environment": [{"variables": {
        "access_key": "AKIAIOSFODNN7EXAMPLE", "region": "us-west-2"}}]})
    db = tf("aws_db_instance", "db", {"password": "hunter22", "username": "admin"})
    computed = tf("azurerm_sql_server", "s", {"administrator_login_password": Unknown("random")})
    from_var = tf("aws_db_instance", "v", {"master_password": "changeme"},
                  provenance={"master_password": "default of var.pw in variables.tf:4"})
    found = run(hard_coded_credentials, [fn, db, computed, from_var],
                params=HardCodedCredentialParams())
    assert paths(found) == [("aws_lambda_function.f", ("environment", 0, "variables", "access_key")),
                            ("aws_db_instance.db", ("password",)),
                            ("aws_db_instance.v", ("master_password",))]
    assert "AKIAIOSF…" in found[0].message and "EXAMPLE" not in found[0].message
    assert "(default of var.pw in variables.tf:4)" in found[2].message
