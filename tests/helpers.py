"""Shared test helpers: scan a directory through the real plugin stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.graph import ResourceGraph
from iacguard.model import ScanResult
from iacguard.plugin import Plugins


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def scan(plugins: Plugins, *paths: Path, **config: Any) -> tuple[ScanResult, ResourceGraph]:
    session = open_session(plugins, build_config({}, config), list(paths))
    session.load(list(paths))
    return session.check()


def marks(result: ScanResult) -> set[tuple[str, int, str]]:
    return {(f.location.path, f.location.start_line, f.rule_id) for f in result.findings}
