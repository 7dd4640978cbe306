"""Which files are Terraform plan documents: a cheap look at the name and the first bytes.

A JSON file is claimed when its name is plan-like (`plan.json`, `tfplan.json`,
`*.tfplan.json`, `*.plan.json`) or its first KB has `"format_version"` together with a
Terraform key (`terraform_version`, `planned_values`, `resource_changes`, `values`). Other
JSON (package.json, Kubernetes JSON, `{}`) is left to the other loaders.
"""

from __future__ import annotations

import re
from pathlib import Path

from iacguard.fs import FileSystem
from iacguard_builtin.plan.document import sniff_text

SNIFF_BYTES = 1024
_PLAN_NAMES = re.compile(r"^(?:tf)?plan\.json$|\.(?:tf)?plan\.json$", re.IGNORECASE)
_TERRAFORM_KEYS = re.compile(r'"(?:terraform_version|planned_values|resource_changes|values)"\s*:')


def plan_like_name(path: Path) -> bool:
    return bool(_PLAN_NAMES.search(path.name))


def is_plan_candidate(path: Path, fs: FileSystem) -> bool:
    if not path.name.lower().endswith(".json"):
        return False
    if plan_like_name(path):
        return True
    try:
        with_head = fs.read_bytes(path)[:SNIFF_BYTES]
    except OSError:
        return False
    head = sniff_text(with_head)
    return '"format_version"' in head and bool(_TERRAFORM_KEYS.search(head))
