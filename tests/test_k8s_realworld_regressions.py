"""Manifest loader regressions found on real-world repositories."""

from __future__ import annotations

from pathlib import Path

from iacguard.plugin import Plugins

from helpers import scan, write


def test_broken_json_of_other_tools_is_left_alone(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {
        # JSON with comments and trailing commas (TypeScript, VS Code, dev containers).
        "tsconfig.json": '{\n  // compiler\n  "compilerOptions": {"strict": true,},\n}\n',
        ".devcontainer/devcontainer.json": '{\n  "name": "dev", /* image */\n  "image": "x",\n}\n',
    })
    result, _ = scan(plugins, tmp_path)
    assert [f for f in result.findings if f.category == "parse-error"] == []


def test_broken_manifests_are_still_reported(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {
        "pod.json": '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"},}\n',
        "deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n bad: indent\n",
    })
    result, _ = scan(plugins, tmp_path)
    assert sorted((f.location.path, f.location.start_line, f.rule_name) for f in result.findings) == [
        ("deploy.yaml", 5, "unparseable-file"), ("pod.json", 1, "unparseable-file")]
