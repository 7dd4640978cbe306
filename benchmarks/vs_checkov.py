"""iacguard vs Checkov on the whole corpus, side by side in one run: cold (no cache) and warm
(cache present), medians of several runs, and one changed file in a warm corpus.

    .venv/bin/python benchmarks/vs_checkov.py [--corpus ../shared/corpus] [--repeat 3] [--no-checkov]

Checkov 3.3.30 is installed on first use into benchmarks/.venv-checkov (ignored by git; never
a dependency of iacguard). Ratios are Checkov time / iacguard time (> 1: iacguard is faster).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import timed

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CHECKOV_VENV = HERE / ".venv-checkov"
CHECKOV_VERSION = "3.3.30"


def checkov() -> Path:
    exe = CHECKOV_VENV / "bin" / "checkov"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        subprocess.run([str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", f"checkov=={CHECKOV_VERSION}"],
                       check=True)
    return exe


def median(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs),
            statistics.median(r[2] for r in runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", default=None, help="iacguard --jobs (default: its own default)")
    parser.add_argument("--no-checkov", action="store_true")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    jobs = ["--jobs", args.jobs] if args.jobs else []
    cache = Path(tempfile.mkdtemp(prefix="iacguard-bench-cache-"))
    base = [sys.executable, "-m", "iacguard", "scan", "--format", "json", "--no-fail", "--quiet", *jobs]
    rows: list[tuple[str, tuple[float, float, float]]] = []
    cold = median([timed([*base, "--no-cache", str(args.corpus)]) for _ in range(args.repeat)])
    rows.append(("iacguard cold", cold))
    timed([*base, "--cache-dir", str(cache), str(args.corpus)])  # fill the cache
    warm = median([timed([*base, "--cache-dir", str(cache), str(args.corpus)]) for _ in range(args.repeat)])
    rows.append(("iacguard warm", warm))
    with tempfile.TemporaryDirectory(prefix="iacguard-bench-corpus-") as tmp:
        copy = Path(tmp) / "corpus"
        shutil.copytree(args.corpus, copy, symlinks=True)
        timed([*base, "--cache-dir", str(cache), str(copy)])
        changed = copy / "k8s" / "kube-linter-checks" / "access-to-create-pods.yml"
        runs = []
        for n in range(args.repeat):
            changed.write_text(changed.read_text() + f"\n# edit {n}\n")
            runs.append(timed([*base, "--cache-dir", str(cache), str(copy)]))
        rows.append(("iacguard warm, 1 file changed", median(runs)))
    theirs = None
    if not args.no_checkov:
        command = [str(checkov()), "-d", str(args.corpus), "-o", "json", "--quiet", "--compact"]
        theirs = median([timed(command) for _ in range(args.repeat)])
        rows.append((f"checkov {CHECKOV_VERSION}", theirs))
    print(f"corpus: {args.corpus}  repeat: {args.repeat}  (medians; peak = max)")
    print(f"{'run':<30} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'checkov/this':>13}")
    for name, (wall, peak, cpu) in rows:
        ratio = f"{theirs[0] / wall:.1f}x" if theirs and not name.startswith("checkov") else "-"
        print(f"{name:<30} {wall:>8.2f} {cpu:>8.2f} {peak:>9.0f} {ratio:>13}")
    print(f"\ncommand: {' '.join(sys.argv)}")
    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
