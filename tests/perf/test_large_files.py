"""Budgets of a large manifest bundle, counted (never timed): spans are built only for the
pointers a finding uses, a `kind: List` is split in one pass, every file's relative path is
computed once, findings share their resource reference, and the collector settings of a
one-shot scan are undone when it ends. `benchmarks/large_files.py` measures the time."""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path

import pytest
from iacguard_builtin.kubernetes import yamlsource
from iacguard_builtin.kubernetes.loader import load_file

from iacguard import collector
from iacguard.config import Config
from iacguard.loading import LoadContext
from iacguard.model import SourceMap
from iacguard.plugin import Plugins

from helpers import scan

DEPLOYMENT = """\
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{n}
  namespace: ns
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/app:{n}
"""
DOCUMENTS = 60


def _bundle(tmp_path: Path, documents: int = DOCUMENTS) -> Path:
    path = tmp_path / "bundle.yaml"
    path.write_text("".join(DEPLOYMENT.format(n=n) for n in range(documents)), encoding="utf-8")
    return path


@pytest.fixture
def spans_built(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many spans `SourceMap`s have built, by pointer."""
    built: Counter[str] = Counter()
    original = SourceMap.__getitem__

    def counting(self: SourceMap, ptr: str):  # type: ignore[no-untyped-def]
        built[ptr] += 1
        return original(self, ptr)

    monkeypatch.setattr(SourceMap, "__getitem__", counting)
    monkeypatch.setattr(SourceMap, "get",
                        lambda self, ptr, default=None: counting(self, ptr) if ptr in self else default)
    return built


def test_loading_builds_no_span(tmp_path: Path, spans_built: Counter[str]) -> None:
    result = load_file(_bundle(tmp_path), LoadContext(root=tmp_path, config=Config()))
    assert result is not None and len(result.resources) == DOCUMENTS
    assert sum(spans_built.values()) == 0  # only the packed positions exist
    last = result.resources[-1]
    assert isinstance(last.source_map, SourceMap) and len(last.source_map) == 12
    span = last.span_for(("spec", "template", "spec", "containers", 0, "image"))
    # a missing field: the longest written prefix, one span built for it alone
    missing = last.span_for(("spec", "template", "spec", "containers", 0, "resources"))
    start = 1 + (DOCUMENTS - 1) * 12
    assert (span.start_line, span.end_line, span.start_col) == (start + 11, start + 11, 11)
    assert (missing.start_line, missing.end_line) == (start + 10, start + 11)
    assert dict(spans_built) == {"spec/template/spec/containers/0/image": 1,
                                 "spec/template/spec/containers/0": 1}


def test_findings_build_one_span_each_and_share_their_resource(
        plugins: Plugins, tmp_path: Path, spans_built: Counter[str]) -> None:
    _bundle(tmp_path)
    result, _ = scan(plugins, tmp_path)
    findings = [f for f in result.findings if f.resource.kind == "Deployment"]
    assert len(findings) >= 4 * DOCUMENTS
    # No suppression directive anywhere: no span is looked up for one.
    assert sum(spans_built.values()) <= len(findings)
    per_resource: dict[str, set[int]] = {}
    for finding in findings:
        per_resource.setdefault(finding.resource.id, set()).add(id(finding.resource))
    assert len(per_resource) == DOCUMENTS
    assert all(len(refs) == 1 for refs in per_resource.values())
    assert len({id(f.location) for f in findings}) < len(findings)  # equal places shared


def test_relative_paths_are_computed_once_per_file(
        plugins: Plugins, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _bundle(tmp_path)
    calls: Counter[str] = Counter()
    original = LoadContext.relpath

    def counting(self: LoadContext, path: Path) -> str:
        calls[str(path)] += 1
        return original(self, path)

    monkeypatch.setattr(LoadContext, "relpath", counting)
    result, _ = scan(plugins, tmp_path)
    assert len(result.findings) >= 4 * DOCUMENTS
    assert calls[str(tmp_path / "bundle.yaml")] <= 4  # the loader's id prefix, the report


def test_a_list_is_split_in_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = 300
    text = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        f"  - apiVersion: v1\n    kind: Service\n    metadata: {{name: s{n}}}\n"
        f"    spec:\n      type: NodePort\n" for n in range(items))
    path = tmp_path / "list.yaml"
    path.write_text(text, encoding="utf-8")
    splits: Counter[str] = Counter()
    original = SourceMap.children

    def counting(self: SourceMap, prefix: str) -> dict[str, SourceMap]:
        splits[prefix] += 1
        return original(self, prefix)

    monkeypatch.setattr(SourceMap, "children", counting)
    result = load_file(path, LoadContext(root=tmp_path, config=Config()))
    assert result is not None and len(result.resources) == items
    assert splits == Counter({"items": 1})
    last = result.resources[-1]
    assert last.span_for(("spec", "type")).start_line == 3 + 5 * (items - 1) + 5
    assert sorted(last.source_map) == ["apiVersion", "kind", "metadata", "metadata/name",
                                       "spec", "spec/type"]


def test_aliases_are_counted_only_where_an_anchor_is(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[int] = []
    original = yamlsource.expanded_size

    def counting(node, memo=None):  # type: ignore[no-untyped-def]
        counted.append(1)
        return original(node, memo)

    monkeypatch.setattr(yamlsource, "expanded_size", counting)
    plain = "".join(DEPLOYMENT.format(n=n) for n in range(20))
    assert len(list(yamlsource.parse_documents(plain, "f.yaml"))) == 20
    assert counted == []
    anchored = "a: &x [1, 2]\nb: *x\n"
    (doc,) = yamlsource.parse_documents(anchored, "f.yaml")
    assert isinstance(doc, yamlsource.Document) and doc.data == {"a": [1, 2], "b": [1, 2]}
    assert counted  # an anchor: the expansion is bounded before converting


def test_source_map_positions() -> None:
    smap = SourceMap("/r/f.yaml", "block")
    smap.add("a/b", 3, 5, 7, 1)
    assert smap["a/b"].model_dump() == {"file": "/r/f.yaml", "start_line": 3, "start_col": 5,
                                        "end_line": 7, "end_col": 1, "precision": "block"}
    assert smap.get("a") is None and "a/b" in smap and list(smap) == ["a/b"]
    assert smap == {"a/b": smap["a/b"]}  # a mapping like the dict it stands for
    with pytest.raises(ValueError, match="out of range"):
        smap.add("c", 1 << 32, 1, 1, 1)


def test_batch_collection_is_undone() -> None:
    before = gc.get_threshold()
    with collector.batch() as collection:
        assert gc.get_threshold()[0] == collector.BATCH_GEN0_THRESHOLD
        kept = [[n] for n in range(100)]
        collection.settle()
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_paused_collection_is_undone_and_collects_what_the_body_left_when_asked() -> None:
    started: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    threshold = gc.get_threshold()
    gc.set_threshold(10, *threshold[1:])  # any allocation would start collections
    gc.callbacks.append(note)
    try:
        with collector.paused(collect_young=True):
            assert not gc.isenabled()
            started.clear()  # entering the `with` allocates before the pause
            for _ in range(1000):  # cyclic garbage, as an edit leaves
                cycle: list[object] = []
                cycle.append(cycle)
            assert started == []
        assert started == [1]  # one pass over the young generations, at the end
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(note)
        gc.set_threshold(*threshold)
    gc.disable()
    try:
        gc.collect(1)
        with collector.paused():  # without collect_young: what the body left stays
            for _ in range(1000):
                cycle = []
                cycle.append(cycle)
            del cycle
        assert not gc.isenabled()  # as it was before
        assert gc.collect(1) >= 1000
        with collector.paused(collect_young=True):
            for _ in range(1000):
                cycle = []
                cycle.append(cycle)
            del cycle
        assert gc.collect(1) == 0  # collected at the end of the pause
    finally:
        gc.enable()
