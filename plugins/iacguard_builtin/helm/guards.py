"""Checks a chart must pass before it is rendered: no symlink out of it, a bounded size.

Both walk the chart through `ctx.fs` (so a unit records the listings it depends on, and an
unsaved file counts). Symlinks are facts of the disk only: an overlay is never one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from iacguard.fs import FileSystem

MAX_CHART_FILES = 5000
MAX_CHART_BYTES = 50 * 1024 * 1024


def _entries(fs: FileSystem, directory: Path) -> Iterator[Path]:
    """Every entry below `directory`, not following symlinked directories."""
    for entry in fs.iterdir(directory):
        yield entry
        if not fs.is_symlink(entry) and fs.is_dir(entry):
            yield from _entries(fs, entry)


def escaping_symlinks(chart_dir: Path, fs: FileSystem) -> list[Path]:
    """Symlinks inside the chart that point outside it, dangle, or loop.

    Helm's directory loader follows symlinks, so such a link would put a file from outside
    the chart into `.Files` (and the rendered output), or walk a loop without end: refuse to
    render those charts.
    """
    root = chart_dir.resolve()
    bad: list[Path] = []
    for path in _entries(fs, chart_dir):
        if not fs.is_symlink(path):
            continue
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # a loop of links, or a dangling one
            bad.append(path)
            continue
        if target != root and root not in target.parents:
            bad.append(path)
        elif target.is_dir() and target in (parent := path.parent.resolve(), *parent.parents):
            bad.append(path)  # a link to its own ancestor: Helm's loader would walk it forever
    return sorted(bad)


def chart_size_problem(chart_dir: Path, fs: FileSystem) -> str | None:
    count = total = 0
    for path in _entries(fs, chart_dir):
        if not fs.is_symlink(path) and fs.is_file(path):
            count += 1
            total += fs.size(path)
            if count > MAX_CHART_FILES or total > MAX_CHART_BYTES:
                return (f"chart too large to render (more than {MAX_CHART_FILES} files or "
                        f"{MAX_CHART_BYTES} bytes)")
    return None
