"""A gate must not pass on a typo: each silent mistake is an error (exit 2) or a warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iacguard.cli import main

from helpers import write

NODEPORT = "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: NodePort\n"


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err


@pytest.mark.parametrize(("flag", "value", "suggestion"), [
    ("--select", "PSC02", "'PSC002'"),
    ("--ignore", "ingres", "'ingress'"),
    ("--select", "rbac-wildcrd", "'rbac-wildcard'"),
])
def test_unknown_policy_keys_fail_with_a_suggestion(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str,
        suggestion: str) -> None:
    write(tmp_path, {"svc.yaml": NODEPORT})
    assert main(["scan", str(tmp_path), flag, value]) == 2
    err = _err(capsys)
    assert f"unknown policy or category {value!r}" in err and f"did you mean {suggestion}?" in err


def test_unknown_policy_in_config_fails_with_a_suggestion(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"svc.yaml": NODEPORT, ".iacguard.yaml": "policies:\n  ING01: {enabled: false}\n"})
    assert main(["scan", str(tmp_path)]) == 2
    assert "unknown policy 'ING01' (did you mean 'ING001'?)" in _err(capsys)


def test_policy_keys_are_case_insensitive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"svc.yaml": NODEPORT})
    out = tmp_path / "r.json"
    assert main(["scan", str(tmp_path), "--select", "ing001", "-o", f"json={out}"]) == 1
    assert {f["rule_id"] for f in json.loads(out.read_text())["findings"]} == {"ING001"}
    assert main(["scan", str(tmp_path), "--ignore", "Ing001,ING003,lb001,ING007"]) == 0
    write(tmp_path, {".iacguard.yaml": "policies:\n  ing001: {enabled: false}\n"})
    assert main(["scan", str(tmp_path), "--select", "ING001"]) == 0
    capsys.readouterr()


def test_unknown_plugin_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"svc.yaml": NODEPORT})
    assert main(["--disable-plugin", "helmm", "scan", str(tmp_path)]) == 2
    err = _err(capsys)
    assert "no plugin 'helmm' (did you mean 'helm'?)" in err and "installed: catalogue," in err


def test_global_option_after_the_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"svc.yaml": NODEPORT})
    for argv in (["plugins", "--disable-plugin", "helm"], ["plugins", "--disable-plugin=helm"],
                 ["--disable-plugin", "helm", "plugins"]):
        assert main(argv) == 0
        listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()
                  if not line.startswith(" ")}
        assert "helm" not in listed and "kubernetes" in listed
    assert main(["scan", str(tmp_path), "--disable-plugin", "helm"]) == 1
    assert main(["scan", "--disable-plugin", "nope", str(tmp_path)]) == 2
    assert "no plugin 'nope'" in _err(capsys)


@pytest.mark.parametrize("files", [{}, {"README.md": "# docs\n"}, {"a/b/notes.txt": "x\n"}])
def test_nothing_to_scan_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     files: dict[str, str]) -> None:
    (tmp_path / "src").mkdir()
    write(tmp_path / "src", files)
    assert main(["scan", str(tmp_path / "src")]) == 2
    assert "nothing to scan in" in _err(capsys)
    assert main(["graph", str(tmp_path / "src")]) == 2
    assert "nothing to scan in" in _err(capsys)


def test_everything_excluded_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"deploy/svc.yaml": NODEPORT})
    assert main(["scan", str(tmp_path), "--exclude", "deploy/"]) == 2
    assert "1 paths were skipped by exclude patterns or .gitignore (deploy/" in _err(capsys)


def test_a_file_named_explicitly_that_no_loader_reads_is_a_finding(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"README.md": "# docs\n"})
    out = tmp_path / "r.json"
    assert main(["scan", str(tmp_path / "README.md"), "-o", f"json={out}"]) == 1
    assert [f["rule_id"] for f in json.loads(out.read_text())["findings"]] == ["PARSE001"]


def test_exclude_matching_nothing_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"svc.yaml": NODEPORT})
    assert main(["scan", str(tmp_path), "--exclude", "deploi/", "--no-fail"]) == 0
    assert "warning: exclude pattern 'deploi/' matched nothing under" in _err(capsys)


def _scanned(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path.parent / f"{tmp_path.name}-report.json"
    main(["scan", str(tmp_path), "--no-fail", "-o", f"json={out}", *args])
    return {f["location"]["path"] for f in json.loads(out.read_text())["findings"]}


@pytest.mark.parametrize("pattern", ["deploy/", "**/deploy", "./deploy", "deploy", "/deploy"])
def test_exclude_has_gitignore_semantics(tmp_path: Path, pattern: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"deploy/svc.yaml": NODEPORT, "app/svc.yaml": NODEPORT})
    assert _scanned(tmp_path, "--exclude", pattern) == {"app/svc.yaml"}
    assert "warning" not in _err(capsys)


def test_nested_exclude_patterns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"a/deploy/svc.yaml": NODEPORT, "deploy/svc.yaml": NODEPORT,
                     "b/svc.test.yaml": NODEPORT})
    assert _scanned(tmp_path, "--exclude", "**/deploy") == {"b/svc.test.yaml"}
    assert _scanned(tmp_path, "--exclude", "./deploy") == {"a/deploy/svc.yaml", "b/svc.test.yaml"}
    assert _scanned(tmp_path, "--exclude", "*.test.yaml") == {"a/deploy/svc.yaml", "deploy/svc.yaml"}
    capsys.readouterr()


def test_gitignore_is_honoured_unless_told_otherwise(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {".gitignore": "build/\n*.gen.yaml\n", "build/svc.yaml": NODEPORT,
                     "app/svc.yaml": NODEPORT, "app/x.gen.yaml": NODEPORT,
                     "app/.gitignore": "!x.gen.yaml\n", "app/sub/y.gen.yaml": NODEPORT})
    # The deeper .gitignore re-includes x.gen.yaml, as Git does.
    assert _scanned(tmp_path) == {"app/svc.yaml", "app/x.gen.yaml"}
    assert _scanned(tmp_path, "--no-gitignore") == {
        "app/svc.yaml", "app/x.gen.yaml", "app/sub/y.gen.yaml", "build/svc.yaml"}
    capsys.readouterr()


def test_gitignore_of_the_enclosing_repository(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {".git/HEAD": "ref: refs/heads/main\n", ".gitignore": "gen/\n",
                     "infra/gen/svc.yaml": NODEPORT, "infra/svc.yaml": NODEPORT})
    assert _scanned(tmp_path / "infra") == {"svc.yaml"}
    capsys.readouterr()


@pytest.mark.parametrize(("config", "expected"), [
    ("fail_on: severe\n", "invalid configuration in {cfg}: fail_on: unknown severity 'severe' "
                          "(one of: info, low, medium, high, critical)"),
    ("polices: {}\n", "invalid configuration in {cfg}: polices: unknown key (did you mean "
                      "'policies'?); allowed here: exclude, fail_on, gitignore, ignore, options, "
                      "policies, policy_dirs, scan_deadline_seconds, scopes, select, suppressions, "
                      "unit_budget_seconds, unknowns"),
    ("policies:\n  LB001: {severty: high}\n", "invalid configuration in {cfg}: "
     "policies.LB001.severty: unknown key (did you mean 'severity'?); allowed here: enabled, "
     "params, severity"),
    ("unknowns: maybe\n", "invalid configuration in {cfg}: unknowns: 'maybe' is not allowed "
                          "(one of: 'report', 'fail' or 'ignore')"),
    ("exclude: vendor\n", "invalid configuration in {cfg}: exclude: should be a valid list, "
                          "not 'vendor'"),
    ("- a\n- b\n", "config {cfg} must be a mapping of settings"),
])
def test_bad_configuration_reads_like_a_person_wrote_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, expected: str) -> None:
    write(tmp_path, {"svc.yaml": NODEPORT, ".iacguard.yaml": config})
    assert main(["scan", str(tmp_path)]) == 2
    err = _err(capsys)
    assert expected.format(cfg=tmp_path / ".iacguard.yaml") in err
    assert "pydantic" not in err and "http" not in err
