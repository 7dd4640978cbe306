"""Inline suppressions end to end: every placement, every input type, through the real CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from iacguard_builtin.kustomize.loader import build_command
from supp_helpers import SSH_RULE, by_rule, scan_json, states, write

from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.plugin import Plugins

SELECT = ("--select", "BAS001,PSC001")


def test_comment_above_a_terraform_block(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"main.tf": "# iacguard:ignore BAS001 bastion decommissioned "
                                     "in Q3, ticket OPS-9\n" + SSH_RULE})
    code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert code == 0
    assert states(report, "BAS001") == {("main.tf", 7, "inline")}
    (finding,) = by_rule(report, "BAS001")
    assert finding["suppression"] == {"kind": "inline", "path": "main.tf", "line": 1,
                                      "reason": "bastion decommissioned in Q3, ticket OPS-9",
                                      "rule": "BAS001"}
    assert report["summary"]["failing"] == 0 and report["summary"]["suppressed"] == {"inline": 1}


def test_comment_on_the_attribute_line_with_a_rule_name_and_hcl_slashes(tmp_path: Path) -> None:
    text = SSH_RULE.replace('cidr_blocks       = ["0.0.0.0/0"]',
                            'cidr_blocks       = ["0.0.0.0/0"] // iacguard:ignore '
                            'admin-port-open-to-world lab account')
    code, report = scan_json(tmp_path, str(write(tmp_path / "repo", {"main.tf": text})), *SELECT)
    assert code == 0 and states(report, "BAS001") == {("main.tf", 6, "inline")}


def test_a_category_suppresses_and_an_unrelated_comment_does_not(tmp_path: Path) -> None:
    text = ("# iacguard:ignore bastion-access lab account\n" + SSH_RULE
            + SSH_RULE.replace('"ssh"', '"other"'))
    code, report = scan_json(tmp_path, str(write(tmp_path / "repo", {"main.tf": text})), *SELECT)
    assert code == 1
    assert states(report, "BAS001") == {("main.tf", 7, "inline"), ("main.tf", 15, None)}


def test_a_directive_inside_a_string_or_heredoc_is_not_a_comment(tmp_path: Path) -> None:
    text = ('locals {\n  note = "# iacguard:ignore BAS001 not a comment"\n'
            '  doc = <<EOT\n# iacguard:ignore BAS001 heredoc text\nEOT\n}\n' + SSH_RULE)
    code, report = scan_json(tmp_path, str(write(tmp_path / "repo", {"main.tf": text})), *SELECT)
    assert code == 1 and states(report, "BAS001") == {("main.tf", 12, None)}


def test_one_instance_of_a_for_each(tmp_path: Path) -> None:
    text = '''# iacguard:ignore BAS001["lab"] lab network, isolated
resource "aws_security_group_rule" "ssh" {
  for_each          = toset(["lab", "prod"])
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = each.key
}
'''
    code, report = scan_json(tmp_path, str(write(tmp_path / "repo", {"main.tf": text})), *SELECT)
    assert code == 1
    found = {(f["resource"]["address"], f.get("suppression", {}).get("kind"))
             for f in by_rule(report, "BAS001")}
    assert found == {('aws_security_group_rule.ssh["lab"]', "inline"),
                     ('aws_security_group_rule.ssh["prod"]', None)}


def test_comment_above_a_module_call_applies_inside_the_module(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "main.tf": ('# iacguard:ignore BAS001 vendor module, exception SEC-4\n'
                    'module "net" {\n  source = "./modules/net"\n}\n\n'
                    'module "other" {\n  source = "./modules/net"\n}\n'),
        "modules/net/main.tf": SSH_RULE,
    })
    code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert code == 1
    found = {(f["resource"]["address"], f.get("suppression", {}).get("kind"))
             for f in by_rule(report, "BAS001")}
    assert found == {("module.net.aws_security_group_rule.ssh", "inline"),
                     ("module.other.aws_security_group_rule.ssh", None)}


POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
      securityContext:
        privileged: true
"""


def test_yaml_comment_on_the_field_and_above_the_resource(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "field.yaml": POD.replace("privileged: true", "privileged: true  # iacguard:ignore "
                                  "PSC001 node agent needs it"),
        "resource.yaml": "# iacguard:ignore pod-security debugging pod, removed by cron\n" + POD,
        "open.yaml": POD,
    })
    code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert code == 1
    assert states(report, "PSC001") == {("field.yaml", 10, "inline"),
                                        ("resource.yaml", 11, "inline"), ("open.yaml", 10, None)}


