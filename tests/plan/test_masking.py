"""Sensitive plan values never reach any output: values marked in `*_sensitive` and root
variables declared `sensitive` are recorded in `Resource.sensitive`, and every format the CLI
prints leaves them out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plan.tfplan import Res, plan, write

from iacguard.cli import main

FORMATS = ("text", "json", "sarif", "conftest", "markdown")
PASSWORD = "hunter2-pl4n-secret"


def _outputs(file: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    out = {}
    for fmt in FORMATS:
        code = main(["scan", str(file), "--format", fmt, "--no-fail"])
        printed = capsys.readouterr()
        assert code == 0, printed.err
        text = printed.out
        if fmt == "sarif":  # the rules' help text quotes example CIDRs: look at the results
            text = json.dumps([r for run_ in json.loads(text)["runs"] for r in run_["results"]])
        out[fmt] = text + printed.err
    return out


def test_sensitive_root_variable_value_is_in_no_output(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    configuration = {"root_module": {
        "variables": {"db_password": {"sensitive": True}},
        "resources": [{"address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance",
                       "name": "db", "expressions": {"password": {"references": ["var.db_password"]}}}]}}
    file = write(tmp_path / "tfplan.json", plan(
        [Res("aws_db_instance.db", {"engine": "postgres", "password": PASSWORD})],
        configuration=configuration, variables={"db_password": PASSWORD}))
    outputs = _outputs(file, capsys)
    assert "SEC101" in outputs["json"]  # the policy still judges the real value
    assert {fmt for fmt, text in outputs.items() if PASSWORD in text} == set()


def test_sensitive_attribute_quoted_by_a_policy_is_masked(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    cidr = "0.0.0.0/0"
    group = Res("aws_security_group.g", {"name": "g", "ingress": [
        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": [cidr]}]},
        after_sensitive={"ingress": [{"cidr_blocks": True}]})
    outputs = _outputs(write(tmp_path / "tfplan.json", plan([group])), capsys)
    assert "BAS001" in outputs["json"]
    assert {fmt for fmt, text in outputs.items() if f'"{cidr}"' in text or cidr in text} == set()
    assert all("(sensitive)" in outputs[fmt] for fmt in FORMATS)
