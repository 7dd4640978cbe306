"""`action.yml`: a structurally valid composite action whose inputs reach the shell only
through `env:`; its scripts run here with bash against a scan of a small repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from helpers import write

ACTION = Path(__file__).resolve().parents[2] / "action.yml"
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
INPUT_REF = re.compile(r"\binputs\.([A-Za-z0-9_-]+)")
STEP_OUTPUT_REF = re.compile(r"\bsteps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)")


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(ACTION.read_text(encoding="utf-8"))
    return data


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def _step(action: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in action["runs"]["steps"] if s.get("id") == step_id)


def test_composite_action_structure(action: dict[str, Any]) -> None:
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"command", "paths", "fail-on", "sarif", "category", "args",
                                     "python-version"}
    for spec in action["inputs"].values():
        assert spec["description"].strip() and isinstance(spec["default"], str)
    steps = action["runs"]["steps"]
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step["shell"] == "bash", step.get("name")
    assert [s["uses"] for s in steps if "uses" in s] == ["actions/setup-python@v5",
                                                        "github/codeql-action/upload-sarif@v3"]


def test_every_input_used_is_declared_and_none_is_spliced_into_a_script(action: dict[str, Any]) -> None:
    used = {name for text in _strings(action["runs"]) + _strings(action["outputs"])
            for expr in EXPRESSION.findall(text) for name in INPUT_REF.findall(expr)}
    used |= {name for s in action["runs"]["steps"] if "if" in s for name in INPUT_REF.findall(s["if"])}
    assert used == set(action["inputs"])  # all declared, and every declared one is used
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")  # only `env:` reaches the shell


def test_outputs_are_written_by_the_steps_they_name(action: dict[str, Any]) -> None:
    for name, spec in action["outputs"].items():
        assert spec["description"]
        ((step_id, output),) = STEP_OUTPUT_REF.findall(spec["value"])
        assert f'echo "{output}=' in _step(action, step_id)["run"], name


@pytest.fixture
def run_step(action: dict[str, Any], tmp_path: Path) -> Any:
    """Run a step's script as the runner does (`bash -e -o pipefail`), with its `env:`
    filled from the given inputs, in a small repository; returns (status, GITHUB_OUTPUT)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    repo = write(tmp_path / "repo", {
        "k8s/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
                        "spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}\n"})
    (repo / ".git").mkdir()

    def run(step_id: str, env: dict[str, str]) -> tuple[int, dict[str, str]]:
        output = tmp_path / "github_output"
        output.write_text("")
        base = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                "HOME": str(tmp_path), "GITHUB_OUTPUT": str(output)}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c",
                               _step(action, step_id)["run"]], cwd=repo, env={**base, **env},
                              capture_output=True, text=True, timeout=120)
        written = dict(line.split("=", 1) for line in output.read_text().splitlines())
        return done.returncode, written
    run.repo = repo  # type: ignore[attr-defined]
    return run


def _inputs(**values: str) -> dict[str, str]:
    env = {"IACGUARD_COMMAND": "scan", "IACGUARD_PATHS": ".", "IACGUARD_FAIL_ON": "",
           "IACGUARD_CATEGORY": "iacguard", "IACGUARD_ARGS": "", "GITHUB_TOKEN": ""}
    return {**env, **values}


def test_scan_step_writes_sarif_and_keeps_the_exit_code(run_step: Any) -> None:
    status, outputs = run_step("run", _inputs(IACGUARD_PATHS="k8s\n", IACGUARD_CATEGORY="platform",
                                              IACGUARD_ARGS="--select LB001 --no-cache"))
    assert status == 0  # the step itself passes: the job fails later, after the upload
    assert outputs == {"exit-code": "1", "sarif-file": "iacguard.sarif"}
    log = json.loads((run_step.repo / "iacguard.sarif").read_text())
    assert log["runs"][0]["automationDetails"] == {"id": "platform/"}
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["LB001"]


def test_hostile_inputs_are_words_not_commands(run_step: Any) -> None:
    status, outputs = run_step("run", _inputs(
        IACGUARD_PATHS='k8s $(touch pwned1) `touch pwned2` ; touch pwned3 *',
        IACGUARD_FAIL_ON="high; touch pwned4", IACGUARD_ARGS="--no-cache && touch pwned5"))
    assert status == 0 and outputs["exit-code"] == "2"  # iacguard refused the odd words
    assert sorted(p.name for p in run_step.repo.iterdir()) == [".git", "k8s"]


def test_last_step_fails_the_job_with_the_exit_code(run_step: Any) -> None:
    assert run_step("gate", {"IACGUARD_EXIT_CODE": "1"})[0] == 1
    assert run_step("gate", {"IACGUARD_EXIT_CODE": ""})[0] == 2
