"""Editor latency of `iacguard lsp`: didChange -> updated diagnostics, on the largest Terraform
module of the corpus.

Run on demand (not part of the test suite):

    .venv/bin/python benchmarks/lsp_latency.py [--corpus ../shared/corpus] [--edits 30]
        [--module terraform/terraform-aws-eks] [--file node_groups.tf] [--edit move|block]
        [--phases] [--profile]

Starts the real server as a subprocess (as an editor does), opens the ~500-line file, then
sends `--edits` whole-buffer changes, waiting for each publish of the edited document at the
new version. `--edit move` (the default) adds or removes a comment line at the top, so every
block of the file moves and every finding of it must be re-published at its new line;
`--edit block` adds or removes a comment line inside the file's first block, so that block's
text changes (it is parsed again and every root that calls the module is evaluated again).
The server answers each version once, with the complete result (a full re-check's), so
there is one latency per edit, not a "first" and a "complete" one.
Prints the first-index time (initialize -> first diagnostics), p50/p95 of the edit latency,
and the server's peak resident memory. `--phases` then replays the same edits in this process
through the server's `Analysis` and prints the median time of each phase with counters
(blocks parsed, roots evaluated or re-used); `--profile` does the same under cProfile and
prints what dominates.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 100.0


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def edited(text: str, n: int, kind: str = "move") -> str:
    """The buffer after edit `n`: odd edits add a comment line, even ones remove it."""
    if not n % 2:
        return text
    if kind == "move":
        return f"# edit {n}\n{text}"
    brace = text.index("{\n") + 2  # inside the first block: its text changes
    return f"{text[:brace]}  # edit {n}\n{text[brace:]}"


async def drive(workspace: Path, target: Path, edits: int,
                kind: str) -> tuple[float, list[float], float]:
    client = LanguageClient("lsp-latency", "1")
    published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    await client.start_io(sys.executable, "-m", "iacguard", "lsp")
    started = time.perf_counter()
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=workspace.as_uri()))
    client.initialized(types.InitializedParams())
    await published.get()
    first_index = time.perf_counter() - started
    text = target.read_text(encoding="utf-8")
    uri = target.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="terraform", version=0, text=text)))
    await asyncio.sleep(1.0)  # let the open's check settle
    while not published.empty():
        published.get_nowait()
    latencies = []
    for n in range(1, edits + 1):
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=n),
            [types.TextDocumentContentChangeWholeDocument(text=edited(text, n, kind))]))
        while True:
            params = await published.get()
            if params.uri == uri and params.version == n:
                break
        latencies.append(time.perf_counter() - sent)
    server = client._server
    peak = peak_rss_mib(server.pid) if server is not None else float("nan")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return first_index, latencies, peak


def profile(workspace: Path, target: Path, edits: int, kind: str) -> None:
    from iacguard_builtin.lsp.analysis import Analysis

    from iacguard.plugin import make_plugins

    analysis = Analysis(make_plugins(), workspace)
    analysis.index()
    text = target.read_text(encoding="utf-8")
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(1, edits + 1):
        analysis.update({target: edited(text, n, kind).encode()}, [])
    profiler.disable()
    print(f"\ncProfile of {edits} edits through Analysis.update (cumulative, top 25):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


class Phases:
    """Wall and CPU seconds per phase of one edit, and counters, by wrapping the functions
    that do each phase (this process only; the server is not touched)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def timed(self, owner: Any, name: str, phase: str) -> None:
        real = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                self.wall[phase] = self.wall.get(phase, 0.0) + time.perf_counter() - wall
                self.cpu[phase] = self.cpu.get(phase, 0.0) + time.process_time() - cpu

        setattr(owner, name, wrapper)

    def counted(self, owner: Any, name: str, counter: str,
                when: Callable[[Any], bool] = lambda _: True) -> None:
        real = getattr(owner, name)
        self.counts.setdefault(counter, 0)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            out = real(*args, **kwargs)
            if when(out):
                self.counts[counter] = self.counts.get(counter, 0) + 1
            return out

        setattr(owner, name, wrapper)


