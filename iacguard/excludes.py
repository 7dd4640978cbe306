"""Which paths the walk skips: `--exclude` patterns and `.gitignore` files, both with Git's
semantics (through `pathspec`), so `deploy/`, `**/deploy` and `./deploy` mean what they mean
to Git.

`--exclude` patterns are relative to the scan root. `.gitignore` files are read from the
scan root's enclosing repository (up to the directory holding `.git`) and from every
directory the walk enters, each relative to its own directory, as Git reads them. Patterns
that never matched are reported (`unmatched`), since a typo there silently scans too much.
"""

from __future__ import annotations

import os
from pathlib import Path

import pathspec

GITIGNORE = ".gitignore"


def _normalise(pattern: str) -> str:
    """`./deploy` is `deploy` anchored at the root, as a user means it (Git has no `./`)."""
    stripped = pattern.strip()
    if stripped.startswith("./"):
        return "/" + stripped[2:].lstrip("/")
    return stripped


class Excluder:
    def __init__(self, root: Path, patterns: list[str], *, gitignore: bool = True) -> None:
        self.root = root
        self.patterns = list(patterns)
        self._specs = [(p, pathspec.GitIgnoreSpec.from_lines([_normalise(p)])) for p in patterns]
        self._matched: set[str] = set()
        self._gitignore = gitignore
        self._ignores: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self._top: Path | None = None
        self.skipped: list[str] = []  # what the walk skipped, relative to the root

    def __call__(self, path: Path) -> bool:
        return self.excluded(path)

    def excluded(self, path: Path) -> bool:
        absolute = Path(os.path.abspath(path))
        if absolute == self.root:
            return False  # the scan root itself is what the user asked for
        rel = self._rel(absolute, self.root)
        if rel is None:
            return False
        suffix = "/" if absolute.is_dir() else ""
        hit = False
        for pattern, spec in self._specs:
            if spec.match_file(rel + suffix):
                self._matched.add(pattern)
                hit = True
        if hit or (self._gitignore and self._ignored_by_git(absolute, suffix)):
            self.skipped.append(rel + suffix)
            return True
        return False

    def unmatched(self) -> list[str]:
        """`--exclude` patterns that matched no path the walk saw (most likely typos)."""
        return [p for p in self.patterns if p not in self._matched]

    # -- .gitignore -------------------------------------------------------------------
    def _ignored_by_git(self, path: Path, suffix: str) -> bool:
        top = self._repository_top()
        ignored = False
        for directory in reversed(path.parents):
            if directory != top and top not in directory.parents:
                continue
            spec = self._ignore_file(directory)
            rel = self._rel(path, directory)
            if spec is None or rel is None:
                continue
            # Later (deeper) files override earlier ones, negations included.
            result = spec.check_file(rel + suffix)
            if result.include is not None:
                ignored = result.include
        return ignored

    def _repository_top(self) -> Path:
        if self._top is None:  # asked for every path the walk sees: probed once
            self._top = next((d for d in (self.root, *self.root.parents) if (d / ".git").exists()),
                             self.root)
        return self._top

    def _ignore_file(self, directory: Path) -> pathspec.GitIgnoreSpec | None:
        if directory not in self._ignores:
            file = directory / GITIGNORE
            spec = None
            if file.is_file():
                try:
                    spec = pathspec.GitIgnoreSpec.from_lines(
                        file.read_text(encoding="utf-8", errors="replace").splitlines())
                except (OSError, ValueError):
                    spec = None  # an unreadable or malformed .gitignore ignores nothing
            self._ignores[directory] = spec
        return self._ignores[directory]

    @staticmethod
    def _rel(path: Path, base: Path) -> str | None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            return None
