"""`iacguard graph`: JSON, DOT and a self-contained HTML page (checked in Chromium if present)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from iacguard.cli import main

from helpers import write

MANIFESTS = {
    "app.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
    - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: "x</script><script>alert(1)</script>"
""",
}


def _graph(tmp_path: Path, fmt: str) -> str:
    root = write(tmp_path / "src", MANIFESTS)
    out = tmp_path / f"graph.{fmt}"
    assert main(["graph", str(root), "--format", fmt, "--output", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_json_has_nodes_edges_findings_and_is_deterministic(tmp_path: Path) -> None:
    first = _graph(tmp_path, "json")
    assert _graph(tmp_path, "json") == first
    data = json.loads(first)
    ids = [n["id"] for n in data["nodes"]]
    assert ids == sorted(ids) and len(ids) == 3
    service = next(n for n in data["nodes"] if n["kind"] == "Service")
    assert service["location"] == "app.yaml:16" and service["format"] == "kubernetes"
    deployment = next(n for n in data["nodes"] if n["kind"] == "Deployment")
    assert data["edges"] == [{"source": service["id"], "target": deployment["id"], "kind": "selects"}]
    rules = {data["findings"][i]["rule_id"] for i in service["findings"]}
    assert "LB001" in rules
    assert all(data["findings"][i]["resource"] == service["id"] for i in service["findings"])


def test_dot_is_valid_graphviz(tmp_path: Path) -> None:
    text = _graph(tmp_path, "dot")
    assert text.startswith("digraph iacguard {") and text.rstrip().endswith("}")
    assert '[label="selects"]' in text and 'color="#d62728"' in text
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("graphviz `dot` not installed: syntax checked by shape only")
    proc = subprocess.run([dot, "-Tsvg"], input=text.encode(), capture_output=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"<svg" in proc.stdout


def test_html_is_self_contained(tmp_path: Path) -> None:
    page = _graph(tmp_path, "html")
    # Nothing is fetched: no external script, style, font or image.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(http" not in page
    # The data is inlined, and a value cannot close the script element early.
    assert page.count("</script>") == 3
    assert "<\\/script><script>alert(1)<\\/script>" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CORPUS_K8S = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "k8s"
STATUS = re.compile(r'<div id="status" hidden="" ([^>]*)>')


def _chromium(page: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--window-size=1400,900", "--virtual-time-budget=20000", *extra, page.as_uri()],
        capture_output=True, timeout=600, check=False,
    )


def _drawn(dom: str) -> dict[str, str]:
    """What the page reports it drew (`#status`'s data attributes)."""
    match = STATUS.search(dom)
    assert match, dom[-2000:]
    return dict(re.findall(r'data-([a-z]+)="([^"]*)"', match.group(1)))


def _assert_visible(status: dict[str, str]) -> None:
    assert "NaN" not in " ".join(status.values())
    x, y, w, h = (float(v) for v in status["bbox"].split())
    vw, vh = (float(v) for v in status["viewport"].split())
    assert w > 0 and h > 0 and vw > 0 and vh > 0
    # Fitted: the drawing overlaps the viewport and is not a dot in a corner.
    assert x < vw and y < vh and x + w > 0 and y + h > 0 and max(w / vw, h / vh) > 0.3


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)")
def test_html_draws_in_headless_chromium(tmp_path: Path) -> None:
    # The drawing is cytoscape.js on a canvas: the page reports what it drew.
    page = tmp_path / "graph.html"
    page.write_text(_graph(tmp_path, "html"), encoding="utf-8")
    proc = _chromium(page, "--dump-dom")
    dom = proc.stdout.decode("utf-8", "replace")
    status = _drawn(dom)
    # Findings first: the Service (LB001) and its neighbour, not the ConfigMap; one scope.
    assert status["drawn"] == "2" and status["groups"] == "1", proc.stderr.decode()[-2000:]
    _assert_visible(status)
    assert "3 resources, 1 edges" in dom and "findings first: showing 2 of 3" in dom


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)")
@pytest.mark.skipif(not CORPUS_K8S.is_dir(), reason="the shared k8s corpus is not here")
def test_html_draws_the_whole_k8s_corpus(tmp_path: Path) -> None:
    page = tmp_path / "corpus.html"
    data_file = tmp_path / "corpus.json"
    assert main(["graph", str(CORPUS_K8S), "--format", "html", "--output", str(page)]) in (0, 2)
    assert main(["graph", str(CORPUS_K8S), "--format", "json", "--output", str(data_file)]) in (0, 2)
    data = json.loads(data_file.read_text())
    with_findings = {n["id"] for n in data["nodes"] if n["findings"]}
    assert len(data["nodes"]) > 1000 and with_findings
    shot = tmp_path / "corpus.png"
    dom = _chromium(page, "--dump-dom", f"--screenshot={shot}").stdout.decode("utf-8", "replace")
    status = _drawn(dom)
    _assert_visible(status)
    # Findings first: every resource with findings is drawn, not all of them.
    assert len(with_findings) <= int(status["drawn"]) < len(data["nodes"])
    scopes = {n.get("scope") for n in data["nodes"] if n["id"] in with_findings}
    assert int(status["groups"]) >= len(scopes)
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_graph_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(tmp_path / "missing")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["graph", str(tmp_path), "--format", "png"]) == 2
