"""The gate on a plan through the CLI: exit codes, `--only-changes`, conftest and markdown."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from iacguard_builtin.reporters import markdown_report
from plan.tfplan import Res, plan, write

from iacguard.cli import main

WORLD = ["0.0.0.0/0"]


def _sg(address: str, port: int, actions: tuple[str, ...] = ("create",), name: str = "g") -> Res:
    return Res(address, {"name": name, "ingress": [
        {"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": WORLD}]}, actions=actions)


def _plan(tmp_path: Path) -> Path:
    return write(tmp_path / "tfplan.json", plan([
        _sg("aws_security_group.ssh", 22),  # BAS001, high
        _sg("aws_security_group.kept", 3389, actions=("no-op",)),  # BAS001, high, unchanged
        _sg("aws_security_group.gone", 22, actions=("delete",)),
        Res("aws_eks_cluster.c", {"name": "c", "role_arn": "r", "enabled_cluster_log_types": ["api", "audit"],
                                  "vpc_config": [{"endpoint_public_access": False,
                                                  "endpoint_private_access": True}]},
            after_unknown={"encryption_config": True}),
    ]))


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def scan_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """`iacguard scan ARGS` in this process: what it exits with and prints."""
    def run(*args: str) -> Run:
        code = main(["scan", *args])
        printed = capsys.readouterr()
        return Run(code, printed.out, printed.err)

    return run


def test_exit_codes_and_only_changes(tmp_path: Path, scan_cli: Callable[..., Run]) -> None:
    file = _plan(tmp_path)
    out = scan_cli(str(file), "--format", "json")
    assert out.returncode == 1, out.stderr
    found = {(f["rule_id"], f["resource"]["address"]) for f in json.loads(out.stdout)["findings"]}
    assert {("BAS001", "aws_security_group.ssh"), ("BAS001", "aws_security_group.kept")} <= found
    assert not any(address == "aws_security_group.gone" for _, address in found)
    assert scan_cli(str(file), "--fail-on", "critical").returncode == 0
    assert scan_cli(str(file), "--no-fail").returncode == 0
    only = scan_cli(str(file), "--format", "json", "--only-changes")
    assert "aws_security_group.kept" not in only.stdout and "aws_security_group.ssh" in only.stdout


def test_conftest_splits_failures_and_warnings_at_fail_on(tmp_path: Path,
                                                           scan_cli: Callable[..., Run]) -> None:
    file = _plan(tmp_path)
    out = scan_cli(str(file), "--format", "conftest", "--fail-on", "high")
    (entry,) = json.loads(out.stdout)
    assert (entry["filename"], entry["namespace"]) == ("tfplan.json", "main")
    failures = {(r["metadata"]["rule_id"], r["metadata"]["resource"]) for r in entry["failures"]}
    assert failures == {("BAS001", "aws_security_group.ssh"), ("BAS001", "aws_security_group.kept")}
    assert all(r["metadata"]["severity"] not in ("high", "critical") for r in entry.get("warnings", []))
    assert out.returncode == 1
    passing = scan_cli(str(file), "--format", "conftest", "--fail-on", "critical", "--ignore", "BAS001")
    (entry,) = json.loads(passing.stdout)
    assert "failures" not in entry and 'failures": [' not in passing.stdout  # Atlantis' regex
    assert passing.returncode == 0


def test_markdown_summary(tmp_path: Path, scan_cli: Callable[..., Run]) -> None:
    out = scan_cli(str(_plan(tmp_path)), "--format", "markdown", "--fail-on", "high")
    assert out.stdout.startswith("**iacguard: failed** (2 failures at or above high)")
    rows = [line for line in out.stdout.splitlines() if line.startswith("| high | BAS001")]
    assert len(rows) == 2 and all("tfplan.json:" in row for row in rows)


def test_markdown_escapes_text() -> None:
    assert markdown_report.escape("a|b <script>\n`x`") == "a\\|b \\<script\\> \\`x\\`"
