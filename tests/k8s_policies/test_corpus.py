"""Workload and cluster hardening policies over ../shared/corpus/k8s: hand-verified findings.

Every (file, line, rule) below was checked by reading the corpus file at that line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.model import ScanResult
from iacguard.plugin import Plugins

from helpers import marks, scan

CATEGORIES = ["pod-security", "service-account-token", "image", "secrets", "network-policy",
              "dashboard", "cluster-hardening"]
GOAT = "kubernetes-goat/scenarios"
DASHBOARD = "kubernetes-dashboard-v2.7.0/recommended.yaml"


@pytest.fixture(scope="module")
def k8s(plugins: Plugins, corpus: Path) -> ScanResult:
    result, _ = scan(plugins, corpus / "k8s", select=CATEGORIES)
    assert not result.errors, result.errors
    return result


EXPECTED = [
    # docker-bench-security DaemonSet: host PID/IPC/network, pod runAsUser: 0, privileged,
    # AUDIT_CONTROL added, /var/lib (contains /var/lib/kubelet), /etc and the docker socket
    # mounted read-only, untagged image.
    (f"{GOAT}/docker-bench-security/deployment.yaml", 27, "PSC006"),
    (f"{GOAT}/docker-bench-security/deployment.yaml", 28, "PSC006"),
    (f"{GOAT}/docker-bench-security/deployment.yaml", 29, "PSC006"),
    (f"{GOAT}/docker-bench-security/deployment.yaml", 31, "PSC002"),
    (f"{GOAT}/docker-bench-security/deployment.yaml", 34, "IMG001"),
    (f"{GOAT}/docker-bench-security/deployment.yaml", 45, "PSC001"),
    (f"{GOAT}/docker-bench-security/deployment.yaml", 47, "PSC004"),
    (f"{GOAT}/docker-bench-security/deployment.yaml", 73, "PSC007"),
    (f"{GOAT}/docker-bench-security/deployment.yaml", 79, "PSC007"),
    (f"{GOAT}/docker-bench-security/deployment.yaml", 91, "PSC007"),
    # system-monitor: hostPID/hostIPC, the node's / mounted, allowPrivilegeEscalation: true,
    # privileged.
    (f"{GOAT}/system-monitor/deployment.yaml", 25, "PSC006"),
    (f"{GOAT}/system-monitor/deployment.yaml", 26, "PSC006"),
    (f"{GOAT}/system-monitor/deployment.yaml", 31, "PSC007"),
    (f"{GOAT}/system-monitor/deployment.yaml", 40, "PSC003"),
    (f"{GOAT}/system-monitor/deployment.yaml", 41, "PSC001"),
    # health-check: privileged with the containerd socket mounted.
    (f"{GOAT}/health-check/deployment.yaml", 25, "PSC001"),
    (f"{GOAT}/health-check/deployment.yaml", 32, "PSC007"),
    # kube-bench node Job: hostPID, /var/lib/kubelet, aquasec/kube-bench:latest.
    (f"{GOAT}/kube-bench-security/node-job.yaml", 9, "PSC006"),
    (f"{GOAT}/kube-bench-security/node-job.yaml", 12, "IMG001"),
    (f"{GOAT}/kube-bench-security/node-job.yaml", 57, "PSC007"),
    # Namespace objects whose workloads have no NetworkPolicy.
    (f"{GOAT}/hunger-check/deployment.yaml", 5, "NETP002"),
    (f"{GOAT}/cache-store/deployment.yaml", 4, "NETP002"),
    # The dashboard v2.7.0 install.
    (DASHBOARD, 193, "DASH001"),
    ("kubernetes-dashboard-v2.7.0/alternative.yaml", 182, "DASH001"),
    # sysdig agent: privileged, host network and PID, docker socket, literal ACCESS_KEY.
    ("kubernetes-examples/_archived/sysdig-cloud/sysdig-daemonset.yaml", 21, "PSC007"),
    ("kubernetes-examples/_archived/sysdig-cloud/sysdig-daemonset.yaml", 38, "PSC006"),
    ("kubernetes-examples/_archived/sysdig-cloud/sysdig-daemonset.yaml", 39, "PSC006"),
    ("kubernetes-examples/_archived/sysdig-cloud/sysdig-daemonset.yaml", 44, "PSC001"),
    ("kubernetes-examples/_archived/sysdig-cloud/sysdig-daemonset.yaml", 47, "SEC001"),
    # MYSQL_ROOT_PASSWORD as a literal.
    ("kubernetes-examples/databases/mysql-cinder-pd/mysql.yaml", 20, "SEC001"),
    # Online Boutique frontend: hardened, but no seccomp profile, an untagged (skaffold)
    # image and the token of an unbound account.
    ("microservices-demo/kubernetes-manifests/frontend.yaml", 31, "SAT001"),
    ("microservices-demo/kubernetes-manifests/frontend.yaml", 39, "PSC008"),
    ("microservices-demo/kubernetes-manifests/frontend.yaml", 47, "IMG001"),
]


@pytest.mark.parametrize("mark", EXPECTED, ids=[f"{m[0]}:{m[1]}:{m[2]}" for m in EXPECTED])
def test_expected_finding(k8s: ScanResult, mark: tuple[str, int, str]) -> None:
    assert mark in marks(k8s)


def _in(result: ScanResult, path: str, rules: set[str]) -> list[tuple[str, int, str]]:
    return sorted(m for m in marks(result) if m[0] == path and m[2] in rules)


def test_dashboard_recommended_install_is_hardened(k8s: ScanResult) -> None:
    # Pod-level seccomp RuntimeDefault, container runAsUser 1001, no escalation, read-only
    # root, pinned images, an account bound to its own narrow roles (so it uses the API and
    # has no broad binding), and the metrics scraper is not the dashboard.
    rules = {"PSC002", "PSC003", "PSC008", "PSC009", "IMG001", "SAT001", "DASH002"}
    assert _in(k8s, DASHBOARD, rules) == []
    assert (DASHBOARD, 278, "DASH001") not in marks(k8s)


def test_inherited_pod_security_context_passes(k8s: ScanResult) -> None:
    # frontend sets runAsNonRoot/runAsUser on the pod and escalation, drop ALL and read-only
    # root on the container.
    path = "microservices-demo/kubernetes-manifests/frontend.yaml"
    assert _in(k8s, path, {"PSC002", "PSC003", "PSC005", "PSC009"}) == []


def test_bound_service_account_needs_its_token(k8s: ScanResult) -> None:
    # hunger-check runs as big-monolith-sa, which RoleBinding secret-reader-binding binds.
    assert _in(k8s, f"{GOAT}/hunger-check/deployment.yaml", {"SAT001"}) == []


def test_secret_key_ref_is_not_a_literal_secret(k8s: ScanResult) -> None:
    # K8S_GOAT_VAULT_KEY comes from secretKeyRef (line 48).
    assert _in(k8s, f"{GOAT}/system-monitor/deployment.yaml", {"SEC001"}) == []


def test_harmless_host_paths_are_not_flagged(k8s: ScanResult) -> None:
    # /usr/lib/systemd, /lib/systemd/system, /usr/bin/containerd, /usr/bin/runc.
    flagged = {m[1] for m in _in(k8s, f"{GOAT}/docker-bench-security/deployment.yaml", {"PSC007"})}
    assert flagged == {73, 79, 91}


def test_control_plane_static_pods_are_exempt(k8s: ScanResult) -> None:
    # kubeadm kube-apiserver manifests (kube-system, tier: control-plane) mount
    # /etc/kubernetes and run on the host network by design.
    path = ("checkov-k8s-checks/example_ApiServerAnonymousAuth/"
            "ApiServer-AnonymousAuth-False-PASSED.yaml")
    assert _in(k8s, path, {"PSC006", "PSC007"}) == []


def test_sandbox_advice_is_off_by_default(k8s: ScanResult) -> None:
    assert not [f for f in k8s.findings if f.rule_id == "CLH001"]
