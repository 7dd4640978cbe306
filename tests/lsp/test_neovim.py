"""A real editor: headless Neovim opens a manifest and receives the server's diagnostic."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NVIM = shutil.which("nvim")
SCRIPT = Path(__file__).with_name("nvim_client.lua")


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (.ci/run installs the Debian "
                    "package `neovim` where it can)")
def test_neovim_receives_the_diagnostic(workspace: Path, tmp_path: Path) -> None:
    assert NVIM is not None
    out = tmp_path / "diagnostics.txt"
    job = workspace / "k8s" / "job.yaml"
    env = {**os.environ, "IACGUARD_WS": str(workspace), "IACGUARD_FILE": str(job),
           "IACGUARD_OUT": str(out), "IACGUARD_PYTHON": sys.executable}
    subprocess.run([NVIM, "--headless", "--clean", "-n", "-u", "NONE", "-c", f"luafile {SCRIPT}"],
                   env=env, check=True, timeout=300, stdin=subprocess.DEVNULL,
                   capture_output=True)
    assert out.read_text().splitlines() == ["PSC003 13 12"]
