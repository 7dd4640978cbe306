"""Paths and columns as other tools want them.

Tools that match findings to a diff (GitHub code scanning, annotations, reviewdog) want paths
relative to the repository root, not to the scan root; reviewdog wants UTF-8 byte columns
where iacguard counts characters, so the line is read back from the file under the scan root.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from iacguard.baseline import repo_prefix


class RepositoryPaths:
    """Scan-root-relative paths made repository-relative (the scan root's path inside its
    git checkout prefixed, `..` folded; outside a checkout they stay relative to the scan
    root)."""

    def __init__(self, root: Path) -> None:
        self.prefix = repo_prefix(root)

    def __call__(self, path: str) -> str:
        return posixpath.normpath(f"{self.prefix}/{path}") if self.prefix else path


class SourceLines:
    """Lines of the scanned files, read once each; only files inside the scan root are read
    (a finding's path never makes a report read elsewhere)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._files: dict[str, list[str] | None] = {}

    def line(self, path: str, number: int) -> str | None:
        """Line `number` (1-based) of `path` without its line break; None when the file
        cannot be read as UTF-8 or has no such line."""
        if path not in self._files:
            self._files[path] = self._read(path)
        lines = self._files[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _read(self, path: str) -> list[str] | None:
        try:
            file = (self.root / path).resolve()
            if not file.is_relative_to(self.root):
                return None
            text = file.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        return [line.removesuffix("\r") for line in text.split("\n")]


def byte_column(line: str, column: int) -> int | None:
    """The 1-based UTF-8 byte column of 1-based character `column` in `line` (the column
    just after the last character is allowed: an exclusive end); None when out of range."""
    if not 1 <= column <= len(line) + 1:
        return None
    return len(line[: column - 1].encode("utf-8")) + 1
