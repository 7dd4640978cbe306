"""`--format rdjson`: reviewdog's DiagnosticResult, exact output on a small synthetic result."""

from __future__ import annotations

import json
from pathlib import Path

from iacguard_builtin.reporters import rdjson_report
from synthetic import finding, repository, result

from iacguard.model import Location, Severity
from iacguard.reporting import RenderOptions

SOURCE = {"name": "iacguard", "url": "https://github.com/iacguard/iacguard"}
DOCS = "https://github.com/iacguard/iacguard/blob/main/docs/POLICIES.md"
LINE_3 = '  name: "é日本" # 𐐀x'  # 18 characters, 26 bytes


def _diagnostic(rule: str, severity: str, message: str, path: str, range_: dict,  # type: ignore[type-arg]
                **extra: object) -> dict:  # type: ignore[type-arg]
    return {"message": message, "severity": severity, "source": SOURCE,
            "code": {"value": rule, "url": f"{DOCS}#{rule.lower()}"},
            "location": {"path": path, "range": range_}, **extra}


def test_exact_output(tmp_path: Path) -> None:
    root = repository(tmp_path)
    (root / "k8s").mkdir()
    (root / "k8s" / "a.yaml").write_text(f"apiVersion: v1\r\nmetadata:\n{LINE_3}\n", encoding="utf-8")
    (tmp_path / "outside.yaml").write_text(f"{LINE_3}\n", encoding="utf-8")  # beyond the scan root
    findings = [
        # the quoted value: characters 9..14 (exclusive) are bytes 9..19
        finding("LB001", Severity.CRITICAL, path="k8s/a.yaml", line=3, col=9, end_col=14,
                message="@octocat <b>hi</b>",
                related=[Location(path="k8s/a.yaml", start_line=1, end_line=1, start_col=1, end_col=15),
                         Location(path="k8s/a.yaml", start_line=2, end_line=3, precision="block")]),
        # two lines, ending after the 4-byte character and the x
        finding("ING005", Severity.MEDIUM, path="k8s/a.yaml", line=2, end_line=3, col=1, end_col=19),
        finding("PSC005", Severity.LOW, path="k8s/a.yaml", line=3, col=3),  # no end column known
        finding("ENC001", Severity.INFO, path="k8s/a.yaml", line=2, end_line=3, col=1, end_col=2,
                precision="block"),
        finding("API001", Severity.HIGH, path="k8s/missing.yaml", line=4, col=2, end_col=5),
        finding("RBAC002", Severity.HIGH, path="../outside.yaml", line=1, col=9, end_col=14),
        finding("PSC002", Severity.HIGH, path="k8s/a.yaml", line=3, suppressed=True),
    ]
    text = rdjson_report.render(result(findings, root), RenderOptions())
    line_only = {"start": {"line": 3}, "end": {"line": 3}}
    assert json.loads(text) == {"source": SOURCE, "diagnostics": [
        _diagnostic("LB001", "ERROR", "title of LB001: @\u2060octocat \\<b\\>hi\\</b\\>",
                    "infra/k8s/a.yaml",
                    {"start": {"line": 3, "column": 9}, "end": {"line": 3, "column": 19}},
                    related_locations=[
                        {"message": "related: infra/k8s/a.yaml:1",
                         "location": {"path": "infra/k8s/a.yaml", "range": {
                             "start": {"line": 1, "column": 1}, "end": {"line": 1, "column": 15}}}},
                        {"message": "related: infra/k8s/a.yaml:2",
                         "location": {"path": "infra/k8s/a.yaml", "range": {
                             "start": {"line": 2}, "end": {"line": 3}}}}]),
        _diagnostic("ING005", "WARNING", "title of ING005: a message", "infra/k8s/a.yaml",
                    {"start": {"line": 2, "column": 1}, "end": {"line": 3, "column": 27}}),
        _diagnostic("PSC005", "INFO", "title of PSC005: a message", "infra/k8s/a.yaml", line_only),
        _diagnostic("ENC001", "INFO", "title of ENC001: a message", "infra/k8s/a.yaml",
                    {"start": {"line": 2}, "end": {"line": 3}}),
        _diagnostic("API001", "ERROR", "title of API001: a message", "infra/k8s/missing.yaml",
                    {"start": {"line": 4}, "end": {"line": 4}}),
        _diagnostic("RBAC002", "ERROR", "title of RBAC002: a message", "outside.yaml",
                    {"start": {"line": 1}, "end": {"line": 1}}),
    ]}
    assert text == rdjson_report.render(result(findings, root), RenderOptions())  # byte-identical


def test_columns_past_the_line_or_backwards_are_line_only(tmp_path: Path) -> None:
    root = repository(tmp_path, ".")
    (root / "a.yaml").write_text("kind: Service\n", encoding="utf-8")
    past = finding(path="a.yaml", line=1, col=3, end_col=40)  # the line has 13 characters
    backwards = finding(path="a.yaml", line=1, col=8, end_col=4)
    doc = json.loads(rdjson_report.render(result([past, backwards], root), RenderOptions()))
    assert [d["location"] for d in doc["diagnostics"]] == [
        {"path": "a.yaml", "range": {"start": {"line": 1}, "end": {"line": 1}}}] * 2


def test_outside_a_checkout_paths_stay_relative_to_the_scan_root(tmp_path: Path) -> None:
    doc = json.loads(rdjson_report.render(result([finding(path="k8s/a.yaml")], tmp_path),
                                          RenderOptions()))
    assert [d["location"]["path"] for d in doc["diagnostics"]] == ["k8s/a.yaml"]
