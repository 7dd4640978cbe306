"""The command line as CI uses it: exit codes, formats, determinism, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.cli import main

from helpers import write

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "platform"

NODEPORT = "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: NodePort\n"
CLEAN = "apiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec:\n  type: ClusterIP\n"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iacguard.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=120)


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "clean", {"svc.yaml": CLEAN})
    write(tmp_path / "dirty", {"svc.yaml": NODEPORT})
    assert main(["scan", str(tmp_path / "clean")]) == 0
    assert main(["scan", str(tmp_path / "dirty")]) == 1  # ING001 is medium >= low
    assert main(["scan", str(tmp_path / "dirty"), "--fail-on", "high"]) == 0
    assert main(["scan", str(tmp_path / "dirty"), "--no-fail"]) == 0
    assert main(["scan", str(tmp_path / "dirty"), "--ignore", "ingress"]) == 0
    capsys.readouterr()


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["scan", str(tmp_path), "--format", "xml"]) == 2
    assert "unknown format" in capsys.readouterr().err
    assert main(["scan", str(tmp_path), "--fail-on", "severe"]) == 2
    assert main(["frobnicate"]) == 2
    write(tmp_path / "cfg", {".iacguard.yaml": "policies:\n  no-such-policy: {enabled: false}\n"})
    assert main(["scan", str(tmp_path / "cfg")]) == 2
    assert "unknown policy 'no-such-policy'" in capsys.readouterr().err
    write(tmp_path / "cfg2", {".iacguard.yaml": "policies:\n  LB001:\n    params: {cloud: mars}\n"})
    assert main(["scan", str(tmp_path / "cfg2")]) == 2
    assert "params of public-load-balancer-service" in capsys.readouterr().err


def test_json_output_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    assert main(["scan", str(EXAMPLE), "--format", "json", "--output", str(out)]) == 1
    assert capsys.readouterr().out == ""
    report = json.loads(out.read_text())
    assert set(report) == {"version", "tool", "summary", "findings", "errors"}
    assert report["summary"]["findings"] == len(report["findings"]) > 0
    lb = next(f for f in report["findings"] if f["rule_id"] == "LB001"
              and f["resource"]["format"] == "kubernetes")
    assert lb["category"] == "internal-lb" and lb["severity"] == "high"
    assert lb["resource"] == {"id": "k8s:k8s/shop.yaml:Service:shop/frontend", "kind": "Service",
                              "name": "frontend", "namespace": "shop", "format": "kubernetes"}
    assert lb["location"] == {"path": "k8s/shop.yaml", "start_line": 26, "end_line": 26,
                              "precision": "exact"}
    assert len(lb["fingerprint"]) == 32
    # Terraform findings name the type and address, and say where a value came from.
    api = next(f for f in report["findings"] if f["rule_id"] == "API001")
    assert api["resource"]["type"] == "aws_eks_cluster" and "kind" not in api["resource"]
    assert api["resource"]["address"] == "aws_eks_cluster.shop"
    assert "default of var.api_allowed_cidrs in terraform/main.tf:31" in api["message"]
    # A long message opens with a short sentence (what SARIF viewers and PR tables show).
    long_openings = {f["rule_id"]: f["message"].split(". ")[0] for f in report["findings"]
                     if len(f["message"]) > 300}
    assert {"LB001", "LB002"} <= set(long_openings)
    assert {r: o for r, o in long_openings.items() if len(o) > 120} == {}


def test_json_is_byte_identical_across_runs() -> None:
    first = run("scan", str(EXAMPLE), "--format", "json")
    second = run("scan", str(EXAMPLE), "--format", "json")
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout and first.stdout


def test_text_output_groups_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    # By file on request (`--group-by file`); the default is by severity and rule.
    main(["scan", str(EXAMPLE), "--color", "never", "--group-by", "file"])
    out = capsys.readouterr().out
    assert out.index("k8s/rbac.yaml") < out.index("k8s/shop.yaml")
    assert "\033[" not in out
    main(["scan", str(EXAMPLE), "--color", "always"])
    assert "\033[1;31mhigh" in capsys.readouterr().out
    assert "findings (" in out and "at or above low" in out


def test_fingerprint_survives_line_shifts(tmp_path: Path) -> None:
    write(tmp_path, {"svc.yaml": NODEPORT})
    before = json.loads(run("scan", str(tmp_path), "--format", "json").stdout)
    write(tmp_path, {"svc.yaml": "# a new comment\n\n" + NODEPORT})
    after = json.loads(run("scan", str(tmp_path), "--format", "json").stdout)
    (b,), (a,) = before["findings"], after["findings"]
    assert a["location"]["start_line"] == b["location"]["start_line"] + 2
    assert a["fingerprint"] == b["fingerprint"]


def test_policies_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies"]) == 0
    assert "LB001" in capsys.readouterr().out
    assert main(["explain", "public-load-balancer-service"]) == 0
    text = capsys.readouterr().out
    assert "Why is this bad?" in text and "aws-load-balancer-scheme" in text
    assert main(["explain", "NOPE999"]) == 2


def test_policy_reference_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies", "--format", "markdown"]) == 0
    generated = capsys.readouterr().out
    committed = (REPO / "docs" / "POLICIES.md").read_text(encoding="utf-8")
    assert committed == generated, "regenerate: iacguard policies --format markdown > docs/POLICIES.md"
