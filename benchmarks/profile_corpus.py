"""cProfile of a cold scan (`--jobs 1 --no-cache`) of each corpus folder: wall time and the
functions with the most cumulative time inside the loaders.

    .venv/bin/python benchmarks/profile_corpus.py [--corpus ../shared/corpus] [--top 8]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

from iacguard import cli

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    for name in ("terraform", "helm", "k8s", "kustomize", "plans"):
        target = args.corpus / name
        if not target.is_dir():
            continue
        profile = cProfile.Profile()
        started = time.perf_counter()
        sink = io.StringIO()
        stdout, sys.stdout = sys.stdout, sink
        try:
            profile.runcall(cli.main, ["scan", "-f", "json", "--no-fail", "-q", "--no-cache", "-j", "1",
                                       str(target)])
        finally:
            sys.stdout = stdout
        wall = time.perf_counter() - started
        print(f"## {name}: {wall:.2f} s (under the profiler)")
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text)
        stats.sort_stats("tottime").print_stats(args.top)
        lines = [line for line in text.getvalue().splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print("\n".join(lines[start:start + args.top + 1]))
        print()
    print(f"command: {' '.join(sys.argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
