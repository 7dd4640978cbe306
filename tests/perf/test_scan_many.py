"""`iacguard scan-many` on a real Dask LocalCluster: three repositories, one of which times
out (a chart whose template spins) and one of which is broken (its clone is missing)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from iacguard import cli

from helpers import alive, wait_for, write
from mixed_tree import mixed_tree

pytest.importorskip("distributed", reason="scan-many needs the iacguard[distributed] extra")

SPIN = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: spin}\ndata:\n"
        "  x: \"{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}\"\n")


def _marked(marker: str) -> list[int]:
    """Processes (other than this one) whose environment carries `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if marker.encode() in environ.split(b"\0") and alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def test_scan_many_streams_every_repository_and_merges(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Every process the run starts inherits this: none may outlive it (the timed-out scan's
    # Helm render worker, in a process group of its own, once spun on to its CPU limit).
    marker = f"IACGUARD_SCAN_MANY_TEST={uuid.uuid4()}"
    monkeypatch.setenv(*marker.split("=", 1))
    good = mixed_tree(tmp_path / "good")
    twin = mixed_tree(tmp_path / "twin")  # the same findings: merged once, with both repos
    slow = write(tmp_path / "slow", {"spin/Chart.yaml": "apiVersion: v2\nname: spin\nversion: 0.1.0\n",
                                     "spin/templates/cm.yaml": SPIN})
    missing = tmp_path / "missing"
    listing = tmp_path / "repos.txt"
    listing.write_text(f"{good}\n# a comment\n{slow}\n\n{missing}\n{twin}\n")
    jsonl, merged = tmp_path / "out.jsonl", tmp_path / "merged.json"
    code = cli.main(["scan-many", str(listing), "--jsonl", str(jsonl), "--merged", str(merged),
                     "--workers", "2", "--timeout", "12", "--max-pending", "2", "--retries", "0"])
    assert code == 1  # one timed out, one failed
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    by_repo = {r["repo"]: r for r in lines}
    assert len(lines) == 4
    assert {k: r["status"] for k, r in by_repo.items()} == {
        str(good): "findings", str(twin): "findings", str(slow): "timeout", str(missing): "error"}
    assert "no such file or directory" in by_repo[str(missing)]["message"]
    assert by_repo[str(good)]["findings"] and by_repo[str(good)]["summary"]
    report = json.loads(merged.read_text())
    assert report["statuses"] == {"error": 1, "findings": 2, "timeout": 1}
    assert [r["repo"] for r in report["repositories"]] == sorted(by_repo)
    fingerprints = {f["fingerprint"] for f in by_repo[str(good)]["findings"]}
    assert {f["fingerprint"] for f in report["findings"]} == fingerprints
    assert all(f["repos"] == sorted([str(good), str(twin)]) for f in report["findings"])
    if Path("/proc").is_dir():
        wait_for(lambda: not _marked(marker), "no process of the run is left", polls=200)
