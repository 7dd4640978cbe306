"""The manifest loader on the claim/load contract: cheap claims, overlays, recorded inputs."""

from __future__ import annotations

from pathlib import Path

from iacguard.config import Config
from iacguard.fs import FileSystem
from iacguard.loading import Claim, LoadContext
from iacguard.plugin import Plugins

from helpers import write

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostNetwork: false\n"


def test_claims_manifest_names_only(plugins: Plugins, tmp_path: Path) -> None:
    root = write(tmp_path, {"pod.yaml": POD, "notes.txt": POD, "dir.yaml/x.txt": ""})
    ctx = LoadContext(root=root, config=Config())
    assert plugins.claim(root / "pod.yaml", ctx) == Claim(loader="kubernetes", path=root / "pod.yaml",
                                                         owns=(root / "pod.yaml",))
    assert plugins.claim(root / "notes.txt", ctx) is None
    assert plugins.claim(root / "dir.yaml", ctx) is None


def test_unsaved_manifest_is_what_loads(plugins: Plugins, tmp_path: Path) -> None:
    root = write(tmp_path, {"pod.yaml": POD})
    edited = POD.replace("hostNetwork: false", "hostNetwork: true").encode()
    ctx = LoadContext(root=root, config=Config(),
                      fs=FileSystem(overlays={root / "pod.yaml": edited})).recording()
    claim = plugins.claim(root / "pod.yaml", ctx)
    assert claim is not None
    result = plugins.load(claim, ctx)
    assert result is not None
    assert [r.body["spec"]["hostNetwork"] for r in result.resources] == [True]
    assert (root / "pod.yaml").read_text() == POD
    assert ctx.fs.inputs is not None and ctx.fs.inputs.files_read() == [root / "pod.yaml"]


def test_claimed_file_without_objects_loads_empty(plugins: Plugins, tmp_path: Path) -> None:
    root = write(tmp_path, {"package.json": '{"name": "x"}', "ci.yaml": "on: push\n"})
    ctx = LoadContext(root=root, config=Config())
    for name in ("package.json", "ci.yaml"):
        claim = plugins.claim(root / name, ctx)
        assert claim is not None
        result = plugins.load(claim, ctx)
        assert result is not None and result.resources == [] and result.problems == []
