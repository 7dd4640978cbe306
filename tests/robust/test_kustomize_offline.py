"""Kustomize never reaches the network: every remote spelling is refused before building,
and a build runs where git and ssh can reach nothing (observed with strace)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from iacguard_builtin.kustomize.build import build
from iacguard_builtin.kustomize.loader import build_command
from iacguard_builtin.kustomize.remote import is_remote

from iacguard.config import Config
from iacguard.loading import LoadContext
from iacguard.plugin import Plugins

from helpers import scan, write

REMOTE_FORMS = [
    "git::ssh://git@exfil.example.invalid/org/repo.git//base",
    "git::https://exfil.example.invalid/org/repo.git//base?ref=v1",
    "git::git@exfil.example.invalid:org/repo.git",
    "https://exfil.example.invalid/org/repo/base",
    "http://exfil.example.invalid/x.yaml",
    "ssh://git@exfil.example.invalid/org/repo",
    "git@exfil.example.invalid:org/repo.git",
    "deploy@exfil.example.invalid:org/repo",
    "github.com/org/repo/base?ref=v1",
    "github.com/org/repo//base",
    "gh:org/repo/base",
    "gitlab.com/org/repo",
    "exfil.example.invalid/org/repo.git//base",
    "exfil.example.invalid/org/repo//base",
    "../base?ref=main",
    "file:///etc/kubernetes",
    "s3::https://bucket.example.invalid/x",
]
LOCAL_FORMS = ["../base", "base", "deployment.yaml", "./overlays/prod", "a.b/c.yaml",
               "../../common/config-map.yaml", "user@2x.yaml"]


@pytest.mark.parametrize("reference", REMOTE_FORMS)
def test_remote_forms_are_recognised(reference: str) -> None:
    assert is_remote(reference)


@pytest.mark.parametrize("reference", LOCAL_FORMS)
def test_local_paths_are_not_remote(reference: str) -> None:
    assert not is_remote(reference)


def test_each_remote_form_is_refused_at_its_line(plugins: Plugins, tmp_path: Path) -> None:
    for i, ref in enumerate(REMOTE_FORMS):
        write(tmp_path, {f"k{i}/kustomization.yaml": f"namePrefix: x-\nresources:\n- {ref}\n"})
    result, _ = scan(plugins, tmp_path)
    assert result.errors == []
    assert {(f.location.path, f.location.start_line, f.message) for f in result.findings} == {
        (f"k{i}/kustomization.yaml", 3, f"kustomization not built: it references the remote "
                                       f"{ref!r}, and iacguard never fetches remote bases")
        for i, ref in enumerate(REMOTE_FORMS)}


STRACE = shutil.which("strace")
needs_strace = pytest.mark.skipif(STRACE is None or sys.platform != "linux",
                                  reason="strace not installed (.ci/run installs it on Debian)")
needs_kubectl = pytest.mark.skipif(build_command(Path(".")) is None,
                                   reason="neither kustomize nor kubectl is installed")
INET_CONNECT = re.compile(r"connect\(\d+, \{sa_family=AF_INET6?, .*\) = (-?\d+)")


def _traced(command: list[str], log: Path, cwd: Path) -> str:
    assert STRACE is not None
    subprocess.run([STRACE, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,execve", "-o", str(log),
                    *command], cwd=cwd, capture_output=True, timeout=300, check=False)
    return log.read_text()


@needs_strace
@needs_kubectl
def test_scan_of_a_git_ssh_base_runs_no_git_ssh_and_opens_no_socket(tmp_path: Path) -> None:
    write(tmp_path, {"k/kustomization.yaml": "resources:\n- " + REMOTE_FORMS[0] + "\n"})
    trace = _traced([sys.executable, "-m", "iacguard", "scan", "k"], tmp_path / "trace", tmp_path)
    assert trace.strip(), "strace recorded nothing (is ptrace allowed here?)"
    assert INET_CONNECT.findall(trace) == []
    assert re.findall(r'execve\("[^"]*/(git|ssh|kubectl|kustomize)"', trace) == []


@needs_strace
@needs_kubectl
def test_a_remote_that_slips_past_reaches_no_network(tmp_path: Path) -> None:
    """Straight to the build (the refusal bypassed): git may not run ssh, nothing connects."""
    write(tmp_path, {"k/kustomization.yaml": "resources:\n- " + REMOTE_FORMS[0] + "\n"
                     "- https://exfil.example.invalid/x.yaml\n"})
    command = build_command(tmp_path / "k")
    assert command is not None and STRACE is not None
    log = tmp_path / "trace"
    traced = [STRACE, "-f", "-qq", "-e", "trace=connect,execve", "-o", str(log), *command]
    output = build(traced, LoadContext(tmp_path, Config()))
    assert output.error is not None  # the build fails offline, as it must
    trace = log.read_text()
    assert re.findall(r'execve\("[^"]*/ssh"', trace) == []
    assert [code for code in INET_CONNECT.findall(trace) if code == "0"] == []
