"""Run the real CLI and read its JSON report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iacguard.cli import main

SSH_RULE = '''resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = "sg-1"
}
'''


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def scan_json(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "report.json"
    code = main(["scan", *args, "--format", "json", "--output", str(out)])
    return code, json.loads(out.read_text())


def by_rule(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule_id"] == rule]


def states(report: dict[str, Any], rule: str) -> set[tuple[str, int, str | None]]:
    """(path, line, suppression kind or None) of each finding of `rule`."""
    return {(f["location"]["path"], f["location"]["start_line"],
             f.get("suppression", {}).get("kind")) for f in by_rule(report, rule)}
