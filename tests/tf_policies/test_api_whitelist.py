"""api-whitelist: provider defaults, allow-list semantics and unknowns."""

from __future__ import annotations

from iacguard_builtin.tf_policies.api_whitelist import (
    cluster_api_cidr_not_approved,
    cluster_api_open_to_world,
)
from iacguard_builtin.tf_policies.common import CidrPolicy

from iacguard.model import Resource, Severity
from iacguard.values import Unknown
from tf_policies.builder import paths, run, tf


def test_eks_without_any_endpoint_settings_is_open_by_default() -> None:
    cluster = tf("aws_eks_cluster", "c", {"name": "c", "vpc_config": [{"subnet_ids": ["a"]}]})
    found = run(cluster_api_open_to_world, [cluster])
    # reported on the vpc_config block, the nearest written parent of the defaults
    assert paths(found) == [("aws_eks_cluster.c", ("vpc_config", 0))]
    assert "endpoint_public_access = true (provider default)" in found[0].message
    assert 'public_access_cidrs = ["0.0.0.0/0"] (provider default)' in found[0].message


def test_eks_private_endpoint_passes_and_open_cidr_fails_with_its_origin() -> None:
    private = tf("aws_eks_cluster", "p", {"vpc_config": [{"endpoint_public_access": False}]})
    open_ = tf("aws_eks_cluster", "o", {"vpc_config": [{"public_access_cidrs": ["0.0.0.0/0"]}]},
               provenance={"vpc_config/0/public_access_cidrs": "default of var.cidrs in variables.tf:3"})
    found = run(cluster_api_open_to_world, [private, open_])
    assert paths(found) == [("aws_eks_cluster.o", ("vpc_config", 0, "public_access_cidrs", 0))]
    assert "(default of var.cidrs in variables.tf:3)" in found[0].message


def test_eks_empty_cidr_list_means_world() -> None:
    cluster = tf("aws_eks_cluster", "c", {"vpc_config": [{"public_access_cidrs": []}]})
    assert paths(run(cluster_api_open_to_world, [cluster])) == [
        ("aws_eks_cluster.c", ("vpc_config", 0, "public_access_cidrs"))]


def test_unknown_public_access_is_unresolved_not_guessed() -> None:
    cluster = tf("aws_eks_cluster", "c", {"vpc_config": [{"endpoint_public_access": Unknown("var.x")}]})
    found = run(cluster_api_open_to_world, [cluster])
    assert len(found) == 1 and "unresolved" in found[0].message
    assert found[0].severity == Severity.INFO
    assert run(cluster_api_open_to_world, [cluster], unknowns="ignore") == []
    cidrs = tf("aws_eks_cluster", "d", {"vpc_config": [{"public_access_cidrs": Unknown("var.c")}]})
    assert "unresolved" in run(cluster_api_open_to_world, [cidrs])[0].message


def test_any_slash_zero_fails_even_ipv6() -> None:
    cluster = tf("azurerm_kubernetes_cluster", "a",
                 {"api_server_access_profile": [{"authorized_ip_ranges": ["198.51.7.0/24", "::/0"]}]})
    found = run(cluster_api_open_to_world, [cluster])
    assert paths(found) == [("azurerm_kubernetes_cluster.a",
                             ("api_server_access_profile", 0, "authorized_ip_ranges", 1))]


def test_gke_needs_private_endpoint_or_authorized_networks() -> None:
    bare = tf("google_container_cluster", "bare", {"name": "bare"})
    block_only = tf("google_container_cluster", "half", {"private_cluster_config": [{}]})
    restricted = tf("google_container_cluster", "ok", {"master_authorized_networks_config": [
        {"cidr_blocks": [{"cidr_block": "84.17.33.0/24", "display_name": "office"}]}]})
    private = tf("google_container_cluster", "priv",
                 {"private_cluster_config": [{"enable_private_endpoint": True}]})
    empty_man = tf("google_container_cluster", "none", {"master_authorized_networks_config": [{}]})
    found = run(cluster_api_open_to_world, [bare, block_only, restricted, private, empty_man])
    assert paths(found) == [("google_container_cluster.bare", ()),
                            ("google_container_cluster.half", ())]


def test_aks_private_or_authorized_ranges() -> None:
    open_ = tf("azurerm_kubernetes_cluster", "open", {"name": "x"})
    old = tf("azurerm_kubernetes_cluster", "old", {"api_server_authorized_ip_ranges": ["84.17.33.4/32"]})
    private = tf("azurerm_kubernetes_cluster", "priv", {"private_cluster_enabled": True})
    found = run(cluster_api_open_to_world, [open_, old, private])
    assert paths(found) == [("azurerm_kubernetes_cluster.open", ())]
    assert "private_cluster_enabled = false (provider default)" in found[0].message
    assert "authorized_ip_ranges = [] (provider default)" in found[0].message


def _eks(*cidrs: str) -> Resource:
    return tf("aws_eks_cluster", "c", {"vpc_config": [{"public_access_cidrs": list(cidrs)}]})


def test_allow_list_entries_default_policy() -> None:
    cluster = _eks("84.17.33.4/32", "52.0.0.0/8", "10.0.0.0/8", "0.0.0.0/1", "0.0.0.0/0")
    found = run(cluster_api_cidr_not_approved, [cluster], params=CidrPolicy())
    # a public /32 and a private /8 pass; a public /8 and half the internet do not;
    # /0 is the other policy's
    assert [v.path[-1] for v in found] == [1, 3]


def test_allow_list_entries_with_approved_cidrs() -> None:
    cluster = _eks("84.17.33.4/32", "84.17.0.0/16", "91.0.0.0/24")
    params = CidrPolicy(approved_cidrs=["84.17.32.0/20"])
    found = run(cluster_api_cidr_not_approved, [cluster], params=params)
    assert [v.path[-1] for v in found] == [1, 2]
    assert "not inside an approved CIDR" in found[0].message


def test_unknown_allow_list_entry_names_what_is_unknown() -> None:
    # Seen in the wild: `public_access_cidrs = [var.home_cidr]` with home_cidr never declared.
    cluster = tf("aws_eks_cluster", "c", {"vpc_config": [
        {"public_access_cidrs": [Unknown("var.home_cidr (not declared)"), "203.0.113.0/24"]}]})
    found = run(cluster_api_open_to_world, [cluster])
    assert paths(found) == [("aws_eks_cluster.c", ("vpc_config", 0, "public_access_cidrs", 0))]
    assert "var.home_cidr (not declared)" in found[0].message and "unresolved" in found[0].message
