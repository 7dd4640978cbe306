"""`iacguard scan --in-context FILE...` (what the pre-commit hook runs): each named file is
scanned with the unit it belongs to, from the repository root, as a scan of the whole
repository sees it; a real git repository built here."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pre_commit.clientlib import load_manifest

from iacguard.cli import main
from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.file_context import context_directories
from iacguard.plugin import Plugins

from helpers import scan, write

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

FILES = {
    "infra/variables.tf": 'variable "api_allowed_cidrs" {\n  type    = list(string)\n'
                          '  default = ["0.0.0.0/0"]\n}\n',
    "infra/main.tf": 'resource "aws_eks_cluster" "shop" {\n  name     = "shop"\n'
                     '  role_arn = "arn:aws:iam::123456789012:role/eks"\n'
                     '  enabled_cluster_log_types = ["api", "audit"]\n  vpc_config {\n'
                     '    subnet_ids          = ["subnet-1"]\n'
                     '    public_access_cidrs = var.api_allowed_cidrs\n  }\n}\n\n'
                     'module "net" {\n  source = "./modules/net"\n}\n',
    "infra/modules/net/main.tf": 'resource "aws_security_group_rule" "ssh" {\n  type = "ingress"\n'
                                 '  from_port = 22\n  to_port = 22\n  protocol = "tcp"\n'
                                 '  cidr_blocks = ["0.0.0.0/0"]\n  security_group_id = "sg-1"\n}\n',
    "infra/envs/lab/main.tf": 'resource "aws_security_group_rule" "rdp" {\n  type = "ingress"\n'
                              '  from_port = 3389\n  to_port = 3389\n  protocol = "tcp"\n'
                              '  cidr_blocks = ["0.0.0.0/0"]\n  security_group_id = "sg-2"\n}\n',
    "k8s/app/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
                           "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n"
                           "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
                           "        - name: web\n          image: registry.example.com/web:1.0.0\n",
    "k8s/app/rbac.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
                         "metadata: {name: reader, namespace: shop}\n"
                         "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n"
                         "subjects: [{kind: ServiceAccount, name: default, namespace: shop}]\n",
    "k8s/app/sub/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: debug, namespace: shop}\n"
                            "spec:\n  containers:\n    - name: d\n      image: busybox\n"
                            "      securityContext: {privileged: true}\n",
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "service:\n  type: ClusterIP\n",
    "charts/web/templates/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n"
                                         "  name: {{ .Release.Name }}\nspec:\n"
                                         "  type: {{ .Values.service.type }}\n"
                                         "  selector: {app: web}\n  ports: [{port: 80}]\n",
}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path, FILES)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init")
    return tmp_path


def _findings(capsys: pytest.CaptureFixture[str], *argv: str) -> set[tuple[str, str, str]]:
    main(["scan", *argv, "--format", "json", "--no-fail", "--no-cache", "--jobs", "1"])
    return {(f["rule_id"], f["location"]["path"], f["fingerprint"])
            for f in json.loads(capsys.readouterr().out)["findings"]}


def _whole(plugins: Plugins, repo: Path, *prefixes: str) -> set[tuple[str, str, str]]:
    result, _ = scan(plugins, repo)
    return {(f.rule_id, f.location.path, f.fingerprint) for f in result.findings
            if f.location.path.startswith(prefixes)}


def test_each_file_stands_for_the_unit_that_owns_it(repo: Path, plugins: Plugins) -> None:
    session = open_session(plugins, build_config({}, {}), [repo])
    named = [repo / "infra/modules/net/main.tf", repo / "infra/variables.tf",
             repo / "k8s/app/deploy.yaml", repo / "charts/web/templates/service.yaml",
             repo / "charts/web/values.yaml"]
    paths, shallow = context_directories(session.planner, [*named, repo / "k8s/app/sub"])
    # the module belongs to the root that calls it; chart files to the chart; a manifest to
    # its folder; a directory named as such is walked whole
    assert paths == [repo / "charts/web", repo / "infra", repo / "k8s/app", repo / "k8s/app/sub"]
    assert shallow == {repo / "charts/web", repo / "infra", repo / "k8s/app"}


def test_staged_files_as_pre_commit_passes_them(repo: Path, plugins: Plugins,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    (repo / "k8s/app/deploy.yaml").write_text(FILES["k8s/app/deploy.yaml"].replace("1.0.0", "1.0.1"))
    (repo / "charts/web/values.yaml").write_text("service:\n  type: LoadBalancer\n")
    (repo / "README.md").write_text("not infrastructure\n")
    _git(repo, "add", "-A")
    staged = [name for name in _git(repo, "diff", "--cached", "--name-only").split()
              if re.search(hook["files"], name)]
    assert staged == ["charts/web/values.yaml", "k8s/app/deploy.yaml"]
    monkeypatch.chdir(repo)
    found = _findings(capsys, *hook["entry"].split()[2:], *staged)
    # the same findings (fingerprints included) as a scan of the whole repository gives for
    # the chart and the manifests' folder; nothing from elsewhere (k8s/app/sub, infra)
    assert found == _whole(plugins, repo, "charts/web/", "k8s/app/deploy.yaml", "k8s/app/rbac.yaml")
    assert ("LB001", "charts/web/values.yaml") in {(r, p) for r, p, _ in found}  # the value that does it
    # the RoleBinding beside it counts: alone, the Deployment's token looks unused
    assert not any(rule == "SAT001" for rule, _, _ in found)
    alone = _findings(capsys, "k8s/app/deploy.yaml")
    assert {rule for rule, _, _ in alone} - {rule for rule, _, _ in found} == {"SAT001"}


def test_a_terraform_file_brings_its_root(repo: Path, plugins: Plugins,
                                          capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    found = _findings(capsys, "--in-context", "infra/modules/net/main.tf")
    assert found == _whole(plugins, repo, "infra/main.tf", "infra/variables.tf", "infra/modules/")
    assert {(rule, path) for rule, path, _ in found} >= {("API001", "infra/main.tf"),
                                                         ("BAS001", "infra/modules/net/main.tf")}
    assert not any(path.startswith("infra/envs/") for _, path, _ in found)


def test_stdin_has_no_context(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--in-context", "-"]) == 2
    assert "--in-context names files in a checkout" in capsys.readouterr().err
