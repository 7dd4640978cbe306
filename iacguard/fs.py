"""The one file-system layer loaders read through: the disk, with editor buffers on top.

Loaders never touch the disk themselves: they call `ctx.fs`. That gives two things.
- **Overlays**: an unsaved editor buffer (`FileSystem(overlays={path: bytes})`) is what every
  loader sees for that path, in listings too (a new, unsaved file is listed).
- **Declared inputs**: each unit is planned and loaded with a fresh recording view
  (`fs.recording()`), which notes every read, probe, listing, environment variable and tool it
  was asked for. The engine keeps these `Inputs` per unit and builds the file -> units index
  from them, so "what must be re-loaded when this file changes" needs no loader's help.

A tool that must read the disk itself (kustomize) gets `materialize(directory)`: the directory
as it is, or a temporary copy with the overlays applied when an overlay lies under it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ObservationKind = Literal["read", "stat", "list", "tree", "env", "tool"]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Inputs:
    """What one unit observed. Keys are absolute paths (or names for `env` / `tool`).

    - `read`: content digest of a file read;
    - `stat`: what a probe saw (`file`, `dir`, `absent`);
    - `list`: digest of a directory's sorted entry names;
    - `tree`: directories walked recursively (any change below them matters);
    - `env`: environment variables read (value, or "" when unset);
    - `tool`: external tools used and their versions.
    """

    observed: dict[tuple[ObservationKind, str], str] = field(default_factory=dict)

    def note(self, kind: ObservationKind, key: str, value: str) -> None:
        self.observed.setdefault((kind, key), value)

    def merge(self, other: Inputs) -> None:
        for key, value in other.observed.items():
            self.observed.setdefault(key, value)

    def paths(self) -> set[Path]:
        """Every path observed (reads, probes, listings, walked trees)."""
        return {Path(k) for (kind, k) in self.observed if kind in ("read", "stat", "list", "tree")}

    def files_read(self) -> list[Path]:
        return sorted(Path(k) for (kind, k) in self.observed if kind == "read")

    def touches(self, changed: Path) -> bool:
        """Whether a change to `changed` (content, creation or deletion) can change this unit."""
        return any(True for _ in self._touching(changed))

    def _touching(self, changed: Path) -> Iterator[tuple[ObservationKind, str]]:
        key = str(changed)
        parent = str(changed.parent)
        for kind, k in self.observed:
            if (kind in ("read", "stat") and k == key) or (kind == "list" and k in (parent, key)) \
                    or (kind == "tree" and (key == k or key.startswith(k.rstrip(os.sep) + os.sep))):
                yield kind, k

    def still_hold(self, changed: Iterable[Path], fs: FileSystem) -> bool:
        """Whether every observation a change to `changed` touches sees in `fs` what it saw
        (a file read has the same content, a probe the same answer, a listing the same
        names); walked trees are not recorded by value, so they never hold."""
        for path in changed:
            for kind, key in self._touching(path):
                if not _holds(kind, key, self.observed[(kind, key)], fs):
                    return False
        return True


def _holds(kind: ObservationKind, key: str, value: str, fs: FileSystem) -> bool:
    if kind == "read":
        try:
            return digest(fs.read_bytes(Path(key))) == value
        except OSError:
            return False
    if kind == "stat":
        return fs.kind(Path(key)) == value
    if kind == "list":
        return digest("\0".join(p.name for p in fs.iterdir(Path(key))).encode()) == value
    return False


class FileSystem:
    """Disk plus overlays. `recording()` gives a view that records into fresh `Inputs`."""

    def __init__(self, overlays: Mapping[Path, bytes] | None = None,
                 inputs: Inputs | None = None) -> None:
        self._overlays: dict[Path, bytes] = {Path(os.path.abspath(p)): b
                                             for p, b in (overlays or {}).items()}
        # directories holding an overlay (an unsaved file may be in a directory not on disk)
        self._overlay_dirs = frozenset(d for o in self._overlays for d in o.parents)
        self.inputs = inputs

    # -- views ------------------------------------------------------------------------
    def recording(self) -> FileSystem:
        return FileSystem(self._overlays, Inputs())

    def with_overlays(self, overlays: Mapping[Path, bytes]) -> FileSystem:
        return FileSystem({**self._overlays, **overlays}, self.inputs)

    @property
    def overlays(self) -> Mapping[Path, bytes]:
        return self._overlays

    def _note(self, kind: ObservationKind, key: str, value: str) -> None:
        if self.inputs is not None:
            self.inputs.note(kind, key, value)

    # -- reading ----------------------------------------------------------------------
    def read_bytes(self, path: Path) -> bytes:
        """The file's bytes (the overlay if there is one). Raises `OSError` like the disk."""
        key = Path(os.path.abspath(path))
        data = self._overlays.get(key)
        if data is None:
            try:
                data = key.read_bytes()
            except OSError:
                self._note("stat", str(key), "absent")
                raise
        self._note("read", str(key), digest(data))
        return data

    def read_text(self, path: Path, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self.read_bytes(path).decode(encoding, errors)

    def _kind(self, path: Path) -> str:
        key = Path(os.path.abspath(path))
        if key in self._overlays:
            return "file"
        if key in self._overlay_dirs and not key.exists():
            return "dir"
        if key.is_file():
            return "file"
        if key.is_dir():
            return "dir"
        return "absent"

    def kind(self, path: Path) -> str:
        """`file`, `dir` or `absent`, recorded as a probe."""
        found = self._kind(path)
        self._note("stat", str(Path(os.path.abspath(path))), found)
        return found

    def is_file(self, path: Path) -> bool:
        return self.kind(path) == "file"

    def is_dir(self, path: Path) -> bool:
        return self.kind(path) == "dir"

    def exists(self, path: Path) -> bool:
        return self.kind(path) != "absent"

    def is_symlink(self, path: Path) -> bool:
        return Path(path).is_symlink()

    def size(self, path: Path) -> int:
        key = Path(os.path.abspath(path))
        if key in self._overlays:
            return len(self._overlays[key])
        return key.stat().st_size

    def iterdir(self, directory: Path) -> list[Path]:
        """Entries of `directory` (overlay-only files included), sorted by name."""
        key = Path(os.path.abspath(directory))
        names: set[str] = set()
        with suppress(OSError):
            names.update(p.name for p in key.iterdir())
        for overlay in self._overlays:
            if overlay.parent == key:
                names.add(overlay.name)
            elif key in overlay.parents:
                names.add(overlay.relative_to(key).parts[0])
        ordered = sorted(names)
        self._note("list", str(key), digest("\0".join(ordered).encode()))
        return [directory / name for name in ordered]

    def glob(self, directory: Path, pattern: str) -> list[Path]:
        """Entries of `directory` whose name matches `pattern` (not recursive), sorted."""
        return [p for p in self.iterdir(directory) if fnmatch.fnmatchcase(p.name, pattern)]

    def walk_files(self, directory: Path) -> list[Path]:
        """Every file below `directory` (not following symlinked directories), sorted."""
        key = Path(os.path.abspath(directory))
        self._note("tree", str(key), "")
        found: set[Path] = set()
        for current, dirs, files in os.walk(key):
            dirs.sort()
            found.update(Path(current) / f for f in files)
        found.update(o for o in self._overlays if key in o.parents)
        return sorted(directory / p.relative_to(key) for p in found)

    def environ(self, name: str) -> str | None:
        value = os.environ.get(name)
        self._note("env", name, value or "")
        return value

    def note_tool(self, name: str, version: str) -> None:
        self._note("tool", name, version)

    def note_read(self, path: Path) -> None:
        """Declare a file a tool read behind our back (its current content is recorded)."""
        with suppress(OSError):
            self.read_bytes(path)

    # -- tools that read the disk -----------------------------------------------------
    @contextmanager
    def materialize(self, directory: Path, *, around: Path | None = None) -> Iterator[Path]:
        """`directory` for a tool to read: itself, or a temporary copy of `around` (default:
        `directory`) with the overlays under it applied, where an overlay lies under it.

        The copy keeps the layout below `around`, so relative references (`../base`) still
        resolve; the yielded path is where `directory` lies inside the copy.
        """
        top = Path(os.path.abspath(around or directory))
        here = Path(os.path.abspath(directory))
        mine = {p: b for p, b in self._overlays.items() if top in p.parents}
        if not mine:
            yield directory
            return
        with tempfile.TemporaryDirectory(prefix="iacguard-overlay-") as tmp:
            copy = Path(tmp) / top.name
            shutil.copytree(top, copy, symlinks=True)
            for path, data in mine.items():
                target = copy / path.relative_to(top)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            yield copy / here.relative_to(top)
