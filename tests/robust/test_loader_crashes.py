"""Inputs that used to crash a loader (`loader-crashed`, the unit's findings lost) are
`parse-error` findings at the file and line, and the good file beside them keeps its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.nesting import json_too_deep, yaml_too_deep
from iacguard.plugin import Plugins

from helpers import scan, write

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
       "spec: {containers: [{name: c, image: nginx:1, securityContext: {privileged: true}}]}\n")
CHART = "apiVersion: v2\nname: c\nversion: 0.1.0\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


def _parse_errors(result: object) -> set[tuple[str, int, str]]:
    return {(f.location.path, f.location.start_line, f.message)
            for f in result.findings if f.category == "parse-error"}  # type: ignore[attr-defined]


def test_json_manifest_nested_20000_deep(plugins: Plugins, tmp_path: Path) -> None:
    deep = '{"apiVersion": "v1", "kind": "ConfigMap",\n "data": ' + "[" * 20000 + "]" * 20000 + "}"
    write(tmp_path, {"deep.json": deep, "pod.yaml": POD})
    result, _ = scan(plugins, tmp_path)
    assert result.errors == []
    assert _parse_errors(result) == {("deep.json", 2, "invalid JSON: nested more than 1000 levels "
                                                      "deep (line 2)")}
    assert "PSC001" in {f.rule_id for f in result.findings if f.location.path == "pod.yaml"}


@pytest.mark.parametrize("values_file", ["values.yaml", "ci/deep-values.yaml"])
def test_helm_values_nested_5000_deep(plugins: Plugins, tmp_path: Path, values_file: str) -> None:
    deep = "x: 1\nnested: " + "[" * 5000 + "1" + "]" * 5000 + "\n"
    files = {"c/Chart.yaml": CHART, "c/templates/cm.yaml": CONFIGMAP, "pod.yaml": POD,
             "c/values.yaml": "x: 1\n", values_file.join(("c/", "")): deep}
    write(tmp_path, files)
    result, _ = scan(plugins, tmp_path)
    assert result.errors == []
    assert (f"c/{values_file}", 2, "invalid values file: nested more than 1000 levels deep "
            "(line 2)") in _parse_errors(result)
    assert "PSC001" in {f.rule_id for f in result.findings if f.location.path == "pod.yaml"}


@pytest.mark.parametrize(("text", "where"), [
    ("resources: 3\n", "resources"),
    ("bases: 3\n", "bases"),
    ("configMapGenerator: 3\n", "configMapGenerator"),
    ("secretGenerator: 3\n", "secretGenerator"),
    ("configMapGenerator:\n- name: x\n  files: 3\n", "configMapGenerator.0.files"),
    ("secretGenerator:\n- name: x\n  files: 3\n", "secretGenerator.0.files"),
    ("secretGenerator:\n- name: x\n  envs: {a: 1}\n", "secretGenerator.0.envs"),
])
def test_kustomization_fields_of_the_wrong_type(plugins: Plugins, tmp_path: Path, text: str,
                                                where: str) -> None:
    write(tmp_path, {"k/kustomization.yaml": text, "pod.yaml": POD})
    result, _ = scan(plugins, tmp_path)
    assert result.errors == []
    line = text.count("\n")
    message = f"invalid kustomization: {where}: Input should be a valid list"
    assert _parse_errors(result) == {("k/kustomization.yaml", line, message)}


def test_nesting_scanners_ignore_brackets_in_strings() -> None:
    assert json_too_deep('{"a": "' + "[" * 5000 + '"}') is None
    assert yaml_too_deep("a: '" + "{" * 5000 + "'\nb: \"" + "[" * 5000 + '"\n') is None
    assert yaml_too_deep("a:\n  b:\n    - c\n    - d\n") is None
    found = yaml_too_deep("".join(" " * i + "a:\n" for i in range(1200)))
    assert found is not None and (found.line, found.column) == (1001, 1001)
