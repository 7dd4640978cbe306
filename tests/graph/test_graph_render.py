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


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (the page is checked by hand)")
def test_html_draws_in_headless_chromium(tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    page.write_text(_graph(tmp_path, "html"), encoding="utf-8")
    assert CHROMIUM is not None
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )
    dom = proc.stdout.decode("utf-8", "replace")
    # The script ran: circles for both resources, the edge label, and the summary line.
    assert dom.count("<circle") == 3, proc.stderr.decode()[-2000:]
    assert ">selects</text>" in dom
    assert "3 resources, 1 edges" in dom


def test_graph_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(tmp_path / "missing")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["graph", str(tmp_path), "--format", "png"]) == 2
