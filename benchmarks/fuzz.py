"""The fuzzing campaign: every loader's fuzz target for a given time, failures minimised.

Run on demand (the test suite runs the same targets with a small budget):

    .venv/bin/python benchmarks/fuzz.py [--seconds 300] [--target kubernetes ...] [--out DIR]

Round-robins over the targets (`tests/fuzz_cases.py`: Kubernetes-shaped YAML with wrong
types, HCL fragments, plan-like JSON, kustomizations, chart values) in rounds of hypothesis
examples with fresh seeds until the time is up. A case that breaks an invariant is shrunk
by hypothesis to a minimal one, which is printed and written to `--out` (one directory per
failure, the files as they were scanned). Prints a table: target, cases tried, failures.
Exit code 1 when anything failed.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from iacguard.plugin import make_plugins  # noqa: E402

from fuzz_cases import TARGETS, Files, violations  # noqa: E402

ROUND = 10  # examples per round: a round always finishes, so rounds are the time unit


@dataclass
class Tally:
    tried: int = 0
    failures: list[tuple[Files, list[str]]] = field(default_factory=list)


def run_round(target: str, round_seed: int, tally: Tally) -> None:
    plugins = make_plugins()
    last_failure: list[tuple[Files, list[str]]] = []

    @seed(round_seed)
    @settings(max_examples=ROUND, deadline=None, database=None, report_multiple_bugs=False,
              phases=[Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(TARGETS[target]())
    def case(files: Files) -> None:
        tally.tried += 1
        broken = violations(plugins, files)
        if broken:
            last_failure[:] = [(files, broken)]  # the last failing call is the shrunk one
            raise AssertionError(broken)

    try:
        case()
    except AssertionError:
        if last_failure and all(last_failure[0][1] != known for _, known in tally.failures):
            tally.failures.append(last_failure[0])


def save(out: Path, target: str, files: Files, broken: list[str]) -> Path:
    key = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()[:12]
    where = out / f"{target}-{key}"
    for name, text in files.items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    (where / "VIOLATIONS.txt").write_text("\n".join(broken) + "\n", encoding="utf-8")
    return where


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--target", action="append", choices=sorted(TARGETS))
    parser.add_argument("--out", type=Path, default=REPO / "fuzz-failures")
    parser.add_argument("--seed", type=int, default=0, help="first round's seed")
    args = parser.parse_args()
    targets = args.target or sorted(TARGETS)
    tallies = {t: Tally() for t in targets}
    stop = time.monotonic() + args.seconds
    round_seed = args.seed
    while time.monotonic() < stop:
        for target in targets:
            if time.monotonic() >= stop:
                break
            run_round(target, round_seed, tallies[target])
        round_seed += 1
    print(f"command: {' '.join(sys.argv)}")
    print(f"{'target':<12} {'cases':>7} {'failures':>9}")
    for target, tally in tallies.items():
        print(f"{target:<12} {tally.tried:>7} {len(tally.failures):>9}")
    for target, tally in tallies.items():
        for files, broken in tally.failures:
            where = save(args.out, target, files, broken)
            print(f"\n{target}: minimal failing case written to {where}")
            for line in broken:
                print(f"  - {line}")
            for name, text in files.items():
                print(f"  {name}: {text[:400]!r}")
    return 1 if any(t.failures for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
