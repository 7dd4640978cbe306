"""The unit cache: a warm scan loads nothing and reports the same bytes; every kind of edit
(a file, a module it calls, a values file, a tfvars file) is seen; a corrupt entry is
ignored and rewritten; concurrent writers never leave a broken entry."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from iacguard.cache import FORMAT, UnitCache, code_fingerprint
from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.fs import FileSystem
from iacguard.loading import LoadResult
from iacguard.parallel import UnitLoader
from iacguard.plugin import Plugins
from iacguard.reporting import RenderOptions

from mixed_tree import mixed_tree


def _scan(plugins: Plugins, root: Path, cache: UnitCache | None) -> tuple[str, UnitLoader]:
    """The JSON report and every resource loaded, as text, and the loader used."""
    session = open_session(plugins, build_config({}, {}), [root])
    session.loader = UnitLoader(cache=cache)
    session.load([root])
    result, graph = session.check()
    report = plugins.register_reporters().get("json")(result, RenderOptions())
    resources = "\n".join(r.model_dump_json() for r in sorted(graph.resources(), key=lambda r: r.id))
    return report + resources, session.loader


def _cache(plugins: Plugins, tmp_path: Path) -> UnitCache:
    return UnitCache(tmp_path / "cache", code_fingerprint(plugins))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return mixed_tree(tmp_path / "repo")


def test_warm_scan_loads_nothing_and_reports_the_same(plugins: Plugins, tree: Path,
                                                      tmp_path: Path) -> None:
    cold, _ = _scan(plugins, tree, _cache(plugins, tmp_path))
    warm_cache = _cache(plugins, tmp_path)
    warm, _ = _scan(plugins, tree, warm_cache)
    assert warm == cold == _scan(plugins, tree, None)[0]
    assert (warm_cache.hits, warm_cache.misses) == (5, 0)  # tf root, chart, kustomization, 2 manifests


EDITS = {
    "a file": ("k8s/pod.yaml", "busybox:1.36", "busybox:latest"),
    "a module it calls": ("tf/modules/net/main.tf", "from_port   = 22", "from_port   = 2222"),
    "a values file": ("chart/values.yaml", "privileged: false", "privileged: true"),
    "a tfvars file": ("tf/terraform.tfvars", "10.0.0.0/8", "0.0.0.0/0"),
    "a kustomization resource": ("kust/cm.yaml", "a: b", "a: c"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_every_edit_is_seen(plugins: Plugins, tree: Path, tmp_path: Path, edit: str) -> None:
    before, _ = _scan(plugins, tree, _cache(plugins, tmp_path))
    name, old, new = EDITS[edit]
    target = tree / name
    target.write_text(target.read_text().replace(old, new))
    cache = _cache(plugins, tmp_path)
    after, _ = _scan(plugins, tree, cache)
    assert after != before
    assert after == _scan(plugins, tree, None)[0]
    assert (cache.stale, cache.misses) == (1, 1)  # only the unit that read the file


def test_corrupt_entries_are_ignored_and_rewritten(plugins: Plugins, tree: Path,
                                                   tmp_path: Path) -> None:
    cold, _ = _scan(plugins, tree, _cache(plugins, tmp_path))
    entries = sorted((tmp_path / "cache").rglob("*.pickle"))
    for index, entry in enumerate(entries):
        entry.write_bytes([b"", b"garbage", FORMAT + b"\x80\x05truncated", FORMAT][index % 4])
    cache = _cache(plugins, tmp_path)
    assert _scan(plugins, tree, cache)[0] == cold
    assert cache.corrupt == cache.misses == len(entries)
    again = _cache(plugins, tmp_path)
    assert _scan(plugins, tree, again)[0] == cold
    assert (again.hits, again.misses) == (len(entries), 0)


def test_another_code_version_misses(plugins: Plugins, tree: Path, tmp_path: Path) -> None:
    _scan(plugins, tree, _cache(plugins, tmp_path))
    other = UnitCache(tmp_path / "cache", "another-version")
    _scan(plugins, tree, other)
    assert other.hits == 0


def test_concurrent_writers_never_leave_a_broken_entry(tmp_path: Path) -> None:
    cache = UnitCache(tmp_path / "cache", "v")
    fs = FileSystem()
    broken: list[str] = []

    def writer(n: int) -> None:
        for i in range(200):
            cache.put("ab" + "0" * 62, LoadResult(stats={"writer": n, "i": i}), None, fs)

    def reader() -> None:
        for _ in range(400):
            raw = cache._path("ab" + "0" * 62).read_bytes() if cache._path("ab" + "0" * 62).exists() \
                else None
            if raw is not None and UnitCache._decode(raw) is None:
                broken.append("broken")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert broken == []
    assert [p.name for p in (tmp_path / "cache" / "units" / "ab").iterdir()] == ["ab" + "0" * 62 + ".pickle"]


def test_concurrent_scans_share_one_cache(tree: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "iacguard", "scan", "--format", "json", "--no-fail", "-j", "1",
               "--cache-dir", str(tmp_path / "cache"), str(tree)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outputs = [run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [o[1] for o in outputs]
    assert len({o[0] for o in outputs}) == 1
    assert subprocess.run(command, capture_output=True, check=True).stdout == outputs[0][0]


def test_prune_removes_the_least_recently_used(tmp_path: Path) -> None:
    cache = UnitCache(tmp_path / "cache", "v", max_bytes=0)
    fs = FileSystem()
    for key in ("aa" + "1" * 62, "bb" + "2" * 62):
        cache.put(key, LoadResult(), None, fs)
    assert cache.get("aa" + "1" * 62, fs) is not None
    cache.max_bytes = cache._path("aa" + "1" * 62).stat().st_size
    import os
    os.utime(cache._path("bb" + "2" * 62), ns=(1, 1))  # used long ago
    assert cache.prune() == 1
    assert cache.get("bb" + "2" * 62, fs) is None
    assert cache.get("aa" + "1" * 62, fs) is not None
