"""The parsing and matching rules behind the workload policies, case by case."""

from __future__ import annotations

from pathlib import Path

import pytest
from iacguard_builtin.k8s_policies.dashboard import is_dashboard_image
from iacguard_builtin.k8s_policies.images import parse_image
from iacguard_builtin.k8s_policies.pod_security import HostPathParams, _is_sensitive
from iacguard_builtin.k8s_policies.secrets import credential_in, is_literal, secret_name

from iacguard.checks import CheckContext
from iacguard.config import Config
from iacguard.engine import open_session
from iacguard.graph import ResourceGraph
from iacguard.model import Resource, Severity, SourceSpan
from iacguard.plugin import Plugins
from iacguard.values import Unknown

from helpers import scan, write


@pytest.mark.parametrize(("reference", "repository", "tag", "digest"), [
    ("nginx", "nginx", None, None),
    ("nginx:1.27", "nginx", "1.27", None),
    ("localhost:5000/app", "localhost:5000/app", None, None),
    ("registry.example.com:5000/team/app:2.4.1", "registry.example.com:5000/team/app", "2.4.1", None),
    ("nginx@sha256:abc", "nginx", None, "sha256:abc"),
    ("nginx:latest@sha256:abc", "nginx", "latest", "sha256:abc"),
])
def test_parse_image(reference: str, repository: str, tag: str | None, digest: str | None) -> None:
    ref = parse_image(reference)
    assert (ref.repository, ref.tag, ref.digest) == (repository, tag, digest)


@pytest.mark.parametrize(("image", "dashboard"), [
    ("kubernetesui/dashboard:v2.7.0", True),
    ("docker.io/kubernetesui/dashboard-web:1.4.0", True),
    ("k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.1", True),
    ("registry.k8s.io/dashboard/dashboard:v2.7.0", True),
    ("kubernetesui/metrics-scraper:v1.0.8", False),
    ("acme/dashboard:3", False),
    ("grafana/grafana:11.2.0", False),
])
def test_dashboard_images(image: str, dashboard: bool) -> None:
    assert is_dashboard_image(image) is dashboard


@pytest.mark.parametrize(("name", "secret"), [
    ("DB_PASSWORD", True), ("dbPassword", True), ("spring.datasource.password", True),
    ("AWS_SECRET_ACCESS_KEY", True), ("api-key", True), ("GITHUB_TOKEN", True),
    ("PASSWORD_FILE", False), ("TOKEN_URL", False), ("SECRET_NAME", False),
    ("AWS_ACCESS_KEY_ID", False), ("TOKENIZER_MODEL", False), ("PWD_DIR", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


@pytest.mark.parametrize(("value", "literal"), [
    ("hunter2", True), ("changeme", True), ("", False), ("  ", False), ("${DB_PASSWORD}", False),
    ("$(TOKEN)", False), ("{{ .Values.password }}", False), ("<your-password>", False),
    ("true", False), ("3600", False), ("/run/secrets/db", False),
])
def test_literal_values(value: str, literal: bool) -> None:
    assert is_literal(value) is literal


def test_credential_patterns() -> None:
    assert credential_in("key = AKIAFAKEFAKEFAKEFAKE") == "an AWS access key id"
    assert credential_in("AKIAIOSFODNN7EXAMPLE") is None  # AWS's documented example
    assert credential_in("-----BEGIN OPENSSH PRIVATE KEY-----") == "a private key"
    assert credential_in("-----BEGIN CERTIFICATE-----") is None


@pytest.mark.parametrize(("path", "sensitive"), [
    ("/", True), ("/etc", True), ("/etc/kubernetes/pki", True), ("/var/lib", True),
    ("//var/run/docker.sock", True), ("/run/containerd/containerd.sock", True),
    ("/var/log/pods", False), ("/etcetera", False), ("/usr/bin/runc", False), ("/data", False),
])
def test_sensitive_host_paths(path: str, sensitive: bool) -> None:
    assert (_is_sensitive(path, HostPathParams().sensitive_paths) is not None) is sensitive


def test_dangerous_capability_raises_severity(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"pod.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: harmless
      image: app:1
      securityContext:
        capabilities: {add: [CHOWN]}
    - name: admin
      image: app:1
      securityContext:
        capabilities: {add: [SYS_ADMIN]}
"""})
    result, _ = scan(plugins, tmp_path, select=["PSC004"])
    severities = {f.location.start_line: f.severity for f in result.findings}
    assert severities == {10: Severity.MEDIUM, 14: Severity.HIGH}


def test_one_finding_per_container_inheriting_a_pod_value(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"pod.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  securityContext:
    runAsUser: 0
  containers:
    - {name: a, image: app:1}
    - {name: b, image: app:1}
"""})
    result, _ = scan(plugins, tmp_path, select=["PSC002"])
    assert sorted((f.location.start_line, f.message.split()[1]) for f in result.findings) == [
        (7, "a"), (7, "b")]


def test_unknown_values_are_reported_as_unresolved(plugins: Plugins) -> None:
    """Terraform `kubernetes_*` resources mapped to manifest shape carry values only known
    after apply; no check may guess (or crash on) them."""
    unknown = Unknown("var.flag")
    body = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {
            "serviceAccountName": unknown,
            "automountServiceAccountToken": unknown,
            "hostNetwork": unknown,
            "runtimeClassName": unknown,
            "securityContext": {"runAsUser": unknown, "seccompProfile": {"type": unknown}},
            "volumes": [{"name": "data", "hostPath": {"path": unknown}}],
            "containers": [{
                "name": "web", "image": unknown,
                "env": [{"name": "DB_PASSWORD", "value": unknown}],
                "securityContext": {"privileged": unknown, "allowPrivilegeEscalation": unknown,
                                    "readOnlyRootFilesystem": unknown,
                                    "capabilities": {"add": [unknown], "drop": [unknown]}},
                "volumeMounts": [{"name": "data", "mountPath": "/data"}],
            }],
        }}},
    }
    origin = SourceSpan(file="/tf/main.tf", start_line=1, end_line=1)
    resource = Resource(id="tf:kubernetes_deployment.web", kind="Deployment", name="web",
                        format="terraform", address="kubernetes_deployment.web", body=body,
                        origin=origin)
    graph = ResourceGraph([resource])
    session = open_session(plugins, Config(), [])
    checks = plugins.register_checks()
    unresolved: set[str] = set()
    for meta in session.catalogue:
        if meta.category not in ("pod-security", "service-account-token", "image", "secrets",
                                 "network-policy", "dashboard", "cluster-hardening"):
            continue
        check = checks.get(meta.check)
        assert check is not None
        params = checks.validate_params(meta, {})
        for violation in check.func(CheckContext(graph, meta, params, Config())):
            assert violation.key == "unresolved", (meta.id, violation.message)
            unresolved.add(meta.id)
    assert unresolved == {"PSC001", "PSC002", "PSC003", "PSC004", "PSC005", "PSC006", "PSC007",
                          "PSC008", "PSC009",
                          "SAT001", "IMG001", "CLH001"}
