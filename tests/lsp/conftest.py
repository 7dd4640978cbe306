"""pytest-lsp drives `iacguard lsp` as a subprocess over a workspace written per test."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import JOB_YAML, MAIN_TF, SERVER, VARIABLES_TF, start
from pytest_lsp import LanguageClient


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "variables.tf").write_text(VARIABLES_TF)
    (tmp_path / "tf" / "main.tf").write_text(MAIN_TF)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "job.yaml").write_text(JOB_YAML)
    return tmp_path


@pytest_lsp.fixture(config=SERVER, params=["visual-studio-code", "neovim"])
async def editor(lsp_client: LanguageClient, request: pytest.FixtureRequest, workspace: Path):  # type: ignore[no-untyped-def]
    """A push-model editor (the VS Code and Neovim profiles) on `workspace`."""
    await start(lsp_client, workspace, request.param)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def puller(lsp_client: LanguageClient, workspace: Path):  # type: ignore[no-untyped-def]
    await start(lsp_client, workspace, "pull")
    yield
    await lsp_client.shutdown_session()


