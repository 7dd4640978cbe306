"""Time of a single-file re-check in the largest Terraform module of the corpus.

Run on demand (not part of the test suite):

    .venv/bin/python benchmarks/recheck.py [--corpus ../shared/corpus] [--edits 20]
        [--module terraform/terraform-aws-eks] [--file node_groups.tf]

Opens one session on the module (what an editor's workspace would index), then edits one
~500-line file through an editor overlay, `--edits` times, and measures each re-check:
re-plan, re-load of the units the edit touches, rebuild of the graph, re-link, all checks.
Prints the first-index time and peak memory, then p50/p95 of the re-checks and how many
units each re-loaded.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.plugin import make_plugins

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--module", default="terraform/terraform-aws-eks")
    parser.add_argument("--file", default="node_groups.tf")
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args()
    workspace = (args.corpus / args.module).resolve()
    target = workspace / args.file
    text = target.read_text(encoding="utf-8")

    start = time.perf_counter()
    session = open_session(make_plugins(), build_config({}, {}), [workspace])
    session.load([workspace])
    result, graph = session.check()
    first = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"workspace {workspace.relative_to(args.corpus.resolve())}: {len(session.units)} units, "
          f"{len(graph)} resources, {len(result.findings)} findings")
    print(f"first index + check: {first:.2f} s, peak RSS {peak:.0f} MiB")
    print(f"edited file: {args.file} ({text.count(chr(10))} lines); "
          f"units it affects: {len(session.affected_by(target))}")

    times: list[float] = []
    reloaded: list[int] = []
    for n in range(args.edits):
        # A keystroke-sized edit that changes what the file says: a comment that grows.
        edited = f"{text}\n# edit {n} {'x' * n}\n".encode()
        loads = session.loads
        start = time.perf_counter()
        session.set_overlay(target, edited)
        session.check()
        times.append(time.perf_counter() - start)
        reloaded.append(session.loads - loads)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"re-check after an edit ({args.edits} edits): p50 {statistics.median(times) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms; "
          f"units re-loaded per edit: {statistics.median(reloaded):.0f}")
    print(f"command: .venv/bin/python benchmarks/recheck.py --module {args.module} "
          f"--file {args.file} --edits {args.edits}")


if __name__ == "__main__":
    main()
