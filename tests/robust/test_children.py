"""No child outlives iacguard: SIGINT/SIGTERM kill the render workers and exit 130/143 with
one line; workers carry their own CPU limit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.children import run_bounded

from helpers import alive, wait_for, write

SPIN_CHART = {
    "c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    "c/templates/spin.yaml": "{{ range until 100000000 }}{{ end }}\n",
}


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see child processes")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_kills_the_render_worker_and_exits_with_one_line(tmp_path: Path, signum: int,
                                                                code: int) -> None:
    write(tmp_path, SPIN_CHART)
    scan = subprocess.Popen([sys.executable, "-m", "iacguard", "scan", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: _children_of(scan.pid), "a render worker started")
        workers = _children_of(scan.pid)
        scan.send_signal(signum)
        _, err = scan.communicate(timeout=120)
    finally:
        if scan.poll() is None:
            scan.kill()
    assert scan.returncode == code
    assert err.decode().splitlines() == [
        f"iacguard: stopped by {signal.Signals(signum).name}; nothing reported"]
    wait_for(lambda: not any(alive(w) for w in workers), "the workers are gone", polls=200)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_CPU semantics checked on Linux")
def test_a_spinning_child_is_ended_by_its_cpu_limit_not_by_the_clock() -> None:
    done = run_bounded([sys.executable, "-c", "while True: pass"], timeout=600, cpu_seconds=1)
    assert not done.timed_out
    assert done.returncode == -signal.SIGXCPU


def test_the_process_group_dies_with_the_child(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    script = (f"import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', "
              f"'import time; time.sleep(600)'], stdout=subprocess.DEVNULL, "
              f"stderr=subprocess.DEVNULL); open({str(marker)!r}, 'w').write(str(p.pid))")
    done = run_bounded([sys.executable, "-c", script], timeout=120)
    assert (done.returncode, done.timed_out) == (0, False)
    grandchild = int(marker.read_text())
    wait_for(lambda: not alive(grandchild), "the grandchild is gone", polls=200)
    assert os.getpid() != grandchild
