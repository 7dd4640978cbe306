"""The repository's own text files: no merge left half-done."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_CONFLICT = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)
_TEXT = ("*.md", "*.py", "*.toml", "*.yaml", "*.yml", "*.ini", "*.cfg", "*.txt", "*.json")
_SKIP = {".venv", ".git", "node_modules", ".tox", "build", "dist", "vendor", "__pycache__"}


def _text_files() -> list[Path]:
    found: list[Path] = []
    for top, dirs, files in os.walk(REPO):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith(".venv"))
        found += [Path(top, f) for f in sorted(files)
                  if any(fnmatch.fnmatch(f, p) for p in _TEXT)]
    return found


def test_no_merge_conflict_markers() -> None:
    found = [f"{path.relative_to(REPO)}:{text.count(chr(10), 0, m.start()) + 1}"
             for path in _text_files()
             for text in [path.read_text(encoding="utf-8", errors="replace")]
             for m in _CONFLICT.finditer(text)]
    assert found == []