def test_a_directive_inside_a_block_scalar_is_data(tmp_path: Path) -> None:
    config_map = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: script\ndata:\n"
                  "  run.sh: |\n    # iacguard:ignore PSC001 inside a script\n    echo hi\n---\n")
    repo = write(tmp_path / "repo", {"pods.yaml": config_map + POD})
    code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert code == 1 and states(report, "PSC001") == {("pods.yaml", 19, None)}


def test_annotation_on_a_rendered_object(tmp_path: Path) -> None:
    annotated = POD.replace("  name: web\n", '  name: web\n  annotations:\n    iacguard.io/ignore: '
                            '"PSC001: GPU driver installer; unpinned-image: until=2999-01-01 '
                            'internal mirror"\n', 1)
    code, report = scan_json(tmp_path, str(write(tmp_path / "repo", {"pod.yaml": annotated})),
                             "--select", "PSC001,unpinned-image")
    assert code == 0
    (privileged,) = by_rule(report, "PSC001")
    assert privileged["suppression"] == {"kind": "annotation", "path": "pod.yaml", "line": 6,
                                         "reason": "GPU driver installer", "rule": "PSC001"}
    assert {f["suppression"]["expires"] for f in report["findings"]
            if f["rule_name"] == "unpinned-image"} == {"2999-01-01"}


CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    "chart/values.yaml": "privileged: true  # iacguard:ignore PSC001 kernel module loader\n"
                         "debug: true\n",
    "chart/templates/pod.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n"
        "  containers:\n    - name: web\n      image: nginx\n      securityContext:\n"
        "        privileged: {{ .Values.privileged }}\n"
        "{{- if .Values.debug }}\n---\n"
        "{{/* iacguard:ignore PSC001 debug pod only in dev */}}\n"
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-debug\nspec:\n"
        "  containers:\n    - name: debug\n      image: busybox\n      securityContext:\n"
        "        privileged: true\n{{- end }}\n"),
}


def test_helm_values_file_line_and_template_comment(tmp_path: Path) -> None:
    code, report = scan_json(tmp_path, str(write(tmp_path / "repo", CHART)), *SELECT)
    assert code == 0, report["findings"]
    found = {(f["location"]["path"], f["suppression"]["path"], f["suppression"]["line"])
             for f in by_rule(report, "PSC001")}
    assert found == {("chart/values.yaml", "chart/values.yaml", 1),
                     ("chart/templates/pod.yaml", "chart/templates/pod.yaml", 13)}


def test_kustomization_comment(tmp_path: Path) -> None:
    if build_command(Path(".")) is None:
        pytest.skip("neither kustomize nor kubectl is on PATH")
    repo = write(tmp_path / "repo", {
        "app/kustomization.yaml": "resources:\n  - pod.yaml\n",
        "app/pod.yaml": POD.replace("        privileged: true\n", "        # iacguard:ignore "
                                    "PSC001 storage driver\n        privileged: true\n"),
    })
    code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert code == 0 and {f.get("suppression", {}).get("kind")
                          for f in by_rule(report, "PSC001")} == {"inline"}


def test_reason_missing_and_expiry(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "a.tf": "# iacguard:ignore BAS001\n" + SSH_RULE,
        "b.tf": "# iacguard:ignore BAS001 until=2001-02-03 migration window\n"
                + SSH_RULE.replace('"ssh"', '"b"'),
        "c.tf": "# iacguard:ignore BAS001 until=2999-02-03 migration window\n"
                + SSH_RULE.replace('"ssh"', '"c"'),
        "d.tf": "# iacguard:ignore BAS01 typo in the rule\n" + SSH_RULE.replace('"ssh"', '"d"'),
    })
    code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert code == 1
    assert states(report, "BAS001") == {("a.tf", 7, None), ("b.tf", 7, None),
                                        ("c.tf", 7, "inline"), ("d.tf", 7, None)}
    assert {(f["location"]["path"], f["location"]["start_line"], f["message"])
            for f in by_rule(report, "SUP001")} == {
        ("a.tf", 1, "suppression has no reason (write the reason after the rule); "
                    "it does not suppress anything (BAS001)"),
        ("b.tf", 1, "suppression of BAS001 expired on 2001-02-03; it does not suppress "
                    "anything (BAS001)"),
        ("d.tf", 1, "suppression names no known policy, name or category: BAS01; it does "
                    "not suppress anything (BAS01)")}


