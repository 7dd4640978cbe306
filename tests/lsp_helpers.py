"""Helpers for the language-server tests: the workspace's files, capability profiles, waiting
for diagnostics, applying edits."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "iacguard", "lsp"])
HANG_GUARD = 120.0  # seconds: fails a hung server, never a slow one

VARIABLES_TF = """variable "public_endpoint" {
  type    = bool
  default = true
}
"""
MAIN_TF = """resource "aws_eks_cluster" "main" {
  name     = "main"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    endpoint_private_access = true
    endpoint_public_access  = var.public_endpoint
    subnet_ids              = ["subnet-1", "subnet-2"]
  }
}
"""
JOB_YAML = """apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      containers:
        - name: migrate
          image: migrate:4
          securityContext:
            allowPrivilegeEscalation: true
            runAsNonRoot: true
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
            seccompProfile:
              type: RuntimeDefault
"""


def capabilities(profile: str) -> types.ClientCapabilities:
    """A recorded editor's capabilities; `pull` is VS Code as it is today (pull diagnostics
    with refresh), which the recorded 1.65 profile predates."""
    if profile != "pull":
        return client_capabilities(profile)
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(related_document_support=True)
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


async def diagnostics_until(client: LanguageClient, path: Path,
                            done: Callable[[Sequence[types.Diagnostic]], bool]) -> list[types.Diagnostic]:
    """Wait for pushed diagnostics of `path` that satisfy `done`."""
    uri = path.as_uri()

    async def wait() -> list[types.Diagnostic]:
        while not (uri in client.diagnostics and done(client.diagnostics[uri])):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(client.diagnostics[uri])

    return await asyncio.wait_for(wait(), HANG_GUARD)


def codes(diags: Sequence[types.Diagnostic]) -> set[str]:
    return {str(d.code) for d in diags}


def open_doc(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> None:
    language = "terraform" if path.suffix == ".tf" else "yaml"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=path.as_uri(), language_id=language, version=version,
        text=path.read_text() if text is None else text)))


def replace_all(client: LanguageClient, path: Path, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Apply LSP text edits (non-overlapping) to `text`, last first."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(pos: types.Position) -> int:
        return offsets[min(pos.line, len(lines))] + pos.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:at(edit.range.start)] + edit.new_text + text[at(edit.range.end):]
    return text


async def start(client: LanguageClient, root: Path, profile: str) -> None:
    registrations: list[types.Registration] = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:  # as an editor would accept it
        registrations.extend(params.registrations)

    await client.initialize_session(types.InitializeParams(
        capabilities=capabilities(profile), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