def phases(workspace: Path, target: Path, edits: int, kind: str) -> None:
    from iacguard_builtin.lsp import diagnostics
    from iacguard_builtin.lsp.analysis import Analysis
    from iacguard_builtin.terraform import hcl_blocks, loader, rebase

    from iacguard import engine, planning
    from iacguard.plugin import make_plugins

    analysis = Analysis(make_plugins(), workspace)
    analysis.index()
    text = target.read_text(encoding="utf-8")
    rows: list[Phases] = []
    for n in range(1, edits + 1):
        p = Phases()
        with _patched():
            p.timed(planning.Planner, "plan", "plan (walk, claims)")
            p.timed(engine.Session, "_load_units", "load the affected roots")
            p.timed(engine.Session, "build_graph", "graph + link")
            p.timed(engine.Session, "check", "graph + link + checks + findings")
            p.timed(Analysis, "check", "... + snapshot")
            p.counted(hcl_blocks, "_parse_tree", "blocks parsed")
            p.counted(loader, "load", "roots evaluated")
            p.counted(rebase, "reuse", "roots re-used (lines moved)", lambda r: r is not None)
            wall, cpu = time.perf_counter(), time.process_time()
            snap = analysis.update({target: edited(text, n, kind).encode()}, [])
            p.wall["update (all of the above)"] = time.perf_counter() - wall
            p.cpu["update (all of the above)"] = time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()
        for path, issues in snap.issues.items():  # what the server's accept() converts
            lines = analysis.text_of(path).splitlines(keepends=True)
            diagnostics.result_id([diagnostics.diagnostic(i, snap, lines) for i in issues])
        p.wall["diagnostics + result ids"] = time.perf_counter() - wall
        p.cpu["diagnostics + result ids"] = time.process_time() - cpu
        rows.append(p)
    print(f"\nPhases of {edits} `--edit {kind}` edits through Analysis.update, in this process "
          "(median per edit; 'graph + link' is inside the checks row, which is inside the "
          "snapshot row):")
    print("| phase | wall ms | CPU ms |\n|---|---|---|")
    for phase in rows[0].wall:
        wall_ms = statistics.median(r.wall.get(phase, 0.0) for r in rows) * 1000
        cpu_ms = statistics.median(r.cpu.get(phase, 0.0) for r in rows) * 1000
        print(f"| {phase} | {wall_ms:.1f} | {cpu_ms:.1f} |")
    counters = sorted({c for r in rows for c in r.counts})
    print("| counter (median per edit) | value | |\n|---|---|---|")
    for counter in counters:
        print(f"| {counter} | {statistics.median(r.counts.get(counter, 0) for r in rows):g} | |")


@contextlib.contextmanager
def _patched() -> Iterator[None]:
    """Undo every `setattr` the phase wrappers make (so each edit is wrapped once)."""
    from iacguard_builtin.lsp.analysis import Analysis
    from iacguard_builtin.terraform import hcl_blocks, loader, rebase

    from iacguard import engine, planning

    owners = [(planning.Planner, "plan"), (engine.Session, "_load_units"),
              (engine.Session, "build_graph"), (engine.Session, "check"), (Analysis, "check"),
              (hcl_blocks, "_parse_tree"), (loader, "load"), (rebase, "reuse")]
    saved = [(owner, name, getattr(owner, name)) for owner, name in owners]
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--module", default="terraform/terraform-aws-eks")
    parser.add_argument("--file", default="node_groups.tf")
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--edit", choices=("move", "block"), default="move",
                        help="move: a comment line at the top; block: one inside the first block")
    parser.add_argument("--phases", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    workspace = (args.corpus / args.module).resolve()
    target = workspace / args.file
    if not target.is_file():
        sys.exit(f"no {target}: pass --corpus (the shared corpus is not here)")
    first_index, latencies, peak = asyncio.run(drive(workspace, target, args.edits, args.edit))
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    lines = len(target.read_text(encoding="utf-8").splitlines())
    print(f"command: {' '.join(sys.argv)}")
    print(f"workspace: {workspace} ; edited file: {args.file} ({lines} lines), --edit {args.edit}")
    print("| measure | value |\n|---|---|")
    print(f"| first index (initialize -> first diagnostics) | {first_index * 1000:.0f} ms |")
    print(f"| didChange -> diagnostics p50 ({len(ms)} edits) | {statistics.median(ms):.1f} ms |")
    print(f"| didChange -> diagnostics p95 | {p95:.1f} ms (target <= {TARGET_P95_MS:.0f} ms) |")
    print(f"| didChange -> diagnostics max | {ms[-1]:.1f} ms |")
    print(f"| server peak RSS | {peak:.0f} MiB |")
    if args.phases:
        phases(workspace, target, args.edits, args.edit)
    if args.profile:
        profile(workspace, target, args.edits, args.edit)


if __name__ == "__main__":
    main()
