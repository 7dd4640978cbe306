"""`.pre-commit-hooks.yaml` is valid against pre-commit's own manifest schema, and its hook
runs a command line iacguard's parser accepts with pre-commit's file names appended."""

from __future__ import annotations

import re
from pathlib import Path

from pre_commit.clientlib import load_manifest

from iacguard.cli import build_parser
from iacguard.plugin import Plugins

MANIFEST = Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml"


def test_manifest_is_valid_for_pre_commit() -> None:
    hooks = load_manifest(str(MANIFEST))  # raises InvalidManifestError on a bad manifest
    assert [h["id"] for h in hooks] == ["iacguard"]
    (hook,) = hooks
    assert hook["language"] == "python"
    assert hook["require_serial"] is True and hook["pass_filenames"] is True
    assert hook["entry"] == "iacguard scan --in-context"


def test_files_pattern_selects_infrastructure_files() -> None:
    (hook,) = load_manifest(str(MANIFEST))
    names = ["infra/main.tf", "infra/main.tf.json", "prod.tfvars", "k8s/app.yaml", "k8s/app.yml",
             "plan.json", "charts/web/templates/_helpers.tpl", "README.md", "main.py",
             "notes.tf.bak", "yaml/README"]
    assert [n for n in names if re.search(hook["files"], n)] == names[:7]


def test_entry_with_file_names_parses(plugins: Plugins) -> None:
    (hook,) = load_manifest(str(MANIFEST))
    parser, _ = build_parser(plugins)
    argv = [*hook["entry"].split()[1:], "--fail-on", "high", "infra/main.tf", "k8s/app.yaml"]
    args = parser.parse_args(argv)
    assert (args.command, args.in_context, args.fail_on) == ("scan", True, "high")
    assert args.paths == [Path("infra/main.tf"), Path("k8s/app.yaml")]
