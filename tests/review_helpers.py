"""Helpers of the `iacguard pr` tests: throwaway git repositories, the command run in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from iacguard.cli import build_parser
from iacguard.errors import IacguardError
from iacguard.plugin import Plugins

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}

# A GKE cluster whose private nodes come from a variable default, and a privileged pod:
# the inputs of the pr tests.
CLUSTER_TF = """\
resource "google_container_cluster" "shop" {
  name     = "shop"
  location = "europe-west1"
  private_cluster_config {
    enable_private_nodes    = var.private_nodes
    enable_private_endpoint = false
  }
}
"""
VARIABLES_TF = """\
variable "private_nodes" {
  type    = bool
  default = true
}
"""
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  automountServiceAccountToken: false
  containers:
    - name: c
      image: busybox:1.36
      securityContext:
        privileged: true
"""


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **GIT_ENV}
        done = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.com",
                               "-c", "commit.gpgsign=false", *args], cwd=self.path, env=env,
                              capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def write(self, files: dict[str, str | None]) -> None:
        for name, text in files.items():
            target = self.path / name
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def commit(self, message: str, files: dict[str, str | None]) -> str:
        self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


def run_pr(plugins: Plugins, argv: Iterable[str], capsys: pytest.CaptureFixture[str]
           ) -> tuple[int, str, str]:
    """`iacguard pr ARGV` as `iacguard.cli.main` runs a plugin's command: exit code, stdout,
    stderr."""
    parser, _ = build_parser(plugins)
    args = parser.parse_args(["pr", "--jobs", "1", "--no-cache", *argv])
    try:
        code: int = args.run(args)
    except IacguardError as exc:
        print(f"iacguard: error: {exc}", file=sys.stderr)
        code = 2
    out, err = capsys.readouterr()
    return code, out, err


def classes(json_text: str) -> dict[str, set[tuple[str, str]]]:
    """The classification as exact sets of (rule id, repository path)."""
    doc: dict[str, Any] = json.loads(json_text)
    return {
        "new": {(n["finding"]["rule_id"], n["finding"]["location"]["path"]) for n in doc["new"]},
        **{key: {(f["rule_id"], f["location"]["path"]) for f in doc[key]}
           for key in ("fixed", "pre_existing", "suppressed")},
    }
