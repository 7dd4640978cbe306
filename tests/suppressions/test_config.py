"""Configuration: discovery, precedence, org floors, readable errors, schema, `config show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from supp_helpers import SSH_RULE, scan_json, write

from iacguard.cli import main
from iacguard.config import config_schema, find_config_file
from iacguard.config_layers import effective_config

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "config.schema.json"


def test_discovery_goes_up_to_the_repository_root_and_no_further(tmp_path: Path) -> None:
    write(tmp_path, {".iacguard.yaml": "fail_on: high\n"})  # above the repository: never read
    repo = write(tmp_path / "repo", {"pyproject.toml": "[tool.iacguard]\nfail_on = 'medium'\n",
                                     "infra/prod/main.tf": SSH_RULE})
    (repo / ".git").mkdir()
    assert find_config_file(repo / "infra" / "prod") == repo / "pyproject.toml"
    write(repo, {"infra/.iacguard.yml": "fail_on: critical\n"})
    assert find_config_file(repo / "infra" / "prod") == repo / "infra" / ".iacguard.yml"
    outside = write(tmp_path / "loose", {"a/main.tf": SSH_RULE, ".iacguard.yaml": "fail_on: info\n"})
    assert find_config_file(outside / "a") is None  # no repository: only the scanned directory
    write(repo, {"other/pyproject.toml": "[project]\nname = 'x'\n"})  # no [tool.iacguard]
    assert find_config_file(repo / "other") == repo / "pyproject.toml"


def test_precedence_org_then_repository_then_command_line(tmp_path: Path) -> None:
    org = write(tmp_path, {"org.yaml": "unknowns: fail\nexclude: ['vendor/**']\n"
                           "policies:\n  BAS001: {severity: critical}\n"}) / "org.yaml"
    repo = write(tmp_path / "repo", {".iacguard.yaml": "unknowns: ignore\n"
                                     "policies:\n  LB001: {enabled: false}\n"})
    effective = effective_config(repo, org_file=org, overrides={"unknowns": "report"})
    config = effective.config
    assert (config.unknowns, config.exclude, sorted(config.policies)) == (
        "report", ["vendor/**"], ["BAS001", "LB001"])
    assert effective.sources == {"exclude": f"org config {org}", "unknowns": "command line",
                                 "policies.BAS001": f"org config {org}",
                                 "policies.LB001": f"config {repo / '.iacguard.yaml'}"}


def test_config_show_names_where_each_value_came_from(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    org = write(tmp_path, {"org.yaml": "suppressions:\n  require_expiry: true\n"}) / "org.yaml"
    repo = write(tmp_path / "repo", {".iacguard.yaml": "fail_on: high\nsuppressions:\n"
                                     "  require_expiry: false\n"})
    assert main(["config", "show", str(repo), "--org-config", str(org)]) == 0
    lines = {line.split(":", 1)[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["fail_on"].endswith(f'"high"    # config {repo / ".iacguard.yaml"}')
    assert lines["suppressions.require_expiry"].endswith(
        f"true    # org config {org} (a floor: not loosened)")
    assert lines["unknowns"].endswith('"report"    # default')


@pytest.mark.parametrize(("text", "expected"), [
    ("fail_on: severe\n", "fail_on: unknown severity 'severe' (one of: info, low, medium, high, "
                          "critical)"),
    ("suppressions:\n  max_suppression_days: 0\n",
     "suppressions.max_suppression_days: should be greater than or equal to 1, not 0"),
    ("polices: {}\n", "polices: unknown key (did you mean 'policies'?)"),
])
def test_bad_config_is_exit_2_with_file_key_and_problem(tmp_path: Path, text: str, expected: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    repo = write(tmp_path / "repo", {"main.tf": SSH_RULE, ".iacguard.yaml": text})
    assert main(["scan", str(repo)]) == 2
    err = capsys.readouterr().err
    assert f"{repo / '.iacguard.yaml'}: {expected}" in err
    assert "https://errors.pydantic.dev" not in err


def test_bad_policy_parameter_is_exit_2_naming_the_policy_and_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = write(tmp_path / "repo", {"main.tf": SSH_RULE, ".iacguard.yaml":
                                     "policies:\n  public-load-balancer-service:\n    params:\n"
                                     "      public_entry_points: 7\n"})
    assert main(["scan", str(repo)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [
        "iacguard: error: invalid configuration: params of public-load-balancer-service (LB001):",
        "key policies.public-load-balancer-service.params.public_entry_points: "
        "Input should be a valid list"]


def test_explain_shows_the_effective_parameters(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {".iacguard.yaml": "policies:\n  LB001:\n    params:\n"
                     "      public_entry_points: [shop/web]\n"})
    monkeypatch.chdir(tmp_path)
    assert main(["explain", "LB001", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "- `public_entry_points`: `['shop/web']` (default `[]`)" in out.splitlines()


def test_repository_fail_on_cannot_be_loosened_below_the_org(tmp_path: Path) -> None:
    org = write(tmp_path, {"org.yaml": "fail_on: high\n"}) / "org.yaml"
    repo = write(tmp_path / "repo", {"main.tf": SSH_RULE, ".iacguard.yaml": "fail_on: low\n"})
    assert effective_config(repo, org_file=org).config.fail_on.label == "low"  # stricter: kept
    write(repo, {".iacguard.yaml": "fail_on: critical\n"})
    code, report = scan_json(tmp_path, str(repo), "--org-config", str(org))
    assert code == 1 and report["summary"]["fail_on"] == "high"


def test_committed_schema_is_current_and_names_the_rules() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == config_schema(), (
        "regenerate with: iacguard config schema > docs/config.schema.json")
    rules = config_schema()["$defs"]["SuppressionRules"]["properties"]
    assert set(rules) == {"allow_inline_suppressions", "require_expiry", "max_suppression_days",
                          "report_unused"}
