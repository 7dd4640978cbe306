"""Integration over ../shared/corpus/k8s: hand-verified findings (each checked in the file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.model import ScanResult
from iacguard.plugin import Plugins

from helpers import marks, scan


@pytest.fixture(scope="module")
def k8s(plugins: Plugins, corpus: Path) -> ScanResult:
    result, _ = scan(plugins, corpus / "k8s")
    return result


# (file, line, rule): verified by reading the file at that line.
EXPECTED = [
    # Online Boutique's external frontend: `type: LoadBalancer`, no annotation.
    ("microservices-demo/kubernetes-manifests/frontend.yaml", 130, "LB001"),
    ("microservices-demo/release/kubernetes-manifests.yaml", 136, "LB001"),
    # ingress-nginx for AWS uses the in-tree NLB (`aws-load-balancer-type: nlb`): public.
    ("ingress-nginx/deploy/static/provider/aws/deploy.yaml", 370, "LB001"),
    # ClusterRoleBinding destroy-k8s: cluster-admin to the default SA of namespace whoa.
    ("checkov-k8s-checks/example_DefaultServiceAccountBinding/DefaultServiceAccountBinding-FAILED.yaml",
     42, "RBAC004"),
    ("checkov-k8s-checks/example_DefaultServiceAccountBinding/DefaultServiceAccountBinding-FAILED.yaml",
     37, "RBAC005"),
    # A wildcard in the *second* rule (apiGroups: ["*"] at line 11): Checkov names this file
    # "passed" because its check looks at the first rule only.
    ("checkov-k8s-checks/example_RbacApproveCertificateSigningRequests/clusterrole-passed-1.yaml",
     11, "RBAC002"),
    ("checkov-k8s-checks/example_WildcardRoles/role-failed-2.yaml", 10, "RBAC002"),
    # Unparseable: a Helm template outside a chart, a Jekyll page, a duplicate key.
    ("checkov-k8s-checks/parser-examples/yaml/helm.yaml", 1, "PARSE001"),
    ("checkov-k8s-checks/parser-examples/yaml/helm2.yaml", 4, "PARSE001"),
    ("kube-linter-checks/cel.yml", 36, "PARSE001"),
]


@pytest.mark.parametrize("file,line,rule", EXPECTED, ids=[f"{r}-{Path(f).name}" for f, _, r in EXPECTED])
def test_hand_verified_findings(k8s: ScanResult, file: str, line: int, rule: str) -> None:
    assert (file, line, rule) in marks(k8s)


def test_scan_is_complete_and_clean(k8s: ScanResult) -> None:
    assert k8s.errors == []
    assert k8s.files_scanned > 400 and k8s.resources > 1000
    parse_errors = {f.location.path for f in k8s.findings if f.category == "parse-error"}
    # Only genuinely broken files: the three above.
    assert parse_errors == {path for path, _, rule in EXPECTED if rule == "PARSE001"}


def test_role_count_reported_once_per_scope_with_the_list(k8s: ScanResult) -> None:
    # Changed with deployment scopes: this was one finding "28 distinct roles" summing the
    # roles of unrelated folders (weave-scope's manifests, six checkov examples, ...). Roles
    # are counted per scope (a folder of loose manifests), so only the two checkov example
    # folders that define five roles each exceed the default of four.
    findings = [f for f in k8s.findings if f.rule_id == "RBAC001"]
    assert {f.location.path.rsplit("/", 1)[0] for f in findings} == {
        "checkov-k8s-checks/example_RbacApproveCertificateSigningRequests",
        "checkov-k8s-checks/example_WildcardRoles",
    }
    for finding in findings:
        assert "5 distinct Roles and ClusterRoles defined (at most 4)" in finding.message
        assert len(finding.related) == 5  # every role, the reported one included


def test_no_internal_lb_finding_without_load_balancer(k8s: ScanResult) -> None:
    # guestbook's frontend Service has `# type: LoadBalancer` commented out: not public.
    lb_files = {f.location.path for f in k8s.findings if f.rule_id == "LB001"}
    assert "kubernetes-examples/web/guestbook/frontend-service.yaml" not in lb_files
