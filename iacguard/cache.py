"""A persistent, content-validated cache of loaded units.

An entry is found by a *lookup key* (the claim, the scan root, the loading-relevant
configuration, and the versions and code of iacguard and every plugin) and holds the unit's
`LoadResult` with the `Inputs` it recorded. A hit is only used after every recorded input is
checked against the file system as it is now — each file read is read and digested again,
each probe, listing, walked tree, environment variable and external tool re-observed — so an
edit to a file, to a module it calls, to a values file or a tfvars file is always seen: the
entry is then stale, the unit is loaded again and the entry rewritten.

Entries are our own pickles (`pickle` is only ever read from this directory, which the user
owns; an entry that fails to unpickle or has the wrong shape is ignored and rewritten).
Writes go to a temporary file in the same directory and are renamed into place, so
concurrent runs never see half an entry. Size is bounded: a hit touches its entry (mtime is
last use) and `prune()` removes the least recently used entries above `max_bytes`.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
import tempfile
from contextlib import suppress
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from iacguard.config import Config
from iacguard.fs import FileSystem, digest
from iacguard.loading import Claim, LoadResult
from iacguard.model import ScanError
from iacguard.plugin import Plugins

FORMAT = b"iacguard-unit-cache 1\n"
DEFAULT_MAX_BYTES = 1 << 30
# Configuration that only changes which findings are reported, never what a unit loads to.
CHECK_ONLY_CONFIG = {"fail_on", "policies", "select", "ignore"}


def default_cache_dir() -> Path:
    """The user cache directory (`platformdirs`), else `$XDG_CACHE_HOME/iacguard`."""
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "iacguard"
    return Path(platformdirs.user_cache_dir("iacguard", appauthor=False))


def code_fingerprint(plugins: Plugins) -> str:
    """Versions of iacguard and of every plugin's distribution, and the size and mtime of
    their Python files (a development checkout changes code without changing versions)."""
    parts: list[str] = []
    with suppress(PackageNotFoundError):
        parts.append(f"iacguard {version('iacguard')}")
    packages = {"iacguard"}
    for info in plugins.describe():
        parts.append(f"{info.name} {info.distribution} {info.version}")
    for _, plugin in plugins.pm.list_name_plugin():
        module = getattr(plugin, "__module__", None) or getattr(plugin, "__name__", "")
        if module:
            packages.add(str(module).split(".")[0])
    for package in sorted(packages):
        origin = getattr(sys.modules.get(package), "__file__", None)
        if origin is None:
            continue
        for file in sorted(Path(origin).parent.rglob("*.py")):
            with suppress(OSError):
                stat = file.stat()
                parts.append(f"{file} {stat.st_size} {stat.st_mtime_ns}")
    return digest("\n".join(parts).encode())


def _tool_fingerprint(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        return "absent"
    try:
        stat = Path(found).stat()
    except OSError:
        return "absent"
    return f"{found} {stat.st_size} {stat.st_mtime_ns}"


def _tree_fingerprint(fs: FileSystem, directory: Path) -> str:
    lines = []
    for file in fs.walk_files(directory):
        try:
            lines.append(f"{file} {digest(fs.read_bytes(file))}")
        except OSError:
            lines.append(f"{file} unreadable")
    return digest("\n".join(lines).encode())


def _observe(fs: FileSystem, kind: str, key: str) -> str:
    """What an observation of `kind` on `key` gives now (as `Inputs` records it)."""
    path = Path(key)
    if kind == "read":
        try:
            return digest(fs.read_bytes(path))
        except OSError:
            return "absent"
    if kind == "stat":
        return fs.kind(path)
    if kind == "list":
        return digest("\0".join(p.name for p in fs.iterdir(path)).encode())
    if kind == "env":
        return os.environ.get(key) or ""
    if kind == "tree":
        return _tree_fingerprint(fs, path)
    return _tool_fingerprint(key)  # "tool"


@dataclass
class Entry:
    result: LoadResult
    crashed: ScanError | None
    observed: dict[tuple[str, str], str]  # what validation compares (trees, tools: fingerprints)


@dataclass
class UnitCache:
    directory: Path
    fingerprint: str  # `code_fingerprint(plugins)`
    max_bytes: int = DEFAULT_MAX_BYTES
    hits: int = 0
    misses: int = 0
    stale: int = 0
    corrupt: int = 0
    _written: list[Path] = field(default_factory=list)

    def key(self, claim: Claim, root: Path, config: Config) -> str:
        loading = config.model_dump(mode="json", exclude=CHECK_ONLY_CONFIG)
        text = repr((self.fingerprint, str(root), repr(claim), sorted(loading.items())))
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / "units" / key[:2] / f"{key}.pickle"

    def get(self, key: str, fs: FileSystem) -> Entry | None:
        """The entry for `key` if every input it recorded is unchanged; else None."""
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        entry = self._decode(raw)
        if entry is None:
            self.corrupt += 1
            self.misses += 1
            return None
        current = FileSystem(fs.overlays)  # not recording: validation is no unit's input
        if any(_observe(current, kind, key) != value for (kind, key), value in entry.observed.items()):
            self.stale += 1
            self.misses += 1
            return None
        with suppress(OSError):
            os.utime(path)  # least recently *used* is what `prune` removes
        self.hits += 1
        return entry

    @staticmethod
    def _decode(raw: bytes) -> Entry | None:
        if not raw.startswith(FORMAT):
            return None
        try:
            entry = pickle.loads(raw[len(FORMAT):])
        except Exception:  # any corruption: a truncated or foreign file
            return None
        return entry if isinstance(entry, Entry) and isinstance(entry.result, LoadResult) else None

    def put(self, key: str, result: LoadResult, crashed: ScanError | None, fs: FileSystem) -> None:
        current = FileSystem(fs.overlays)
        observed: dict[tuple[str, str], str] = {}
        for (kind, name), value in result.inputs.observed.items():
            observed[(kind, name)] = _observe(current, kind, name) if kind in ("tree", "tool") \
                else value
        data = FORMAT + pickle.dumps(Entry(result, crashed, observed), protocol=pickle.HIGHEST_PROTOCOL)
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)  # atomic: readers see the old entry or the new one
        except OSError:
            with suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
            return  # a read-only or full cache directory only costs speed
        self._written.append(path)

    def prune(self) -> int:
        """Remove least recently used entries until the cache fits `max_bytes`; how many."""
        entries: list[tuple[int, int, Path]] = []
        for path in (self.directory / "units").glob("*/*.pickle"):
            with suppress(OSError):
                stat = path.stat()
                entries.append((stat.st_mtime_ns, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            with suppress(OSError):
                path.unlink()
                removed += 1
            total -= size
        return removed
