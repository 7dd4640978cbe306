"""Hostile manifests and charts: each gives a located problem or a clear refusal, never a
traceback, a hang or a memory blow-up."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from iacguard_builtin.helm import render
from iacguard_builtin.kubernetes import loader as k8s_loader

from iacguard.config import Config
from iacguard.loading import LoadContext
from iacguard.model import ScanResult
from iacguard.plugin import Plugins

from helpers import scan, write

CHART = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"


def _problems(result: ScanResult) -> list[tuple[str, int, str, str]]:
    return [(f.location.path, f.location.start_line, f.rule_name, f.message)
            for f in result.findings if f.category == "parse-error"]


def _scan_bounded(plugins: Plugins, path: Path, seconds: float = 30) -> ScanResult:
    """Scan in a thread so that a hang fails the test instead of blocking the suite."""
    box: list[ScanResult] = []
    worker = threading.Thread(target=lambda: box.append(scan(plugins, path)[0]), daemon=True)
    worker.start()
    worker.join(seconds)
    assert box, f"scan of {path} did not finish in {seconds} s"
    assert not box[0].errors
    return box[0]


def test_huge_manifest_is_refused_unread(plugins: Plugins, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w") as out:
        out.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n")
        line = "  k: " + "x" * 1000 + "\n"
        out.write(line * (50 * 1024))  # 50 MB
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert len(problems) == 1
    assert problems[0][:3] == ("big.yaml", 1, "unparseable-file")
    assert "too large" in problems[0][3]


@pytest.mark.parametrize("body", [
    "data: " + "[" * 10_000 + "]" * 10_000,
    "data: " + "{a: " * 10_000 + "1" + "}" * 10_000,
], ids=["sequences", "mappings"])
def test_deep_nesting_is_a_parse_problem(plugins: Plugins, tmp_path: Path, body: str) -> None:
    write(tmp_path, {"deep.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n" + body})
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert [(p[0], p[2]) for p in problems] == [("deep.yaml", "unparseable-file")]
    assert "nesting too deep" in problems[0][3]


def test_alias_bomb_is_refused(plugins: Plugins, tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\na: &a [x, x, x, x, x, x, x, x, x]\n"
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    write(tmp_path, {"bomb.yaml": text + "data: {x: *i}\n"})
    started = time.process_time()
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert time.process_time() - started < 10
    assert [(p[0], p[2]) for p in problems] == [("bomb.yaml", "unparseable-file")]
    assert "aliases" in problems[0][3]


def test_binary_bytes_are_located(plugins: Plugins, tmp_path: Path) -> None:
    (tmp_path / "bin.yaml").write_bytes(b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\xff\x00\n")
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert [(p[0], p[1], p[2]) for p in problems] == [("bin.yaml", 4, "unparseable-file")]


def test_tab_indentation_is_located(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"tabs.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: tabs\n"})
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert [(p[0], p[1], p[2]) for p in problems] == [("tabs.yaml", 4, "unparseable-file")]


def test_byte_order_mark_starting_a_later_document_is_not_part_of_a_key(
        plugins: Plugins, tmp_path: Path) -> None:
    # Concatenated files: the second one kept its BOM. YAML allows one before each document.
    write(tmp_path, {"cat.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\n"
                                 "\ufeffapiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n"})
    result, graph = scan(plugins, tmp_path)
    assert sorted(r.name for r in graph.resources("Pod")) == ["a", "b"]
    assert not _problems(result)


def test_special_files_under_the_root_are_skipped(plugins: Plugins, tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    os.mkfifo(tmp_path / "fifo.yaml")  # reading it would block forever
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "self").symlink_to("..")
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    write(tmp_path, {"ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n"})
    result = _scan_bounded(plugins, tmp_path)
    assert not _problems(result)


def test_unreadable_manifest_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write(tmp_path, {"secret.yaml": "apiVersion: v1\nkind: Pod\n"}) / "secret.yaml"

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    # Tests may run as root, for whom chmod 000 does not deny reading.
    monkeypatch.setattr(Path, "read_bytes", denied)
    result = k8s_loader.load_file(target, LoadContext(root=tmp_path, config=Config()))
    assert result is not None
    assert [p.message for p in result.problems] == ["cannot read file: Permission denied"]


def _chart(root: Path, name: str, template: str, values: str = "") -> Path:
    return write(root / name, {"Chart.yaml": CHART.format(name=name), "values.yaml": values,
                               "templates/cm.yaml": template})


def test_template_that_loops_forever_is_stopped(plugins: Plugins, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "RENDER_TIMEOUT_SECONDS", 1.0)
    # 10^10 iterations, no output: runs for hours without using memory.
    _chart(tmp_path, "spin", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: spin}\ndata:\n"
           "  x: \"{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}\"\n")
    started = time.process_time()
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert time.process_time() - started < 10
    assert [(p[0], p[2]) for p in problems] == [("spin/Chart.yaml", "render-failed")]
    assert "render stopped after 1 s" in problems[0][3]


def test_template_that_exhausts_memory_is_stopped(plugins: Plugins, tmp_path: Path) -> None:
    # 10^10 bytes: far over the render process's address-space cap.
    _chart(tmp_path, "hog", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hog}\ndata:\n"
           "  x: {{ repeat 100000 \"x\" | repeat 100000 | quote }}\n")
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert [(p[0], p[2]) for p in problems] == [("hog/Chart.yaml", "render-failed")]
    assert "memory" in problems[0][3]


def test_files_get_cannot_read_outside_the_chart(plugins: Plugins, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("TOP-SECRET")
    _chart(tmp_path, "peek", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: peek}\ndata:\n"
           "  a: {{ .Files.Get \"../outside.txt\" | quote }}\n"
           "  b: {{ .Files.Get \"../../etc/passwd\" | quote }}\n"
           "  c: {{ .Files.Get \"/etc/passwd\" | quote }}\n")
    result, graph = scan(plugins, tmp_path / "peek")
    [config_map] = graph.resources("ConfigMap")
    assert config_map.body["data"] == {"a": "", "b": "", "c": ""}
    assert not result.errors


def test_huge_values_file_is_refused(plugins: Plugins, tmp_path: Path) -> None:
    chart = _chart(tmp_path, "fat", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fat}\n")
    with (chart / "values.yaml").open("w") as out:
        out.write("blob:\n" + ("  k: " + "y" * 1000 + "\n") * (100 * 1024))  # 100 MB
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert [(p[0], p[2]) for p in problems] == [("fat/Chart.yaml", "render-failed")]
    assert "too large" in problems[0][3]


def test_huge_cli_values_file_is_refused(plugins: Plugins, tmp_path: Path) -> None:
    chart = _chart(tmp_path, "small", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: small}\n")
    huge = tmp_path / "huge-values.yaml"
    with huge.open("w") as out:
        out.write("blob:\n" + ("  k: " + "y" * 1000 + "\n") * (60 * 1024))  # 60 MB
    result, _ = scan(plugins, chart, options={"helm_values": [str(huge)]})
    messages = [m for _, _, _, m in _problems(result)]
    assert any("values file too large" in m for m in messages)
    assert not result.errors


def test_self_including_template_fails_at_its_line_with_a_short_message(
        plugins: Plugins, tmp_path: Path) -> None:
    _chart(tmp_path, "rec", '{{- define "me" }}{{ include "me" . }}{{ end }}\n'
           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rec}\ndata:\n"
           '  x: {{ include "me" . | quote }}\n')
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert [(p[0], p[1], p[2]) for p in problems] == [("rec/templates/cm.yaml", 6, "render-failed")]
    # Helm nests one "error calling include" per level (about 100 KB): keep the cause only.
    assert len(problems[0][3]) < 1000
    assert "nested reference" in problems[0][3]


def test_chart_with_symlink_loops_is_refused(plugins: Plugins, tmp_path: Path) -> None:
    chart = _chart(tmp_path, "links", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: links}\n")
    (chart / "templates" / "a.yaml").symlink_to("b.yaml")
    (chart / "templates" / "b.yaml").symlink_to("a.yaml")
    (chart / "templates" / "up").symlink_to("..")  # Helm's loader follows it without end
    problems = _problems(_scan_bounded(plugins, tmp_path))
    assert [(p[0], p[2]) for p in problems] == [("links/Chart.yaml", "render-failed")]
    assert "links/templates/a.yaml, links/templates/b.yaml, links/templates/up" in problems[0][3]
