"""Shared test helpers: scan a directory through the real plugin stack."""

from __future__ import annotations

import time
from collections.abc import Callable
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


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(condition: Callable[[], object], what: str, polls: int = 1200) -> None:
    """Poll (a hang guard, not a timing assertion): the test asserts states, not durations."""
    for _ in range(polls):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")
