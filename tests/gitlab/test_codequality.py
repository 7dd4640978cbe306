"""`--format gitlab`: the Code Quality report of a real scan, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from iacguard_builtin.gitlab import codequality

from iacguard.cli import main
from iacguard.config import build_config
from iacguard.engine import scan
from iacguard.model import ScanResult, Severity
from iacguard.plugin import Plugins
from iacguard.reporting import RenderOptions

CONTAINER = """\
        - name: {name}
          image: busybox:1.36
          securityContext:
            privileged: true{comment}
"""
HEAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
"""
IGNORE = "  # iacguard:ignore PSC001 debugging sidecar, removed before release"


def _repository(root: Path, padding: int = 0) -> Path:
    """A checkout (`.git` at its top) with the scanned directory one level down."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    infra = root / "infra"
    infra.mkdir(exist_ok=True)
    text = "# moved down\n" * padding + HEAD + "".join(
        CONTAINER.format(name=name, comment=comment)
        for name, comment in (("app", ""), ("sidecar", ""), ("debug", IGNORE)))
    (infra / "deploy.yaml").write_text(text, encoding="utf-8")
    return infra


def _report(directory: Path, out: Path, *rules: str) -> bytes:
    assert main(["scan", str(directory), "--select", ",".join(rules or ("PSC001",)),
                 "--format", "gitlab", "--output", str(out)]) == 1
    return out.read_bytes()


def test_exact_report_of_a_small_scan(tmp_path: Path) -> None:
    raw = _report(_repository(tmp_path / "repo"), tmp_path / "gl-code-quality-report.json")
    entry = {"check_name": "PSC001", "severity": "critical"}
    assert json.loads(raw) == [
        {**entry, "description": "PSC001: container app runs privileged (all capabilities and "
                                 "devices of the node)",
         "fingerprint": "64c81be8897b16c7f660b8c3dfec2dd2",
         "location": {"path": "infra/deploy.yaml", "lines": {"begin": 17}}},
        {**entry, "description": "PSC001: container sidecar runs privileged (all capabilities "
                                 "and devices of the node)",
         "fingerprint": "5f3358b75671a9f7bda2bea8690fc46f",
         "location": {"path": "infra/deploy.yaml", "lines": {"begin": 21}}},
    ]  # the suppressed `debug` container is left out
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.startswith(b"[\n  {\n    \"check_name\"")
    assert raw == _report(_repository(tmp_path / "repo"), tmp_path / "again.json")


def test_fingerprints_are_unique_and_survive_a_line_shift(tmp_path: Path) -> None:
    rules = ("PSC001", "PSC005", "PSC009")
    before = json.loads(_report(_repository(tmp_path / "a"), tmp_path / "a.json", *rules))
    after = json.loads(_report(_repository(tmp_path / "b", padding=3), tmp_path / "b.json", *rules))
    fingerprints = [e["fingerprint"] for e in before]
    assert len(fingerprints) == len(set(fingerprints)) == 8  # 3 rules x 3 containers, 1 ignored
    assert [e["fingerprint"] for e in after] == fingerprints
    assert [e["location"]["lines"]["begin"] for e in after] == \
        [e["location"]["lines"]["begin"] + 3 for e in before]


def _one_finding_result(plugins: Plugins, tmp_path: Path) -> ScanResult:
    directory = _repository(tmp_path / "repo")
    result, _ = scan(plugins, build_config({}, {"select": ["PSC001"]}), [directory])
    return result


def test_severities_map_onto_gitlabs_scale(plugins: Plugins, tmp_path: Path) -> None:
    result = _one_finding_result(plugins, tmp_path)
    first = result.findings[0]
    findings = [first.model_copy(update={"severity": s, "fingerprint": f"{int(s)}" * 32})
                for s in Severity]
    entries = codequality.entries(result.model_copy(update={"findings": findings}))
    assert [e["severity"] for e in entries] == ["info", "minor", "major", "critical", "blocker"]


def test_entries_that_would_repeat_a_fingerprint_are_told_apart(plugins: Plugins, tmp_path: Path) -> None:
    result = _one_finding_result(plugins, tmp_path)
    first = result.findings[0]
    moved = first.model_copy(update={"location": first.location.model_copy(update={"start_line": 40})})
    elsewhere = first.model_copy(update={"location": first.location.model_copy(
        update={"path": "overlays/prod/deploy.yaml"})})  # one rule, one resource, another file
    text = codequality.render(result.model_copy(update={"findings": [first, moved, elsewhere]}),
                              RenderOptions())
    entries = json.loads(text)
    assert [e["location"]["path"] for e in entries] == [
        "infra/deploy.yaml", "infra/deploy.yaml", "infra/overlays/prod/deploy.yaml"]
    assert len({e["fingerprint"] for e in entries}) == 3
    assert entries[0]["fingerprint"] == json.loads(codequality.render(result, RenderOptions())
                                                   )[0]["fingerprint"]


def test_long_messages_give_a_short_description(plugins: Plugins, tmp_path: Path) -> None:
    first = _one_finding_result(plugins, tmp_path).findings[0]
    sentence = "container app runs privileged."
    long = first.model_copy(update={"message": f"{sentence} " + "More detail follows. " * 30})
    assert codequality.description(long) == f"PSC001: {sentence}"
    run_on = first.model_copy(update={"message": "word " * 100})
    described = codequality.description(run_on)
    assert len(described) <= codequality.MAX_DESCRIPTION and described.endswith("word…")
