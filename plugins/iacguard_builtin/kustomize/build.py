"""Run a `kustomize build` or `kubectl kustomize` command (a subprocess, no shell, offline)."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from iacguard import budget
from iacguard.children import run_bounded
from iacguard.loading import LoadContext

BUILD_TIMEOUT_SECONDS = 120
VERSION_TIMEOUT_SECONDS = 30
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
KLOG_PREFIX = re.compile(r'^[EWI]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] (?:"command failed" err=)?')
NOT_AVAILABLE = "kustomize not available: install kubectl or kustomize"


def _offline_env() -> dict[str, str]:
    """The environment for the build: nothing a remote reference that slipped past the check
    could reach the network with. Proxies point at a closed local port; git may use the
    `file` protocol only, never prompts, reads no user or system config (so no credential
    helper, no `insteadOf` rewrite) and cannot run ssh; no ssh agent is reachable."""
    drop = ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_SSH",
            "GIT_SSH_COMMAND", "GIT_PROXY_COMMAND", "GIT_CONFIG_PARAMETERS")
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and k not in drop and not k.startswith("GIT_CONFIG")}
    dead = "http://127.0.0.1:9"
    env.update({"HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead,
                "ALL_PROXY": dead, "NO_PROXY": "", "no_proxy": "",
                "GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": "file",
                "GIT_SSH_COMMAND": "false", "GIT_ASKPASS": "false", "SSH_ASKPASS": "false",
                "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                "GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "credential.helper",
                "GIT_CONFIG_VALUE_0": "", "GIT_CONFIG_KEY_1": "protocol.allow",
                "GIT_CONFIG_VALUE_1": "never"})
    return env


@functools.cache
def no_network_prefix() -> tuple[str, ...]:
    """`unshare --net --map-root-user` where this machine allows it (Linux with user or root
    namespaces): the build then runs with no network interface at all, not even loopback.
    A fact of the machine, not of any input: asked once per process."""
    tool = shutil.which("unshare")
    if tool is None:
        return ()
    command = (tool, "--net", "--map-root-user")
    try:
        proc = subprocess.run([*command, "true"], capture_output=True, check=False,
                              timeout=VERSION_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return command if proc.returncode == 0 else ()


def _ask_version(tool: str) -> str:
    """What the tool says its version is ("unknown" when it does not say)."""
    kubectl = Path(tool).name.startswith("kubectl")
    command = [tool, "version", "--client", "-o", "json"] if kubectl else [tool, "version"]
    try:
        proc = subprocess.run(command, capture_output=True, timeout=VERSION_TIMEOUT_SECONDS, check=False,
                              env=_offline_env(), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = proc.stdout.decode("utf-8", "replace").strip()
    if not kubectl:
        return text or "unknown"
    try:
        info = json.loads(text)
    except ValueError:
        return "unknown"
    client = info.get("clientVersion") if isinstance(info, dict) else None
    version = str(client.get("gitVersion", "unknown")) if isinstance(client, dict) else "unknown"
    return f"{version} (kustomize {info.get('kustomizeVersion', 'unknown')})"


def note_build_tool(command: list[str], ctx: LoadContext) -> None:
    """Record the build tool and its version as an input of the unit (asked once per binary)."""
    tool = command[0]
    try:
        stat = os.stat(tool)
        key: tuple[str, ...] = ("kustomize-tool-version", tool, str(stat.st_mtime_ns), str(stat.st_size))
    except OSError:
        key = ("kustomize-tool-version", tool)
    ctx.fs.note_tool(Path(tool).name, ctx.memo.get(key, lambda: _ask_version(tool)))


@dataclass
class BuildOutput:
    text: str = ""
    error: str | None = None


def build(command: list[str] | None, ctx: LoadContext) -> BuildOutput:
    """Run a build command (`None`: no tool is installed) and note the tool as an input."""
    if command is None:
        return BuildOutput(error=NOT_AVAILABLE)
    note_build_tool(command, ctx)
    timeout = budget.remaining(BUILD_TIMEOUT_SECONDS)
    if timeout <= 0:
        return BuildOutput(error=budget.used_up_message("kustomize build"))
    try:
        proc = run_bounded([*no_network_prefix(), *command], timeout=timeout,
                           env=_offline_env(), cpu_seconds=BUILD_TIMEOUT_SECONDS + 5)
    except OSError as exc:
        return BuildOutput(error=f"cannot run {command[0]}: {exc}")
    if proc.timed_out:
        return BuildOutput(error=f"kustomize build timed out after {timeout:g}s")
    if proc.returncode != 0:
        lines = [KLOG_PREFIX.sub("", line).strip() for line in
                 proc.stderr.decode("utf-8", "replace").splitlines()]
        lines = [line for line in lines if line and not line.startswith("# Warning")]
        return BuildOutput(error="; ".join(lines) or f"{command[0]} exited {proc.returncode}")
    if len(proc.stdout) > MAX_OUTPUT_BYTES:
        return BuildOutput(error=f"kustomize output larger than {MAX_OUTPUT_BYTES} bytes")
    return BuildOutput(text=proc.stdout.decode("utf-8", "replace"))
