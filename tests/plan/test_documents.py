"""Reading plan documents: encodings, minified size, what is claimed, and what fails loudly."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from iacguard_builtin.plan import document
from plan.tfplan import Res, plan, write

from iacguard.plugin import Plugins

from helpers import scan

OPEN_SG = Res("aws_security_group.open", {"name": "open", "ingress": [
    {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})


def _rules(plugins: Plugins, file: Path) -> set[tuple[str, str | None, int]]:
    result, _ = scan(plugins, file)
    return {(f.rule_id, f.resource.address, f.location.start_line) for f in result.findings}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16-le-bom", "utf-16-be-bom", "crlf"])
def test_encodings(plugins: Plugins, tmp_path: Path, encoding: str) -> None:
    text = json.dumps(plan([OPEN_SG]), indent=2)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if '"address": "aws_security_group.open"' in t)
    data = {
        "utf-8": text.encode(),
        "utf-8-sig": codecs.BOM_UTF8 + text.encode(),
        "utf-16-le-bom": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "utf-16-be-bom": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        "crlf": text.replace("\n", "\r\n").encode(),
    }[encoding]
    file = tmp_path / "out.json"  # not a plan-like name: claimed by its content
    file.write_bytes(data)
    assert _rules(plugins, file) == {("BAS001", "aws_security_group.open", line)}


@pytest.mark.parametrize(("name", "doc", "message"), [
    ("state.json", {"format_version": "1.0", "terraform_version": "1.9.5", "values": {"root_module": {}}},
     "Terraform state"),
    ("future.json", {"format_version": "2.0", "terraform_version": "2.0.0", "planned_values": {}},
     "format_version 2.0 is not supported"),
    ("tfplan.json", {"format_version": 1.2, "planned_values": {}}, "is not a version"),
    ("plan.json", [], "not a JSON object"),
])
def test_terraform_documents_that_are_not_plans_fail(plugins: Plugins, tmp_path: Path, name: str,
                                                     doc: object, message: str) -> None:
    file = tmp_path / name
    file.write_text(json.dumps(doc))
    result, _ = scan(plugins, file)
    assert [(f.rule_name, f.severity.label, f.location.path) for f in result.findings] == [
        ("unparseable-file", "high", name)]
    assert message in result.findings[0].message
    assert result.exit_code() == 1


def test_truncated_plan_fails_with_its_line(plugins: Plugins, tmp_path: Path) -> None:
    text = json.dumps(plan([OPEN_SG]), indent=2)
    file = tmp_path / "prod.tfplan.json"
    file.write_text(text[: len(text) // 2])
    result, _ = scan(plugins, file)
    (finding,) = result.findings
    assert finding.rule_name == "unparseable-file"
    assert finding.location.start_line == len(text[: len(text) // 2].splitlines())


@pytest.mark.parametrize(("name", "text"), [
    ("package.json", '{"name": "x", "version": "1.0.0", "scripts": {}}'),
    ("settings.json", "{}"),
    ("svc.json", '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},'
                 ' "spec": {"type": "NodePort", "ports": [{"port": 80}]}}'),
])
def test_other_json_goes_to_the_other_loaders(plugins: Plugins, tmp_path: Path, name: str, text: str) -> None:
    file = tmp_path / name
    file.write_text(text)
    result, graph = scan(plugins, file)
    assert not any(f.category == "parse-error" for f in result.findings)
    assert {r.format for r in graph.resources()} <= {"kubernetes"}
    assert (len(graph) == 1) == (name == "svc.json")


def test_minified_5mb_plan(plugins: Plugins, tmp_path: Path) -> None:
    groups = [Res(f'module.net["{i}"].aws_security_group.g', {
        "name": f"g{i}", "description": "x" * 400,
        "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}]})
        for i in range(5000)]
    file = write(tmp_path / "big.json", plan([*groups, OPEN_SG]), indent=None)
    assert file.stat().st_size > 5_000_000 and file.read_text().count("\n") == 0
    result, graph = scan(plugins, file)
    assert len(graph) == 5001
    assert {(f.rule_id, f.resource.address, f.location.start_line) for f in result.findings} == {
        ("BAS001", "aws_security_group.open", 1)}


def test_address_lines_are_indexed_once() -> None:
    text = '{\n "a": {"address": "x.y"},\n "b": [\n  {"address": "m[\\"k\\"].x.y"}, {"address": "x.y"}]}'
    lines = document.Lines.index(text)
    assert (lines.of("x.y"), lines.of('m["k"].x.y'), lines.of("absent")) == (2, 4, 1)
