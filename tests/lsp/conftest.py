"""pytest-lsp drives `iacguard lsp` as a subprocess over a workspace of three files.

Starting a server (the interpreter, iacguard, pygls, the index) costs more than most tests
that use it, so each module shares one server per editor profile; before each test the
workspace is written back as it was, every document the last test opened is closed, the
server is told what may have changed, and the diagnostics it then shows are asserted to be
those of a fresh server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import pytest_lsp
from lsp_helpers import JOB_YAML, MAIN_TF, SERVER, VARIABLES_TF, codes, start
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import register_lsp_features

FILES = {"tf/variables.tf": VARIABLES_TF, "tf/main.tf": MAIN_TF, "k8s/job.yaml": JOB_YAML}
CONFIG_FILE = ".iacguard.yaml"
# What a fresh server publishes for FILES once it has indexed them.
INDEXED = {"k8s/job.yaml": {"PSC003"}, "tf/main.tf": {"API001", "AUD001", "ENC001"}}


class EditorClient(LanguageClient):
    """A test client that remembers which documents it has open, so that the next test can
    be handed the server with none open."""

    def __init__(self) -> None:
        super().__init__(converter_factory=default_converter)
        self.open_documents: set[str] = set()

    def text_document_did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        self.open_documents.add(params.text_document.uri)
        super().text_document_did_open(params)

    def text_document_did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        self.open_documents.discard(params.text_document.uri)
        super().text_document_did_close(params)


def _editor_client() -> EditorClient:
    client = EditorClient()
    register_lsp_features(client)
    return client


SHARED_SERVER = ClientServerConfig(server_command=SERVER.server_command, client_factory=_editor_client)


def _write_back(root: Path) -> None:
    """FILES as written, nothing else."""
    for file in sorted((p for p in root.rglob("*") if p.is_file()), reverse=True):
        if file.relative_to(root).as_posix() not in FILES:
            file.unlink()
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        if not (root / name).is_file() or (root / name).read_text() != text:
            (root / name).write_text(text)


@pytest.fixture(scope="module")
def shared_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    _write_back(root)
    return root


@pytest.fixture
def workspace(shared_workspace: Path) -> Path:
    """The module's workspace, as written (whatever the last test changed on disk)."""
    _write_back(shared_workspace)
    return shared_workspace


@pytest_lsp.fixture(config=SHARED_SERVER, params=["visual-studio-code", "neovim"], scope="module")
async def editor_session(lsp_client: LanguageClient, request: pytest.FixtureRequest,  # type: ignore[no-untyped-def]
                         shared_workspace: Path):
    """A push-model editor (the VS Code and Neovim profiles), one server per module."""
    await start(lsp_client, shared_workspace, request.param)
    yield
    await lsp_client.shutdown_session()


@pytest_asyncio.fixture(loop_scope="module")
async def editor(editor_session: EditorClient, workspace: Path) -> AsyncIterator[EditorClient]:
    """The shared server, back to a fresh server's state: no document open, the disk as
    written, its diagnostics those of the index."""
    client = editor_session
    for uri in sorted(client.open_documents):
        client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    changes = [types.FileEvent((workspace / name).as_uri(), types.FileChangeType.Changed) for name in FILES]
    changes.append(types.FileEvent((workspace / CONFIG_FILE).as_uri(), types.FileChangeType.Deleted))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes))
    # A request is answered once the checks of what came before it are done and published.
    await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier((workspace / "k8s" / "job.yaml").as_uri()), types.Position(0, 0)))
    shown = {uri: codes(diags) for uri, diags in client.diagnostics.items() if diags}
    assert shown == {(workspace / name).as_uri(): expected for name, expected in INDEXED.items()}
    assert client.open_documents == set()
    yield client


@pytest_lsp.fixture(config=SERVER, loop_scope="module")
async def puller(lsp_client: LanguageClient, workspace: Path):  # type: ignore[no-untyped-def]
    await start(lsp_client, workspace, "pull")
    yield
    await lsp_client.shutdown_session()
