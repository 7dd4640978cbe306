"""Wall time and peak RSS of one command run in a fresh interpreter (shared by the benchmarks)."""

from __future__ import annotations

import subprocess
import sys

# The child's peak RSS is its own (RUSAGE_CHILDREN of a process that ran only it).
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(time.perf_counter() - start, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
)


def timed(command: list[str]) -> tuple[float, float, float]:
    """Seconds (wall), peak RSS (MiB) and CPU seconds of one run of `command`."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024, float(out[2])
