"""Check templates and custom policy packs: a pack from a temp dir runs its fixtures, and a
malformed pack is refused at start-up with the file, the key and what is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from iacguard import policies
from iacguard.cli import main
from iacguard.config import Config
from iacguard.engine import open_session
from iacguard.errors import PolicyDefinitionError
from iacguard.plugin import Plugins
from iacguard.testing import check_fixture, fixtures, run_fixture

REPO = Path(__file__).resolve().parents[1]
PACK = REPO / "examples" / "policy-pack"

POLICY = """\
id: ACME009
name: no-host-network
category: pod-security
severity: high
title: Pod on the host network
template: attribute
applies_to: [Deployment]
params:
  rules:
    - target: pod
      path: hostNetwork
      default: false
      fail: {equals: true}
      message: "{resource} runs on the host network: {setting}"
rationale: Host networking bypasses NetworkPolicy.
remediation: Remove hostNetwork.
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: %s
      containers: [{name: web, image: nginx}]
"""


def _pack(tmp_path: Path, policy: str = POLICY) -> Path:
    folder = tmp_path / "pack" / "pod-security" / "no-host-network"
    (folder / "fail").mkdir(parents=True)
    (folder / "pass").mkdir()
    (folder / "policy.yaml").write_text(policy)
    (folder / "fail" / "d.yaml").write_text(DEPLOYMENT % "true # expect: ACME009")
    (folder / "pass" / "d.yaml").write_text(DEPLOYMENT % "false")
    return tmp_path / "pack"


def test_a_custom_pack_runs_its_fixtures(plugins: Plugins, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    session = open_session(plugins, Config(policy_dirs=[str(pack)]), [])
    custom = [p for p in session.catalogue if p.id == "ACME009"]
    runs = [check_fixture(plugins, f, [pack]) for f in fixtures(custom)]
    assert {(r.fixture.outcome, r.passed) for r in runs} == {("pass", True), ("fail", True)}
    fail = next(f for f in fixtures(custom) if f.outcome == "fail")
    assert [f.message for f in run_fixture(plugins, fail, [pack])] == [
        "Deployment web runs on the host network: hostNetwork = true (literal)"]


def test_test_policies_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test-policies", str(_pack(tmp_path))]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 policies, 2 fixtures, 0 failed"
    # A fail fixture whose mark the policy does not produce fails the run.
    pack = tmp_path / "pack"
    (pack / "pod-security/no-host-network/fail/d.yaml").write_text(
        DEPLOYMENT % "false # expect: ACME009")
    assert main(["test-policies", str(pack)]) == 1
    assert "expected ACME009 at d.yaml:9, not reported" in capsys.readouterr().out


def test_the_example_pack_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test-policies", str(PACK)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 policies, 4 fixtures, 0 failed"


@pytest.mark.parametrize(("change", "problem"), [
    (("fail: {equals: true}", "fail: {equals: true, set: true}"),
     "params.rules.0.fail: Value error, give exactly one of"),
    (("message: \"{resource}", "message: \"{resuorce}"),
     "unknown placeholder(s) resuorce"),
    (("template: attribute", "template: atribute"),
     "template: 'atribute' is no check template (one of: attribute, cidr, port-exposure, related)"),
    (("      path: hostNetwork\n", "      path: hostNetwork\n      kinds: [Service]\n"),
     "kinds: Service not in the policy's applies_to"),
    (("      default: false\n", "      default: false\n      colour: red\n"),
     "params.rules.0.colour: Extra inputs are not permitted"),
])
def test_a_malformed_pack_is_refused_precisely(plugins: Plugins, tmp_path: Path,
                                               change: tuple[str, str], problem: str) -> None:
    pack = _pack(tmp_path, POLICY.replace(*change))
    with pytest.raises(PolicyDefinitionError) as caught:
        open_session(plugins, Config(policy_dirs=[str(pack)]), [])
    text = str(caught.value)
    assert str(pack / "pod-security/no-host-network/policy.yaml") in text
    assert problem in text


def test_catalogue_files_are_parsed_once_and_edits_are_seen(plugins: Plugins, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []

    class CountingYAML(policies.YAML):
        def load(self, stream: Any) -> Any:
            parsed.append(stream)
            return super().load(stream)

    monkeypatch.setattr(policies, "YAML", CountingYAML)
    policies._parsed.cache_clear()
    pack = _pack(tmp_path)
    first = open_session(plugins, Config(policy_dirs=[str(pack)]), [])
    files = len(parsed)
    assert files == len(set(parsed)) >= len(first.catalogue)  # each text once
    again = open_session(plugins, Config(policy_dirs=[str(pack)]), [])
    assert len(parsed) == files  # nothing parsed again
    assert again.catalogue == first.catalogue
    # A session gets its own copy: what one caller changes, the next does not see.
    mine = next(p for p in first.catalogue if p.id == "ACME009")
    mine.params["rules"].clear()
    (pack / "pod-security/no-host-network/policy.yaml").write_text(
        POLICY.replace("title: Pod on the host network", "title: Pod on the node's network"))
    edited = next(p for p in open_session(plugins, Config(policy_dirs=[str(pack)]), []).catalogue
                  if p.id == "ACME009")
    assert len(parsed) == files + 1  # the edited file only
    assert edited.title == "Pod on the node's network" and len(edited.params["rules"]) == 1


def test_a_misplaced_policy_file_is_refused(plugins: Plugins, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    shutil.copy(pack / "pod-security/no-host-network/policy.yaml", pack / "policy.yaml")
    with pytest.raises(PolicyDefinitionError, match=r"must be at <category>/<name>/policy\.yaml"):
        open_session(plugins, Config(policy_dirs=[str(pack)]), [])


def test_policy_dirs_in_config_are_relative_to_it(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _pack(tmp_path)
    scanned = tmp_path / "app"
    scanned.mkdir()
    (scanned / "d.yaml").write_text(DEPLOYMENT % "true")
    (scanned / ".iacguard.yaml").write_text("policy_dirs: [../pack]\nselect: [ACME009]\n")
    assert main(["scan", str(scanned), "-f", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule_id"], f["location"]["start_line"]) for f in found] == [("ACME009", 9)]


def test_policies_json_and_pages_include_custom_packs(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    pack = _pack(tmp_path)
    assert main(["policies", "--policy-dir", str(pack), "--format", "json"]) == 0
    policies = {p["id"]: p for p in json.loads(capsys.readouterr().out)["policies"]}
    assert policies["ACME009"]["template"] == "attribute"
    assert policies["NETP001"]["check"] == "workload-without-network-policy"
    assert main(["policies", "--policy-dir", str(pack), "--pages", str(tmp_path / "d")]) == 0
    page = (tmp_path / "d" / "ACME009.md").read_text()
    assert page.startswith("# ACME009\n") and "By the template `attribute`, on `Deployment`." in page
    assert "[ACME009](ACME009.md)" in (tmp_path / "d" / "README.md").read_text()


def test_every_finding_is_on_a_kind_its_policy_declares(plugins: Plugins) -> None:
    """`applies_to` drives dispatch, so it must name every kind a check reports on."""
    session = open_session(plugins, Config(), [])
    wrong = set()
    for fixture in fixtures(session.catalogue):
        kinds = fixture.policy.kinds
        if fixture.outcome != "fail" or kinds is None or fixture.policy.category == "parse-error":
            continue
        for finding in run_fixture(plugins, fixture):
            if finding.rule_id == fixture.policy.id and finding.resource.kind not in kinds:
                wrong.add((fixture.policy.id, finding.resource.kind))
    assert wrong == set()


def test_policy_pages_are_current(tmp_path: Path) -> None:
    assert main(["policies", "--pages", str(tmp_path)]) == 0
    committed = REPO / "docs" / "policies"
    names = sorted(p.name for p in committed.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir()), "iacguard policies --pages docs/policies"
    for name in names:
        assert (committed / name).read_text() == (tmp_path / name).read_text(), name
