"""The one file-system layer: overlays, recorded inputs, materialized copies for tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.fs import FileSystem, digest

from helpers import write


def test_overlay_is_what_every_read_and_listing_sees(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": "disk\n"})
    fs = FileSystem({tmp_path / "a.yaml": b"buffer\n", tmp_path / "new" / "b.yaml": b"new\n"})
    assert fs.read_text(tmp_path / "a.yaml") == "buffer\n"
    assert (tmp_path / "a.yaml").read_text() == "disk\n"  # the disk is untouched
    assert [p.name for p in fs.iterdir(tmp_path)] == ["a.yaml", "new"]
    assert fs.is_dir(tmp_path / "new") and fs.is_file(tmp_path / "new" / "b.yaml")
    assert fs.walk_files(tmp_path) == [tmp_path / "a.yaml", tmp_path / "new" / "b.yaml"]
    assert fs.size(tmp_path / "a.yaml") == len(b"buffer\n")


def test_recording_view_notes_reads_probes_listings_env_and_tools(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.tf": "x", "sub/b.tf": "y"})
    monkeypatch.setenv("TF_VAR_region", "eu")
    fs = FileSystem().recording()
    assert fs.inputs is not None
    fs.read_bytes(tmp_path / "a.tf")
    fs.is_file(tmp_path / "missing.tfvars")
    fs.iterdir(tmp_path / "sub")
    fs.walk_files(tmp_path / "sub")
    assert fs.environ("TF_VAR_region") == "eu"
    fs.note_tool("kubectl", "v1.31.0")
    observed = fs.inputs.observed
    assert observed[("read", str(tmp_path / "a.tf"))] == digest(b"x")
    assert observed[("stat", str(tmp_path / "missing.tfvars"))] == "absent"
    assert ("list", str(tmp_path / "sub")) in observed
    assert ("tree", str(tmp_path / "sub")) in observed
    assert observed[("env", "TF_VAR_region")] == "eu"
    assert observed[("tool", "kubectl")] == "v1.31.0"
    assert fs.inputs.files_read() == [tmp_path / "a.tf"]
    # What a change can affect: the file read, the probed path, anything in a listed or walked
    # directory; not an unrelated sibling.
    assert fs.inputs.touches(tmp_path / "a.tf")
    assert fs.inputs.touches(tmp_path / "missing.tfvars")
    assert fs.inputs.touches(tmp_path / "sub" / "new.tf")
    assert fs.inputs.touches(tmp_path / "sub" / "deep" / "c.tf")
    assert not fs.inputs.touches(tmp_path / "other.tf")


def test_a_failed_read_is_recorded_as_absent(tmp_path: Path) -> None:
    fs = FileSystem().recording()
    with pytest.raises(OSError):
        fs.read_bytes(tmp_path / "nope")
    assert fs.inputs is not None and fs.inputs.touches(tmp_path / "nope")


def test_materialize_applies_overlays_in_a_copy_that_keeps_relative_layout(tmp_path: Path) -> None:
    write(tmp_path, {"base/k.yaml": "base\n", "overlay/k.yaml": "disk\n"})
    plain = FileSystem()
    with plain.materialize(tmp_path / "overlay", around=tmp_path) as where:
        assert where == tmp_path / "overlay"  # nothing overlaid: the real directory
    fs = FileSystem({tmp_path / "overlay" / "k.yaml": b"buffer\n"})
    with fs.materialize(tmp_path / "overlay", around=tmp_path) as where:
        assert where != tmp_path / "overlay"
        assert (where / "k.yaml").read_text() == "buffer\n"
        assert (where.parent / "base" / "k.yaml").read_text() == "base\n"
        copy = where
    assert not copy.exists()  # removed afterwards
    assert (tmp_path / "overlay" / "k.yaml").read_text() == "disk\n"
