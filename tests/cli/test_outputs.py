"""Several outputs in one run, stdin, `--version`, a closed pipe, start-up without plugins,
`explain` on the terminal and raw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.cli import main

from helpers import write

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "platform"
NODEPORT = "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: NodePort\n"


def run(*args: str, stdin: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "iacguard.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120, input=stdin)


def test_several_outputs_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sarif, report = tmp_path / "results.sarif", tmp_path / "report.json"
    assert main(["scan", str(EXAMPLE), "-o", f"sarif={sarif}", "-o", "text",
                 "--output", f"json={report}", "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("iacguard: failed:") and "Summary by rule" in out
    findings = json.loads(report.read_text())["findings"]
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert len(findings) == len(results) > 0
    # A file keeps the --format of the run when no format is named.
    legacy = tmp_path / "legacy.json"
    assert main(["scan", str(EXAMPLE), "--format", "json", "--output", str(legacy)]) == 1
    assert capsys.readouterr().out == "" and json.loads(legacy.read_text())["findings"] == findings


@pytest.mark.parametrize(("outputs", "message"), [
    (["-o", "text", "-o", "json"], "only one output can go to the console"),
    (["-o", "yaml=x.yaml"], "unknown format 'yaml'"),
    (["-o", "json="], "no file after '='"),
    (["-o", "json=a.json", "-o", "sarif=a.json"], "two outputs write to the same file"),
])
def test_output_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str], outputs: list[str],
                         message: str) -> None:
    write(tmp_path, {"svc.yaml": NODEPORT})
    assert main(["scan", str(tmp_path), *outputs]) == 2
    assert message in capsys.readouterr().err


def test_scan_reads_a_manifest_from_stdin(tmp_path: Path) -> None:
    proc = run("scan", "-", "--format", "json", stdin=NODEPORT, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert {(f["rule_id"], f["location"]["path"], f["location"]["start_line"])
            for f in findings} == {("ING001", "stdin.yaml", 5)}
    empty = run("scan", "-", stdin="", cwd=tmp_path)
    assert empty.returncode == 2 and "nothing to scan: stdin (`-`) was empty" in empty.stderr


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("iacguard ")
    assert proc.stdout.split()[1][0].isdigit()


def test_closed_pipe_is_not_a_traceback() -> None:
    # `iacguard scan ... | head -1`: the reader goes away after one line.
    proc = subprocess.Popen([sys.executable, "-m", "iacguard.cli", "scan", str(EXAMPLE),
                             "--group-by", "file"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=REPO)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert proc.returncode in (0, 1)


def _modules_after(argv: list[str]) -> set[str]:
    code = ("import sys, contextlib, io\nfrom iacguard.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass\n"
            "print('\\n'.join(sorted(sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def test_top_level_help_imports_no_plugin() -> None:
    plugin_packages = ("iacguard_", "hcl2", "lark", "helm_python", "rich")
    for argv in (["--help"], ["--version"]):
        loaded = _modules_after(argv)
        assert sorted(m for m in loaded if m.startswith(plugin_packages)) == []
    # A subcommand loads them (its options come from plugins).
    assert "iacguard_builtin.kubernetes.plugin" in _modules_after(["scan", "--help"])


def test_top_level_help_names_the_plugins() -> None:
    proc = run("--help")
    shown = " ".join(proc.stdout.split())
    assert proc.returncode == 0
    assert "installed plugins: catalogue, distributed, github, gitlab, helm," in shown


def test_explain_renders_markdown_or_prints_it_raw(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "lb001", "--format", "markdown"]) == 0
    raw = capsys.readouterr().out
    assert raw.startswith("# LB001 public-load-balancer-service\n") and "## Why is this bad?" in raw
    assert main(["explain", "LB001"]) == 0
    shown = capsys.readouterr().out
    assert "Why is this bad?" in shown and "## Why" not in shown and "LB001" in shown
    assert main(["explain", "LB01"]) == 2
    assert "did you mean 'LB001'?" in capsys.readouterr().err
