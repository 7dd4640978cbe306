"""The language server: pygls handlers over one `Analysis`, checks in a worker thread.

Edits are coalesced: buffer changes that arrive while a check runs are applied together in
the next one. A result is published for a document only if it was computed from the version
the editor has now (an older version's result is dropped; a newer check is already queued).
Diagnostics are pushed (`publishDiagnostics`), or pulled (`textDocument/diagnostic`,
`workspace/diagnostic` with result ids) by clients that can pull and be told to refresh.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import traceback
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from iacguard import collector
from iacguard.engine import iacguard_version
from iacguard.plugin import Plugins
from iacguard_builtin.lsp.analysis import Analysis, Issue, Snapshot, normalize
from iacguard_builtin.lsp.diagnostics import diagnostic, error_diagnostic, result_id, to_range, uri_of
from iacguard_builtin.lsp.fixes import fixes_for
from iacguard_builtin.lsp.hover import hover_text

log = logging.getLogger(__name__)
WATCHED = "**/{*.tf,*.tf.json,*.tfvars,*.tfvars.json,*.yaml,*.yml,*.json,*.tpl,*.txt,.helmignore}"


class IacguardServer(LanguageServer):
    def __init__(self, plugins: Plugins) -> None:
        super().__init__("iacguard", iacguard_version(),
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.plugins = plugins
        self.analysis: Analysis | None = None
        self.snapshot: Snapshot | None = None
        self.snapshot_versions: dict[Path, int | None] = {}  # document versions it was made from
        self.pull = False
        self.pending_overlays: dict[Path, bytes | None] = {}
        self.pending_disk: set[Path] = set()
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()
        # push: (result id, document version) last sent per file
        self.published: dict[Path, tuple[str, int | None]] = {}
        self.reported_errors: set[str] = set()
        self.checks = 0  # counter: checks run

    # -- helpers ----------------------------------------------------------------------
    def path_of(self, uri: str) -> Path | None:
        fs = to_fs_path(uri)
        return normalize(Path(fs)) if fs else None

    def open_version(self, path: Path) -> int | None:
        doc = self.workspace.text_documents.get(uri_of(path))
        return doc.version if doc is not None else None

    def lines_of(self, path: Path) -> list[str]:
        doc = self.workspace.text_documents.get(uri_of(path))
        if doc is not None:
            return list(doc.lines)
        return self.analysis.text_of(path).splitlines(keepends=True) if self.analysis else []

    def diagnostics_of(self, path: Path, snap: Snapshot) -> list[types.Diagnostic]:
        lines = self.lines_of(path)
        out = [diagnostic(i, snap, lines) for i in snap.in_file(path)]
        rel = path.relative_to(snap.root).as_posix() if path.is_relative_to(snap.root) else None
        out += [error_diagnostic(e) for e in snap.errors if e.path is not None and e.path == rel]
        return out

    def schedule(self, overlays: dict[Path, bytes | None] | None = None,
                 disk: set[Path] | None = None) -> None:
        self.pending_overlays.update(overlays or {})
        self.pending_disk |= disk or set()
        self.idle.clear()
        self.wake.set()

    # -- the check loop ---------------------------------------------------------------
    async def run_checks(self) -> None:
        assert self.analysis is not None
        while True:
            await self.wake.wait()
            self.wake.clear()
            overlays, self.pending_overlays = self.pending_overlays, {}
            disk, self.pending_disk = self.pending_disk, set()
            versions = {p: self.open_version(p) for p in self.workspace_files()}
            with collector.paused(collect_young=True):  # once the results are out
                try:
                    snap = await asyncio.to_thread(self.analysis.update, overlays, disk)
                except Exception as exc:  # an engine bug must not end the session
                    self.report_crash(exc)
                    snap = None
                self.checks += 1
                if snap is not None:
                    self.accept(snap, versions)
            if not self.wake.is_set():
                self.idle.set()

    def workspace_files(self) -> list[Path]:
        out = []
        for uri in self.workspace.text_documents:
            path = self.path_of(uri)
            if path is not None:
                out.append(path)
        return out

    def report_crash(self, exc: BaseException) -> None:
        text = "".join(traceback.format_exception(exc))
        log.error("check crashed: %s", text)
        self.window_log_message(types.LogMessageParams(types.MessageType.Error,
                                                       f"iacguard: the check crashed:\n{text}"))
        self.window_show_message(types.ShowMessageParams(
            types.MessageType.Error, f"iacguard: the check crashed ({exc}); see the log"))

    def accept(self, snap: Snapshot, versions: dict[Path, int | None]) -> None:
        stale = {p for p, v in versions.items() if self.open_version(p) != v}
        self.snapshot = snap
        self.snapshot_versions = versions
        for error in snap.errors:
            key = f"{error.kind}|{error.path}|{error.message}"
            if key not in self.reported_errors:
                self.reported_errors.add(key)
                self.window_log_message(types.LogMessageParams(
                    types.MessageType.Error, f"iacguard {error.kind} ({error.path or '-'}): {error.message}"))
        if self.pull:
            self.workspace_diagnostic_refresh(None)
            return
        files = set(snap.issues) | set(self.published) | set(versions) | {
            snap.root / e.path for e in snap.errors if e.path is not None}
        for path in sorted(files - stale):
            diags = self.diagnostics_of(path, snap)
            sent = (result_id(diags), versions.get(path))
            if self.published.get(path, ("", None)) == sent or (not diags and path not in self.published
                                                               and sent[1] is None):
                continue
            # An open document is answered for each version it had checked, even unchanged.
            self.published[path] = sent
            if not diags and sent[1] is None:
                del self.published[path]
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri_of(path), diagnostics=diags, version=versions.get(path)))

    async def settled(self) -> Snapshot | None:
        await self.idle.wait()
        return self.snapshot

    # -- lookups ----------------------------------------------------------------------
    def issues_at(self, path: Path, rng: types.Range) -> list[Issue]:
        snap = self.snapshot
        if snap is None:
            return []
        lines = self.lines_of(path)
        out = []
        for issue in snap.in_file(path):
            r = to_range(issue.finding.location, lines)
            if (r.start.line, r.start.character) <= (rng.end.line, rng.end.character) and \
                    (rng.start.line, rng.start.character) <= (r.end.line, r.end.character):
                out.append(issue)
        return out


def _supports_pull(caps: types.ClientCapabilities) -> bool:
    text = caps.text_document
    work = caps.workspace
    return bool(text is not None and text.diagnostic is not None and work is not None
                and work.diagnostics is not None and work.diagnostics.refresh_support)


def build_server(plugins: Plugins) -> IacguardServer:
    server = IacguardServer(plugins)

    @server.feature(types.INITIALIZE)
    def initialize(ls: IacguardServer, params: types.InitializeParams) -> None:
        ls.pull = _supports_pull(params.capabilities)
        if ls.pull:
            _add_pull_features(ls)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: IacguardServer, params: types.InitializedParams) -> None:
        root = Path(ls.workspace.root_path or Path.cwd())
        caps = ls.client_capabilities
        if caps.workspace and caps.workspace.did_change_watched_files and \
                caps.workspace.did_change_watched_files.dynamic_registration:
            ls.client_register_capability(types.RegistrationParams([types.Registration(
                id="iacguard-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    [types.FileSystemWatcher(glob_pattern=WATCHED),
                     types.FileSystemWatcher(glob_pattern="**/.iacguard.{yaml,yml}")]))]))
        token = "iacguard-index"
        progress = bool(caps.window and caps.window.work_done_progress)
        if progress:
            try:
                await ls.work_done_progress.create_async(token)
                ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                    title="iacguard", message=f"indexing {root}", cancellable=False))
            except Exception:  # a client that refuses the token still gets diagnostics
                progress = False
        try:
            ls.analysis = await asyncio.to_thread(Analysis, ls.plugins, root)
            snap = await asyncio.to_thread(ls.analysis.index)
            ls.checks += 1
        except Exception as exc:
            ls.report_crash(exc)
            snap = None
        finally:
            if progress:
                ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="indexed"))
        if ls.analysis is None:
            return
        if snap is not None:
            ls.accept(snap, {p: ls.open_version(p) for p in ls.workspace_files()})
        asyncio.get_running_loop().create_task(ls.run_checks())
        ls.schedule()  # buffers opened while indexing

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: IacguardServer, params: types.DidOpenTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        if path is not None:
            ls.schedule({path: params.text_document.text.encode()})

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: IacguardServer, params: types.DidChangeTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        if path is not None:
            doc = ls.workspace.get_text_document(params.text_document.uri)
            ls.schedule({path: doc.source.encode()})

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: IacguardServer, params: types.DidSaveTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        if path is not None:
            ls.schedule(disk={path})

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: IacguardServer, params: types.DidCloseTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        if path is not None:
            ls.schedule({path: None})  # back to what is on disk

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: IacguardServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = {p for p in (ls.path_of(c.uri) for c in params.changes) if p is not None}
        ls.schedule(disk=paths)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def configuration(ls: IacguardServer, params: types.DidChangeConfigurationParams) -> None:
        if ls.analysis is not None:
            ls.schedule(disk={ls.analysis.root / ".iacguard.yaml"})

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: IacguardServer, params: types.HoverParams) -> types.Hover | None:
        path = ls.path_of(params.text_document.uri)
        snap = await ls.settled()
        if path is None or snap is None:
            return None
        issues = ls.issues_at(path, types.Range(params.position, params.position))
        if not issues:
            return None
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, hover_text(issues, snap)))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_action(ls: IacguardServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        path = ls.path_of(params.text_document.uri)
        snap = await ls.settled()
        if path is None or snap is None or ls.snapshot_versions.get(path) != ls.open_version(path):
            return []
        wanted = {d.data.get("fingerprint") for d in params.context.diagnostics
                  if isinstance(d.data, dict)}
        lines = ls.lines_of(path)
        by_fp = {d.data["fingerprint"]: d for d in params.context.diagnostics if isinstance(d.data, dict)}
        actions = []
        today = dt.date.today()
        for issue in ls.issues_at(path, params.range):
            if wanted and issue.finding.fingerprint not in wanted:
                continue
            for fix in fixes_for(issue, lines, snap, today):
                e = fix.edit
                edit = types.TextEdit(types.Range(types.Position(e.line, e.start_char),
                                                  types.Position(e.line, e.end_char)), e.text)
                diag = by_fp.get(issue.finding.fingerprint)
                actions.append(types.CodeAction(
                    title=fix.title, kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag] if diag else None, is_preferred=fix.preferred or None,
                    edit=types.WorkspaceEdit(changes={params.text_document.uri: [edit]})))
        return actions

    return server


def _document_report(ls: IacguardServer, path: Path, snap: Snapshot,
                     previous: str | None) -> tuple[str, list[types.Diagnostic] | None]:
    diags = ls.diagnostics_of(path, snap)
    rid = result_id(diags)
    return rid, (None if previous == rid else diags)


def _add_pull_features(ls: IacguardServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(
        identifier="iacguard", inter_file_dependencies=True, workspace_diagnostics=True))
    async def document_diagnostic(ls: IacguardServer, params: types.DocumentDiagnosticParams) -> Any:
        path = ls.path_of(params.text_document.uri)
        snap = await ls.settled()
        if path is None or snap is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        rid, diags = _document_report(ls, path, snap, params.previous_result_id)
        if diags is None:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=rid)
        return types.RelatedFullDocumentDiagnosticReport(items=diags, result_id=rid)

    @ls.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(
            ls: IacguardServer, params: types.WorkspaceDiagnosticParams) -> types.WorkspaceDiagnosticReport:
        snap = await ls.settled()
        if snap is None:
            return types.WorkspaceDiagnosticReport(items=[])
        previous = {p.uri: p.value for p in params.previous_result_ids}
        items: list[Any] = []
        files = set(snap.issues) | {ls.path_of(u) for u in previous} - {None}
        for path in sorted(p for p in files if p is not None):
            uri = uri_of(path)
            rid, diags = _document_report(ls, path, snap, previous.get(uri))
            version = ls.open_version(path)
            if diags is None:
                items.append(types.WorkspaceUnchangedDocumentDiagnosticReport(
                    uri=uri, version=version, result_id=rid))
            else:
                items.append(types.WorkspaceFullDocumentDiagnosticReport(
                    uri=uri, version=version, items=diags, result_id=rid))
        return types.WorkspaceDiagnosticReport(items=items)
