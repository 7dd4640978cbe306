"""The manifest loader: documents, lists, JSON, YAML 1.1, spans, broken and foreign files."""

from __future__ import annotations

from pathlib import Path

from iacguard_builtin.kubernetes.loader import load_file

from iacguard.config import Config
from iacguard.loading import LoadContext
from iacguard.plugin import Plugins

from helpers import marks, scan, write


def _load(tmp_path: Path, name: str, text: str | bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_file(path, LoadContext(root=tmp_path, config=Config()))


MULTI = """\
# leading comment
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
automountServiceAccountToken: no
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          securityContext:
            privileged: true
"""


def test_multi_document_spans_and_yaml11_booleans(tmp_path: Path) -> None:
    result = _load(tmp_path, "app.yaml", MULTI)
    assert result is not None and result.problems == []
    account, deployment = result.resources
    assert account.id == "k8s:app.yaml:ServiceAccount:-/app"
    assert account.body["automountServiceAccountToken"] is False  # YAML 1.1 "no"
    assert (account.origin.start_line, account.origin.end_line) == (2, 6)
    assert deployment.namespace == "shop"
    assert deployment.origin.start_line == 8
    span = deployment.span_for(("spec", "template", "spec", "containers", 0, "securityContext",
                                "privileged"))
    assert (span.start_line, span.precision) == (20, "exact")
    # A path that is not written falls back to its longest written prefix.
    missing = deployment.span_for(("spec", "template", "spec", "containers", 0, "resources"))
    assert missing.start_line == 17


def test_kind_list_items_become_resources(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: a}
    spec:
      type: NodePort
  - apiVersion: v1
    kind: Service
    metadata: {name: b}
"""
    result = _load(tmp_path, "list.yaml", text)
    assert result is not None
    assert [r.name for r in result.resources] == ["a", "b"]
    a = result.resources[0]
    assert a.span_for(("spec", "type")).start_line == 8
    assert a.origin.start_line == 4


def test_json_manifest_with_lines(tmp_path: Path) -> None:
    text = '{\n  "apiVersion": "v1",\n  "kind": "Service",\n  "metadata": {"name": "x"},\n' \
           '  "spec": {\n    "type": "LoadBalancer"\n  }\n}\n'
    result = _load(tmp_path, "svc.json", text)
    assert result is not None
    (service,) = result.resources
    assert service.span_for(("spec", "type")).start_line == 6


def test_foreign_files_are_not_claimed(tmp_path: Path) -> None:
    assert _load(tmp_path, "workflow.yml", "on:\n  push: {}\njobs: {}\n") is None
    assert _load(tmp_path, "package.json", '{"name": "x", "version": "1.0.0"}') is None
    assert _load(tmp_path, "Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n") is None
    kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
    assert _load(tmp_path, "kustomization.yaml", kustomization) is None
    assert _load(tmp_path, "notes.txt", "apiVersion: v1\nkind: Pod\n") is None


def test_broken_document_keeps_earlier_documents(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: [unclosed\n"
    result = _load(tmp_path, "mixed.yaml", text)
    assert result is not None
    assert [r.name for r in result.resources] == ["ok"]
    (problem,) = result.problems
    assert problem.span.start_line >= 5
    assert "invalid YAML" in problem.message


def test_utf16_and_undecodable_files(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: wide}\n"
    result = _load(tmp_path, "wide.yaml", text.encode("utf-16"))
    assert result is not None and [r.name for r in result.resources] == ["wide"]
    bad = _load(tmp_path, "bad.yaml", b"apiVersion: v1\nkind: \xff\xfe\xfa\n")
    assert bad is not None and "not UTF-8" in bad.problems[0].message


def test_alias_bomb_is_reported_not_expanded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + "\n".join(
        "  " + line for line in lines
    ) + "\n"
    result = _load(tmp_path, "bomb.yaml", text)
    assert result is not None and result.resources == []
    assert "nodes" in result.problems[0].message


def test_broken_file_does_not_lose_other_files(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {
        "a-broken.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n bad: indent\n",
        "b-good.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: NodePort\n",
    })
    result, _ = scan(plugins, tmp_path)
    assert ("b-good.yaml", 5, "ING001") in marks(result)
    broken = [f for f in result.findings if f.category == "parse-error"]
    assert [(f.location.path, f.location.start_line) for f in broken] == [("a-broken.yaml", 5)]
    assert result.errors == []
