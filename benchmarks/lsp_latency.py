"""Editor latency of `iacguard lsp`: didChange -> updated diagnostics, on the largest Terraform
module of the corpus.

Run on demand (not part of the test suite):

    .venv/bin/python benchmarks/lsp_latency.py [--corpus ../shared/corpus] [--edits 30]
        [--module terraform/terraform-aws-eks] [--file node_groups.tf] [--profile]

Starts the real server as a subprocess (as an editor does), opens the ~500-line file, then
sends `--edits` whole-buffer changes, each adding or removing a comment line at the top (so
every finding of the file moves and its diagnostics must be re-published), waiting for each
publish. Prints the first-index time (initialize -> first diagnostics), p50/p95 of the edit
latency, and the server's peak resident memory. `--profile` then replays the same edits in
this process through the server's `Analysis` under cProfile and prints what dominates.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 100.0


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def edited(text: str, n: int) -> str:
    return f"# edit {n}\n{text}" if n % 2 else text


async def drive(workspace: Path, target: Path, edits: int) -> tuple[float, list[float], float]:
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
            [types.TextDocumentContentChangeWholeDocument(text=edited(text, n))]))
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


def profile(workspace: Path, target: Path, edits: int) -> None:
    from iacguard_builtin.lsp.analysis import Analysis

    from iacguard.plugin import make_plugins

    analysis = Analysis(make_plugins(), workspace)
    analysis.index()
    text = target.read_text(encoding="utf-8")
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(1, edits + 1):
        analysis.update({target: edited(text, n).encode()}, [])
    profiler.disable()
    print(f"\ncProfile of {edits} edits through Analysis.update (cumulative, top 25):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--module", default="terraform/terraform-aws-eks")
    parser.add_argument("--file", default="node_groups.tf")
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    workspace = (args.corpus / args.module).resolve()
    target = workspace / args.file
    if not target.is_file():
        sys.exit(f"no {target}: pass --corpus (the shared corpus is not here)")
    first_index, latencies, peak = asyncio.run(drive(workspace, target, args.edits))
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    lines = len(target.read_text(encoding="utf-8").splitlines())
    print(f"command: {' '.join(sys.argv)}")
    print(f"workspace: {workspace} ; edited file: {args.file} ({lines} lines)")
    print("| measure | value |\n|---|---|")
    print(f"| first index (initialize -> first diagnostics) | {first_index * 1000:.0f} ms |")
    print(f"| didChange -> diagnostics p50 ({len(ms)} edits) | {statistics.median(ms):.1f} ms |")
    print(f"| didChange -> diagnostics p95 | {p95:.1f} ms (target <= {TARGET_P95_MS:.0f} ms) |")
    print(f"| didChange -> diagnostics max | {ms[-1]:.1f} ms |")
    print(f"| server peak RSS | {peak:.0f} MiB |")
    if args.profile:
        profile(workspace, target, args.edits)


if __name__ == "__main__":
    main()
