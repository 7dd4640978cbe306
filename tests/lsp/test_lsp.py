"""End to end: an editor (VS Code and Neovim capability profiles) and `iacguard lsp`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from iacguard_builtin.lsp.diagnostics import rule_url
from lsp_helpers import (
    MAIN_TF,
    VARIABLES_TF,
    apply_edits,
    codes,
    diagnostics_until,
    open_doc,
    replace_all,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")  # the servers are shared (conftest.py)


def _only(diags: list[types.Diagnostic], code: str) -> types.Diagnostic:
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, diags
    return found[0]


async def test_open_reports_at_the_range(editor: LanguageClient, workspace: Path) -> None:
    job = workspace / "k8s" / "job.yaml"
    open_doc(editor, job)
    diags = await diagnostics_until(editor, job, lambda d: "PSC003" in codes(d))
    assert codes(diags) == {"PSC003"}
    d = diags[0]
    # `allowPrivilegeEscalation: true` on line 14 (1-based), key at column 13.
    assert d.range == types.Range(types.Position(13, 12), types.Position(13, 42))
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.source == "iacguard"
    assert d.code_description is not None and d.code_description.href == rule_url("PSC003")
    assert d.code_description.href.endswith("docs/POLICIES.md#psc003")


async def test_fix_in_the_buffer_clears(editor: LanguageClient, workspace: Path) -> None:
    job = workspace / "k8s" / "job.yaml"
    open_doc(editor, job)
    await diagnostics_until(editor, job, lambda d: "PSC003" in codes(d))
    fixed = job.read_text().replace("allowPrivilegeEscalation: true", "allowPrivilegeEscalation: false")
    replace_all(editor, job, fixed, 2)
    assert await diagnostics_until(editor, job, lambda d: not d) == []
    assert "true" in job.read_text()  # the buffer, not the disk, was checked


async def test_quick_fix_applied_clears(editor: LanguageClient, workspace: Path) -> None:
    job = workspace / "k8s" / "job.yaml"
    open_doc(editor, job)
    diags = await diagnostics_until(editor, job, lambda d: "PSC003" in codes(d))
    actions = await editor.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(job.as_uri()), diags[0].range, types.CodeActionContext(diags)))
    assert actions is not None
    titles = {a.title for a in actions if isinstance(a, types.CodeAction)}
    assert titles == {"Forbid privilege escalation (allowPrivilegeEscalation: false)",
                      "Suppress PSC003 here (with a reason)"}
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.is_preferred)
    assert fix.edit is not None and fix.edit.changes is not None
    fixed = apply_edits(job.read_text(), fix.edit.changes[job.as_uri()])
    assert "allowPrivilegeEscalation: false" in fixed
    replace_all(editor, job, fixed, 2)
    assert await diagnostics_until(editor, job, lambda d: not d) == []


async def test_terraform_quick_fix_and_hover(editor: LanguageClient, workspace: Path) -> None:
    main = workspace / "tf" / "main.tf"
    open_doc(editor, main)
    diags = await diagnostics_until(editor, main, lambda d: "API001" in codes(d))
    api = _only(diags, "API001")
    assert api.range.start == types.Position(4, 2)  # the vpc_config block
    hover = await editor.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(main.as_uri()), types.Position(5, 4)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "Value: `true` — default of var.public_endpoint in tf/variables.tf:3" in text
    assert "## Why is this bad?" in text and "## Remediation" in text
    actions = await editor.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(main.as_uri()), api.range, types.CodeActionContext([api])))
    assert actions is not None
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.is_preferred)
    assert fix.edit is not None and fix.edit.changes is not None
    fixed = apply_edits(MAIN_TF, fix.edit.changes[main.as_uri()])
    assert "endpoint_public_access  = false" in fixed
    replace_all(editor, main, fixed, 2)
    diags = await diagnostics_until(editor, main, lambda d: "API001" not in codes(d))
    assert codes(diags) == {"AUD001", "ENC001"}


async def test_variable_edit_updates_another_file(editor: LanguageClient, workspace: Path) -> None:
    main, variables = workspace / "tf" / "main.tf", workspace / "tf" / "variables.tf"
    open_doc(editor, main)
    open_doc(editor, variables)
    await diagnostics_until(editor, main, lambda d: "API001" in codes(d))
    replace_all(editor, variables, VARIABLES_TF.replace("default = true", "default = false"), 2)
    diags = await diagnostics_until(editor, main, lambda d: "API001" not in codes(d))
    assert codes(diags) == {"AUD001", "ENC001"}
    # Closing the buffer falls back to the disk, where the default is still true.
    editor.text_document_did_close(types.DidCloseTextDocumentParams(
        types.TextDocumentIdentifier(variables.as_uri())))
    await diagnostics_until(editor, main, lambda d: "API001" in codes(d))


async def test_half_typed_hcl_is_a_parse_diagnostic(editor: LanguageClient, workspace: Path) -> None:
    main = workspace / "tf" / "main.tf"
    job = workspace / "k8s" / "job.yaml"
    open_doc(editor, job)
    open_doc(editor, main)
    await diagnostics_until(editor, main, lambda d: "API001" in codes(d))
    replace_all(editor, main, MAIN_TF + 'resource "aws_s3_bucket" "x" {\n  bucket = \n', 2)
    diags = await diagnostics_until(editor, main, lambda d: "PARSE001" in codes(d))
    assert codes(diags) == {"PARSE001"}
    assert diags[0].severity == types.DiagnosticSeverity.Error
    # The rest of the workspace keeps its results, and the server lives on.
    assert codes(editor.diagnostics[job.as_uri()]) == {"PSC003"}
    replace_all(editor, main, MAIN_TF, 3)
    assert "API001" in codes(await diagnostics_until(editor, main, lambda d: "PARSE001" not in codes(d)))


async def test_deleted_file_loses_its_diagnostics(editor: LanguageClient, workspace: Path) -> None:
    job = workspace / "k8s" / "job.yaml"
    await diagnostics_until(editor, job, lambda d: "PSC003" in codes(d))  # from the index
    job.unlink()
    editor.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(job.as_uri(), types.FileChangeType.Deleted)]))
    assert await diagnostics_until(editor, job, lambda d: not d) == []


async def test_configuration_reloads(editor: LanguageClient, workspace: Path) -> None:
    job = workspace / "k8s" / "job.yaml"
    await diagnostics_until(editor, job, lambda d: "PSC003" in codes(d))
    (workspace / ".iacguard.yaml").write_text("ignore: [PSC003]\n")
    editor.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    assert await diagnostics_until(editor, job, lambda d: not d) == []


async def test_pull_diagnostics_unchanged_on_second_request(puller: LanguageClient, workspace: Path) -> None:
    editor = puller
    job = workspace / "k8s" / "job.yaml"
    open_doc(editor, job)
    first = await asyncio.wait_for(editor.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(job.as_uri()))), 120)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
    assert codes(first.items) == {"PSC003"} and first.result_id
    second = await editor.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        types.TextDocumentIdentifier(job.as_uri()), previous_result_id=first.result_id))
    assert isinstance(second, types.RelatedUnchangedDocumentDiagnosticReport)
    assert second.result_id == first.result_id
    report = await editor.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
        previous_result_ids=[types.PreviousResultId(job.as_uri(), first.result_id)]))
    kinds = {item.uri.split("/")[-1]: type(item).__name__ for item in report.items}
    assert kinds == {"job.yaml": "WorkspaceUnchangedDocumentDiagnosticReport",
                     "main.tf": "WorkspaceFullDocumentDiagnosticReport"}
    assert editor.diagnostics == {}  # a pull client is never pushed to


async def test_suppression_applied_clears(editor: LanguageClient, workspace: Path) -> None:
    job = workspace / "k8s" / "job.yaml"
    open_doc(editor, job)
    diags = await diagnostics_until(editor, job, lambda d: "PSC003" in codes(d))
    actions = await editor.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(job.as_uri()), diags[0].range, types.CodeActionContext(diags)))
    assert actions is not None
    suppress = next(a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith("Suppress"))
    assert suppress.edit is not None and suppress.edit.changes is not None
    edited = apply_edits(job.read_text(), suppress.edit.changes[job.as_uri()])
    comment = edited.splitlines()[13]
    assert comment.startswith("            # iacguard:ignore PSC003 until=")
    assert " REASON: " in comment
    replace_all(editor, job, edited, 2)
    # A request answers after the check of the edit, whose diagnostics come first.
    await editor.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(job.as_uri()), types.Position(0, 0)))
    assert codes(editor.diagnostics[job.as_uri()]) == set()