def test_forbidden_inline_suppressions_and_an_allow_list(tmp_path: Path) -> None:
    files = {"main.tf": "# iacguard:ignore BAS001 lab\n" + SSH_RULE,
             "pod.yaml": "# iacguard:ignore PSC001 driver\n" + POD}
    repo = write(tmp_path / "repo", {**files, ".iacguard.yaml":
                                     "suppressions:\n  allow_inline_suppressions: false\n"})
    code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert code == 1
    assert {f.get("suppression") is None for f in report["findings"]
            if f["category"] != "suppressions"} == {True}
    assert {f["location"]["path"] for f in by_rule(report, "SUP001")} == {"main.tf", "pod.yaml"}
    write(repo, {".iacguard.yaml": "suppressions:\n  allow_inline_suppressions: [pod-security]\n"})
    code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert states(report, "BAS001") == {("main.tf", 7, None)}
    assert states(report, "PSC001") == {("pod.yaml", 11, "inline")}
    assert {f["message"] for f in by_rule(report, "SUP001")} == {
        "BAS001 may not be suppressed inline (allowed: pod-security); it does not suppress "
        "anything (BAS001)"}


def test_org_config_cannot_be_loosened_by_the_repository(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    org = write(tmp_path / "org", {"org.yaml": "fail_on: medium\nsuppressions:\n"
                                   "  allow_inline_suppressions: false\n"}) / "org.yaml"
    repo = write(tmp_path / "repo", {
        "main.tf": "# iacguard:ignore BAS001 lab\n" + SSH_RULE,
        ".iacguard.yaml": "fail_on: critical\nsuppressions:\n  allow_inline_suppressions: true\n",
    })
    code, report = scan_json(tmp_path, str(repo), *SELECT, "--org-config", str(org))
    assert code == 1 and report["summary"]["fail_on"] == "medium"
    assert states(report, "BAS001") == {("main.tf", 7, None)}
    with monkeypatch.context() as env:
        env.setenv("IACGUARD_ORG_CONFIG", str(org))
        code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert code == 1 and states(report, "BAS001") == {("main.tf", 7, None)}
    code, report = scan_json(tmp_path, str(repo), *SELECT)  # without the org config
    assert code == 0 and states(report, "BAS001") == {("main.tf", 7, "inline")}


def test_required_expiry_and_maximum_lifetime(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        "a.tf": "# iacguard:ignore BAS001 lab\n" + SSH_RULE,
        "b.tf": "# iacguard:ignore BAS001 until=2999-01-01 lab\n" + SSH_RULE.replace('"ssh"', '"b"'),
        ".iacguard.yaml": "suppressions:\n  require_expiry: true\n  max_suppression_days: 90\n",
    })
    code, report = scan_json(tmp_path, str(repo), *SELECT)
    assert code == 1 and states(report, "BAS001") == {("a.tf", 7, None), ("b.tf", 7, None)}
    messages = {f["location"]["path"]: f["message"].split(";")[0] for f in by_rule(report, "SUP001")}
    assert set(messages) == {"a.tf", "b.tf"}
    assert messages["a.tf"] == ("suppression needs an expiry (until=YYYY-MM-DD) by the "
                                "configuration's rules")
    # the day count depends on the date of the run; 2999 is always beyond 90 days
    assert messages["b.tf"].startswith("suppression expires in ")
    assert messages["b.tf"].endswith("days, more than the 90 the configuration's rules allow")


def test_unused_suppressions_are_reported_when_asked_and_can_fail(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"main.tf": "# iacguard:ignore PSC001 nothing here\n" + SSH_RULE})
    code, report = scan_json(tmp_path, str(repo), "--select", "PSC001")
    assert code == 0 and by_rule(report, "SUP002") == []
    code, report = scan_json(tmp_path, str(repo), "--select", "PSC001",
                             "--report-unused-suppressions")
    assert code == 1
    assert [(f["location"]["path"], f["location"]["start_line"], f["message"])
            for f in by_rule(report, "SUP002")] == [
        ("main.tf", 1, "suppression of PSC001 matched no finding")]


@pytest.mark.parametrize(("today", "kind"), [("2029-12-31", "inline"), ("2030-01-01", None)])
def test_expiry_is_judged_by_the_session_date(tmp_path: Path, plugins: Plugins, today: str,
                                              kind: str | None) -> None:
    repo = write(tmp_path / "repo", {"main.tf": "# iacguard:ignore BAS001 until=2029-12-31 "
                                     "window\n" + SSH_RULE})
    session = open_session(plugins, build_config({}, {"select": ["BAS001"]}), [repo])
    session.today = dt.date.fromisoformat(today)
    session.load([repo])
    result, _ = session.check()
    found = {(f.rule_id, f.suppression.kind if f.suppression else None) for f in result.findings}
    expired = {("SUP001", None)} if kind is None else set()
    assert found == {("BAS001", kind), *expired}
