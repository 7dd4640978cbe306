"""Fixtures of the `iacguard pr` tests (helpers: tests/review_helpers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from review_helpers import Repo


@pytest.fixture(autouse=True)
def _needs_git() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: iacguard pr reads repositories with it")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")
