from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.plugin import Plugins, make_plugins

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def plugins() -> Plugins:
    return make_plugins()


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (CI places ../shared beside the checkout)")
    return CORPUS
