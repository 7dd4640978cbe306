"""Wall time and peak memory of `iacguard scan` per corpus directory, and the ratio to Checkov.

Run on demand (not part of the test suite):

    .venv/bin/python benchmarks/scan_corpus.py [--corpus ../shared/corpus] [--repeat 3]
        [--checkov /tmp/checkov-venv/bin/checkov]

Checkov is never a dependency: install it into a separate virtualenv and pass its path.
Ratios > 1 mean iacguard is faster (Checkov time / iacguard time).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECKOV_FRAMEWORK = {"k8s": "kubernetes", "helm": "helm", "kustomize": "kustomize",
                     "terraform": "terraform"}


# Runs the command in a fresh interpreter so that its peak RSS is its own.
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def timed(command: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one run of `command` (its output discarded)."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--checkov", help="path to a checkov executable (separate virtualenv)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    iacguard = [sys.executable, "-m", "iacguard", "scan", "--format", "json", "--no-fail"]
    print(f"{'corpus':<12} {'iacguard s':>10} {'peak MiB':>9} {'checkov s':>10} {'ratio':>7}")
    for name in ("k8s", "helm", "kustomize", "terraform"):
        target = args.corpus / name
        if not target.is_dir():
            continue
        runs = [timed([*iacguard, str(target)]) for _ in range(args.repeat)]
        ours = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        theirs_text, ratio_text = "-", "-"
        if args.checkov:
            command = [args.checkov, "-d", str(target), "--framework", CHECKOV_FRAMEWORK[name],
                       "-o", "json", "--quiet", "--compact"]
            theirs = statistics.median(timed(command)[0] for _ in range(args.repeat))
            theirs_text, ratio_text = f"{theirs:.2f}", f"{theirs / ours:.1f}x"
        print(f"{name:<12} {ours:>10.2f} {peak:>9.0f} {theirs_text:>10} {ratio_text:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
