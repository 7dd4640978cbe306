"""Third-party plans (`../shared/corpus/plans`, see SOURCES.md there): every one is read, the
state-shaped one fails loudly, and the cluster, security-group and load-balancer plans give
these findings (checked by hand against the plan values)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.model import EdgeKind
from iacguard.plugin import Plugins

from helpers import scan

EXPECTED: dict[str, set[tuple[str, str]]] = {
    # EKS with an ELB, instances and security groups (TF 0.12, format 0.1)
    "checkov-runner-plan-eks-elb-sg.json": {
        ("SEC101", "aws_db_instance.default"), ("SEC101", "aws_lambda_function.analysis_lambda"),
        ("API001", "aws_eks_cluster.eks_cluster"),  # public_access_cidrs unknown: info
        ("AUD001", "aws_eks_cluster.eks_cluster"), ("ENC001", "aws_eks_cluster.eks_cluster"),
        ("TLB001", "aws_elb.weblb"),  # `internal` is computed: unknown before apply
        ("META001", "aws_instance.db_app"), ("META001", "aws_instance.web_host"),
        ("BAS001", "aws_security_group.web-node"),
    },
    "checkov-plan-nested-child-modules-eks.json": {
        (rule, f"module.child_0.module.child_1_{m}.aws_eks_cluster.cluster")
        for rule in ("API001", "ENC001") for m in "abc"},
    "terraform-validator-example-container-cluster.json": {
        ("API001", "google_container_cluster.primary"), ("AUD001", "google_container_cluster.primary"),
        ("ENC001", "google_container_cluster.primary"), ("NETP101", "google_container_cluster.primary"),
        ("META003", "google_container_node_pool.primary_preemptible_nodes"),
        ("PN002", "google_container_node_pool.primary_preemptible_nodes"),
    },
    "terraform-validator-full-container-cluster.json": {
        (rule, "google_container_cluster.full_list_default_1")
        for rule in ("CLH101", "CLH102", "ENC001", "META003")},
    "checkov-plan-for-each-sg.json": {
        ("BAS001", f'module.sg["{k}"].aws_security_group.bad')
        for k in ("awful_example", "bad_example", "terrible_example")},
    # the only NSG rule denies: nothing to report, but the rule references its group
    "checkov-plan-resource-reference-azure-nsg.json": set(),
    "checkov-plan-change-keys-sg-rule.json": set(),  # rules from other groups, no CIDR
    "checkov-eks-node-group-remote-access.json": set(),  # remote_access = []: no SSH
}


def _plans(corpus: Path) -> list[Path]:
    return sorted((corpus / "plans").glob("*.json"))


def test_every_plan_is_read(plugins: Plugins, corpus: Path) -> None:
    problems = {}
    for file in _plans(corpus):
        result, graph = scan(plugins, file)
        assert not result.errors, (file.name, result.errors)
        problems[file.name] = [f.message for f in result.findings if f.category == "parse-error"]
        if not problems[file.name]:
            assert len(graph) > 0, file.name
            assert all(f.context["mapping"] == "unmapped" for f in result.findings)
    assert {name for name, found in problems.items() if found} == {"checkov-corrupted-tfplan.json"}
    assert "Terraform state" in problems["checkov-corrupted-tfplan.json"][0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings(plugins: Plugins, corpus: Path, name: str) -> None:
    result, _ = scan(plugins, corpus / "plans" / name)
    assert {(f.rule_id, f.resource.address) for f in result.findings} == EXPECTED[name]
    text = (corpus / "plans" / name).read_text(encoding="utf-8").splitlines()
    for finding in result.findings:  # each points at its resource in the plan
        assert f'"{finding.resource.address}"'.replace('"', "") in \
            text[finding.location.start_line - 1].replace('\\"', '"').replace('"', "")


def test_references_become_edges(plugins: Plugins, corpus: Path) -> None:
    _, graph = scan(plugins, corpus / "plans" / "checkov-plan-resource-reference-azure-nsg.json")
    edges = {(graph.get(e.source).address, graph.get(e.target).address)
             for e in graph.edges(kind=EdgeKind.REFERENCES)}
    assert ("azurerm_network_security_rule.pass", "azurerm_network_security_group.pass") in edges


def test_utf16_plans_read_like_utf8(plugins: Plugins, corpus: Path) -> None:
    plans = corpus / "plans"
    sizes = {name: len(scan(plugins, plans / f"checkov-plan-encoding-{name}.json")[1])
             for name in ("win-utf16", "win-utf8", "mac-utf8")}
    assert sizes == {"win-utf16": 1, "win-utf8": 1, "mac-utf8": 1}
