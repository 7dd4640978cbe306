"""Incremental re-check: after each kind of edit, a reloaded session reports exactly what a
fresh scan reports, and only the units the edit touches are loaded again."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from iacguard_builtin.reporters import json_report

from iacguard.config import build_config
from iacguard.engine import Session, open_session
from iacguard.plugin import Plugins
from iacguard.reporting import RenderOptions

from helpers import write

HELM_CHART = Path(__file__).parent / "helm" / "fixtures" / "profiles-chart"

SG_MODULE = """\
variable "ssh_from" {
  default = ["10.0.0.0/8"]
}
resource "aws_security_group" "nodes" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = var.ssh_from
  }
}
"""
ROOT = 'module "sg" {\n  source = "../modules/sg"\n}\n'
EKS = """\
variable "public" {
  default = false
}
variable "logs" {
  default = ["api", "audit", "authenticator"]
}
resource "aws_eks_cluster" "this" {
  name                      = "c"
  role_arn                  = "arn"
  enabled_cluster_log_types = var.logs
  vpc_config {
    subnet_ids              = ["s"]
    endpoint_public_access  = var.public
    endpoint_private_access = true
    public_access_cidrs     = [local.cidr]
  }
}
locals {
  cidr = trimspace(file("${path.module}/cidr.txt"))
}
"""
SERVICE = "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: {TYPE}\n"


def _session(plugins: Plugins, root: Path) -> Session:
    session = open_session(plugins, build_config({}, {}), [root])
    session.load([root])
    return session


def _report(session: Session) -> str:
    return json_report.render(session.check()[0], RenderOptions())


def _fresh(plugins: Plugins, root: Path) -> str:
    return _report(_session(plugins, root))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    write(tmp_path, {
        "modules/sg/main.tf": SG_MODULE,
        "prod/main.tf": ROOT, "dev/main.tf": ROOT,
        "eks/main.tf": EKS, "eks/cidr.txt": "203.0.113.0/24\n", "eks/terraform.tfvars": "public = true\n",
        "k8s/svc.yaml": SERVICE.replace("{TYPE}", "ClusterIP"),
    })
    shutil.copytree(HELM_CHART, tmp_path / "chart")
    return tmp_path


EDITS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "shared local module": ("modules/sg/main.tf", lambda root: write(root, {
        "modules/sg/main.tf": SG_MODULE.replace("10.0.0.0/8", "0.0.0.0/0")})),
    "tfvars": ("eks/terraform.tfvars", lambda root: write(root, {
        "eks/terraform.tfvars": "public = true\nlogs = []\n"})),
    "file() target": ("eks/cidr.txt", lambda root: write(root, {"eks/cidr.txt": "0.0.0.0/0\n"})),
    "variable default": ("eks/main.tf", lambda root: write(root, {
        "eks/main.tf": EKS.replace('"api", "audit", "authenticator"', '"api"')})),
    "values file": ("chart/values.yaml", lambda root: write(root, {
        "chart/values.yaml": (HELM_CHART / "values.yaml").read_text().replace(
            "type: ClusterIP", "type: NodePort")})),
    "manifest": ("k8s/svc.yaml", lambda root: write(root, {
        "k8s/svc.yaml": SERVICE.replace("{TYPE}", "NodePort")})),
    "new file": ("k8s/new.yaml", lambda root: write(root, {
        "k8s/new.yaml": SERVICE.replace("{TYPE}", "NodePort").replace("np", "np2")})),
    "deleted file": ("k8s/svc.yaml", lambda root: (root / "k8s" / "svc.yaml").unlink()),
    "new module file": ("modules/sg/extra.tf", lambda root: write(root, {
        "modules/sg/extra.tf": SG_MODULE.replace('"nodes"', '"more"').replace(
            'variable "ssh_from" {\n  default = ["10.0.0.0/8"]\n}\n', "")
        .replace("var.ssh_from", '["0.0.0.0/0"]')})),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_reloaded_session_equals_a_fresh_scan(plugins: Plugins, tree: Path, edit: str) -> None:
    changed, apply = EDITS[edit]
    session = _session(plugins, tree)
    before = _report(session)
    apply(tree)
    fresh = _fresh(plugins, tree)
    assert fresh != before, "the edit must change the findings for this test to mean anything"
    session.reload(tree / changed)
    assert _report(session) == fresh


def test_only_the_units_an_edit_touches_are_loaded_again(plugins: Plugins, tree: Path) -> None:
    session = _session(plugins, tree)
    loads = session.loads
    write(tree, {"modules/sg/main.tf": SG_MODULE.replace("10.0.0.0/8", "0.0.0.0/0")})
    session.reload(tree / "modules/sg/main.tf")
    assert session.loads - loads == 2  # prod and dev call the module; nothing else reloads
    loads = session.loads
    write(tree, {"chart/values.yaml": (HELM_CHART / "values.yaml").read_text() + "\n"})
    session.reload(tree / "chart/values.yaml")
    assert session.loads - loads == 1


def test_the_file_to_units_index(plugins: Plugins, tree: Path) -> None:
    session = _session(plugins, tree)

    def units(rel: str) -> set[str]:
        return {p.relative_to(tree).as_posix() for p in session.affected_by(tree / rel)}

    assert units("modules/sg/main.tf") == {"prod", "dev"}
    assert units("eks/terraform.tfvars") == {"eks"}
    assert units("eks/cidr.txt") == {"eks"}
    assert units("chart/values.yaml") == {"chart"}
    assert units("chart/ci/public-values.yaml") == {"chart"}
    assert units("k8s/svc.yaml") == {"k8s/svc.yaml"}


def test_an_editor_buffer_is_checked_without_saving(plugins: Plugins, tree: Path) -> None:
    session = _session(plugins, tree)
    before = _report(session)
    buffer = SERVICE.replace("{TYPE}", "NodePort").encode()
    session.set_overlay(tree / "k8s" / "svc.yaml", buffer)
    with_buffer = _report(session)
    assert '"ING001"' in with_buffer and '"ING001"' not in before
    assert (tree / "k8s" / "svc.yaml").read_bytes() != buffer  # the disk is untouched
    session.set_overlay(tree / "k8s" / "svc.yaml", None)  # closing falls back to the disk
    assert _report(session) == before


# -- edits that only move blocks: the previous evaluation is re-used, its lines moved ----------
MOVES: dict[str, tuple[str, str, str]] = {  # name: (file, old text, new text)
    "a comment above a shared module's first block": (
        "modules/sg/main.tf", "variable", "# a note\nvariable"),
    "blank lines above a variable with a default (a provenance)": (
        "eks/main.tf", 'variable "public"', '\n\n\nvariable "public"'),
    "a comment between blocks": ("eks/main.tf", 'resource "aws_eks_cluster"',
                                 '# the cluster\n\nresource "aws_eks_cluster"'),
    "lines removed above a block": ("eks/main.tf", '}\nvariable "logs"', '}\n\n\nvariable "logs"'),
}


def _count_evaluations(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    from iacguard_builtin.terraform import loader

    evaluated: list[Path] = []
    real = loader.load

    def counting(unit: Any, ctx: Any, data_files: Any = None) -> Any:
        evaluated.append(unit.path)
        return real(unit, ctx, data_files)

    monkeypatch.setattr(loader, "load", counting)
    return evaluated


@pytest.mark.parametrize("move", sorted(MOVES))
def test_an_edit_that_only_moves_blocks_equals_a_fresh_scan_without_evaluating(
        plugins: Plugins, tree: Path, move: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rel, old, new = MOVES[move]
    if move.startswith("lines removed"):  # the edit removes the lines a first edit added
        write(tree, {rel: (tree / rel).read_text().replace(old, new)})
        old, new = new, old
    session = _session(plugins, tree)
    before = _report(session)
    text = (tree / rel).read_text()
    assert old in text
    session.set_overlay(tree / rel, text.replace(old, new, 1).encode())
    fresh_session = open_session(plugins, build_config({}, {}), [tree])
    fresh_session.fs = session.fs
    fresh_session.load([tree])
    fresh = _report(fresh_session)
    assert fresh != before, "the lines must move for this test to mean anything"
    evaluated = _count_evaluations(monkeypatch)
    session.set_overlay(tree / rel, None)
    session.set_overlay(tree / rel, text.replace(old, new, 1).encode())
    assert _report(session) == fresh
    assert session.loads > 0 and evaluated == []  # re-loaded, not re-evaluated


def test_a_suppression_written_between_blocks_applies(plugins: Plugins, tree: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    session = _session(plugins, tree)
    result, _ = session.check()
    [finding, *_] = [f for f in result.findings if f.location.path == "eks/main.tf"]
    text = (tree / "eks/main.tf").read_text()
    comment = f"# iacguard:ignore {finding.rule_id} until=2999-01-01 accepted\n"
    edited = text.replace('resource "aws_eks_cluster"', comment + 'resource "aws_eks_cluster"')
    evaluated = _count_evaluations(monkeypatch)
    session.set_overlay(tree / "eks/main.tf", edited.encode())
    assert evaluated == []
    write(tree, {"eks/main.tf": edited})
    assert _report(session) == _fresh(plugins, tree)
    suppressed = [f for f in session.check()[0].findings if f.rule_id == finding.rule_id
                  and f.location.path == "eks/main.tf"]
    assert suppressed and all(f.suppression is not None for f in suppressed)


@pytest.mark.parametrize("edit", ["a changed block", "a file read as data"])
def test_what_is_more_than_a_move_is_evaluated_again(plugins: Plugins, tree: Path, edit: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if edit == "a file read as data":  # its text is a value: moving its lines changes it
        write(tree, {"eks/main.tf": EKS + 'resource "aws_s3_bucket" "me" {\n'
                     '  bucket = "b${length(file("${path.module}/main.tf"))}"\n}\n'})
    session = _session(plugins, tree)
    text = (tree / "eks/main.tf").read_text()
    edited = ("# moved\n" + text) if edit == "a file read as data" else text.replace(
        '"api", "audit", "authenticator"', '"api"')
    evaluated = _count_evaluations(monkeypatch)
    write(tree, {"eks/main.tf": edited})
    session.reload(tree / "eks/main.tf")
    assert [p.name for p in evaluated] == ["eks"]
    assert _report(session) == _fresh(plugins, tree)


def test_the_largest_corpus_module_after_a_moved_block_equals_a_fresh_scan(
        plugins: Plugins, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The language server's benchmark edit (benchmarks/lsp_latency.py), as an overlay."""
    root = corpus / "terraform" / "terraform-aws-eks"
    target = root / "node_groups.tf"
    session = _session(plugins, root)
    text = target.read_text()
    edited = "# an edit\n" + text.replace("\nresource ", "\n\nresource ", 1)
    evaluated = _count_evaluations(monkeypatch)
    session.set_overlay(target, edited.encode())
    assert evaluated == [] and len(session.affected_by(target)) > 1
    fresh = open_session(plugins, build_config({}, {}), [root])
    fresh.fs = session.fs
    fresh.load([root])
    assert _report(session) == _report(fresh)


def test_an_edit_re_asks_only_the_claims_that_read_the_file(plugins: Plugins, tree: Path) -> None:
    session = _session(plugins, tree)
    asked = session.planner.claims_made
    write(tree, {"modules/sg/main.tf": SG_MODULE.replace("10.0.0.0/8", "0.0.0.0/0")})
    session.reload(tree / "modules/sg/main.tf")
    # The module's own directory reads it; prod and dev only listed the module's directory.
    assert session.planner.claims_made - asked == 1
    asked = session.planner.claims_made
    write(tree, {"modules/sg/extra.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    session.reload(tree / "modules/sg/extra.tf")
    assert session.planner.claims_made - asked >= 3  # a new entry: the callers claim again
    assert _report(session) == _fresh(plugins, tree)
