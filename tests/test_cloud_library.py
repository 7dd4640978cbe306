"""The cloud library (`iacguard_builtin.cloud`) gives every policy one answer: the Terraform-side and the
Kubernetes-side policies agree on the same graph.

Each fixture under `cloud_fixtures/` is a Terraform root with a Kubernetes manifest beside it
(the Service targets the only cluster in the scan), scanned through the real plugin stack.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from iacguard_builtin.cloud.cidrs import is_world, reach, too_broad, world_entries
from iacguard_builtin.cloud.clusters import cloud_of, clusters_of_pool, pools_of
from iacguard_builtin.cloud.nodes import nodes_of
from iacguard_builtin.cloud.subnets import subnet_exposure
from tf_policies.builder import graph_of, ref, tf

from iacguard.graph import ResourceGraph
from iacguard.model import Resource, Severity
from iacguard.plugin import Plugins
from iacguard.values import Unknown

from helpers import marks, scan

FIXTURES = Path(__file__).resolve().parent / "cloud_fixtures"
NODE_RULES = ["PN001", "PN002", "LB002"]
SERVICE = "k8s/service.yaml"
SERVICE_TYPE = 7  # the `type: LoadBalancer` line of every fixture's Service


# -- nodes: PN001/PN002 and LB002 ---------------------------------------------------------------

@pytest.mark.parametrize(("fixture", "expected"), [
    # The default pool is removed and the only pool sets enable_private_nodes = true: the
    # cluster's missing private_cluster_config reaches no node (LB002 used to say public).
    ("gke-private-pool", set()),
    ("gke-public-pool", {("main.tf", 13, "PN002"), (SERVICE, SERVICE_TYPE, "LB002")}),
    ("eks-public-route", {("main.tf", 40, "PN001"), (SERVICE, SERVICE_TYPE, "LB002")}),
    ("eks-private", set()),
    # The extra pool's public IPs count for LB002 too (it used to see only the default pool).
    ("aks-public-pool", {("main.tf", 18, "PN002"), (SERVICE, SERVICE_TYPE, "LB002")}),
])
def test_private_nodes_and_lb002_agree(plugins: Plugins, fixture: str,
                                       expected: set[tuple[str, int, str]]) -> None:
    result, _ = scan(plugins, FIXTURES / fixture, select=NODE_RULES)
    assert marks(result) == expected
    node_rules = {rule for _, _, rule in marks(result)} - {"LB002"}
    assert bool(node_rules) == ("LB002" in {r for _, _, r in marks(result)})


def test_unknown_private_nodes_are_unresolved_on_both_sides(plugins: Plugins) -> None:
    result, _ = scan(plugins, FIXTURES / "gke-unknown-pool", select=NODE_RULES)
    assert marks(result) == {("main.tf", 17, "PN002"), (SERVICE, SERVICE_TYPE, "LB002")}
    # Unknown is neither public nor private: both say unresolved, at info.
    assert all("unresolved" in f.message and f.severity == Severity.INFO for f in result.findings)
    result, _ = scan(plugins, FIXTURES / "gke-unknown-pool", select=NODE_RULES, unknowns="ignore")
    assert result.findings == []


def _gke(pool_body: dict[str, object], cluster_body: dict[str, object] | None = None
         ) -> tuple[ResourceGraph, Resource]:
    cluster = tf("google_container_cluster", "c", {"remove_default_node_pool": True,
                                                   **(cluster_body or {})})
    pool = tf("google_container_node_pool", "p", {"cluster": Unknown("id"), **pool_body})
    return graph_of([cluster, pool], [ref(pool, "cluster", cluster)]), cluster


def test_nodes_verdict_is_tri_state() -> None:
    graph, cluster = _gke({"network_config": [{"enable_private_nodes": True}]})
    assert nodes_of(graph, cluster).public is False
    graph, cluster = _gke({"network_config": [{"enable_private_nodes": Unknown("var.x")}]})
    verdict = nodes_of(graph, cluster)
    assert verdict.public is None and "var.x" in verdict.reasons[0]
    # A pool without its own setting inherits the cluster's, unknown included.
    graph, cluster = _gke({}, {"private_cluster_config": [{"enable_private_nodes": Unknown("v")}]})
    assert nodes_of(graph, cluster).public is None
    graph, cluster = _gke({})
    verdict = nodes_of(graph, cluster)
    assert verdict.public is True
    assert [r.address for r in verdict.related] == ["google_container_node_pool.p",
                                                   "google_container_cluster.c"]


def test_cluster_kinds_and_pools() -> None:
    eks = tf("aws_eks_cluster", "e")
    group = tf("aws_eks_node_group", "g", {"cluster_name": Unknown("name")})
    graph = graph_of([eks, group], [ref(group, "cluster_name", eks)])
    assert [p.address for p in pools_of(graph, eks)] == ["aws_eks_node_group.g"]
    assert [c.address for c in clusters_of_pool(graph, group)] == ["aws_eks_cluster.e"]
    assert [cloud_of(r) for r in (eks, group, tf("google_compute_firewall", "f"),
                                  tf("azurerm_lb", "l"), tf("helm_release", "h"))] == \
        ["aws", "aws", "gcp", "azure", None]


def test_routes_that_together_cover_the_world_make_a_subnet_public() -> None:
    subnet = tf("aws_subnet", "s", {"vpc_id": Unknown("id")})
    igw = tf("aws_internet_gateway", "gw")
    table = tf("aws_route_table", "t", {"route": [
        {"cidr_block": "0.0.0.0/1", "gateway_id": Unknown("id")},
        {"cidr_block": "128.0.0.0/1", "gateway_id": Unknown("id")}]})
    assoc = tf("aws_route_table_association", "a", {})
    edges = [ref(assoc, "subnet_id", subnet), ref(assoc, "route_table_id", table),
             ref(table, "route/0/gateway_id", igw), ref(table, "route/1/gateway_id", igw)]
    exposure = subnet_exposure(graph_of([subnet, igw, table, assoc], edges), subnet)
    assert len(exposure.reasons) == 2 and "128.0.0.0/1 -> aws_internet_gateway.gw" in exposure.reasons[1]
    one_half = edges[:-1]  # only 0.0.0.0/1 goes to the internet gateway
    assert not subnet_exposure(graph_of([subnet, igw, table, assoc], one_half), subnet).public


# -- address ranges: LB001 and API001/API002 --------------------------------------------------

def test_world_reachable_ranges_are_judged_alike(plugins: Plugins) -> None:
    result, _ = scan(plugins, FIXTURES / "world-ranges", select=["LB001", "API001", "API002"])
    assert marks(result) == {
        # ["0.0.0.0/1", "128.0.0.0/1"]: world-reachable for both; each half is also overly
        # broad for API002, the policy that judges entries one by one.
        ("k8s/services.yaml", 6, "LB001"), ("main.tf", 7, "API001"), ("main.tf", 7, "API002"),
        # ["0.0.0.0/1"] alone: overly broad, not world-reachable; LB001 judges both questions.
        ("k8s/services.yaml", 16, "LB001"), ("main.tf", 16, "API002"),
        # An office /24 and a private /8 restrict on both sides.
    }


def test_world_entries_and_breadth() -> None:
    assert world_entries(["10.0.0.0/8", "0.0.0.0/1", "128.0.0.0/1"]) == [1, 2]
    assert world_entries(["::/1", "8000::/1", "0.0.0.0/1"]) == [0, 1]
    assert world_entries(["203.0.113.0/24", "::/0", "*"]) == [1, 2]
    assert world_entries(["0.0.0.0/1", "128.0.0.0/2"]) == []  # 192.0.0.0/2 is left out
    assert world_entries(["0.0.0.0/1", "not-a-cidr", "128.0.0.0/1"]) == [0, 2]
    assert not is_world("0.0.0.0/1") and is_world(" Internet ")
    assert too_broad("0.0.0.0/1") is not None and too_broad("10.0.0.0/8") is None
    assert too_broad("2a00:1450::/32") is not None and too_broad("2a00:1450:4001::/48") is None
    assert reach(["203.0.113.0/24", "10.0.0.0/8"]).restricts
    half = reach(["0.0.0.0/1", "203.0.113.0/24"])
    assert half.world == () and [i for i, _ in half.broad] == [0]
    split = reach(["0.0.0.0/1", "128.0.0.0/1"])
    assert split.world == (0, 1) and split.broad == ()
    assert split.describe(["0.0.0.0/1", "128.0.0.0/1"]) == \
        "0.0.0.0/1, 128.0.0.0/1 together cover the whole internet"
