"""`--format conftest`: conftest's JSON output, which Atlantis' policy-check parser reads.

`[{filename, namespace, successes, warnings, failures: [{msg, metadata}]}]`, one entry per
file with findings. Failures are the findings at or above `fail_on` (the gate's decision,
`ScanResult.failing()`), warnings the ones below; an internal error is a failure too, since
it fails the gate. Like conftest, empty `warnings`/`failures` lists are left out (Atlantis
treats any `failures": [` in a custom tool's output as failing). `successes` counts the
active policies that reported nothing on the file.
"""

from __future__ import annotations

import json
from typing import Any

from iacguard.model import Finding, ScanResult
from iacguard.reporting import RenderOptions

NAMESPACE = "main"


def _result(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    metadata: dict[str, Any] = {
        "rule_id": finding.rule_id, "rule_name": finding.rule_name, "category": finding.category,
        "severity": finding.severity.label, "resource": finding.resource.address or finding.resource.id,
        "location": {"path": loc.path, "start_line": loc.start_line, "end_line": loc.end_line},
        "fingerprint": finding.fingerprint,
    }
    if finding.context:
        metadata["context"] = dict(finding.context)
    return {"msg": f"{finding.rule_id} ({finding.severity.label}): {finding.message}",
            "metadata": metadata}


def render(result: ScanResult, options: RenderOptions) -> str:
    failing = {id(f) for f in result.failing()}
    files: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for finding in result.findings:
        entry = files.setdefault(finding.location.path, {"warnings": [], "failures": []})
        entry["failures" if id(finding) in failing else "warnings"].append(_result(finding))
    for error in result.errors:
        entry = files.setdefault(error.path or ".", {"warnings": [], "failures": []})
        entry["failures"].append({"msg": f"error: {error.kind}: {error.first_line}",
                                  "metadata": {"kind": error.kind, "plugin": error.plugin}})
    if not files:
        files["."] = {"warnings": [], "failures": []}
    out: list[dict[str, Any]] = []
    for filename in sorted(files):
        entry = files[filename]
        rules = {r["metadata"].get("rule_id") for r in entry["warnings"] + entry["failures"]}
        item: dict[str, Any] = {"filename": filename, "namespace": NAMESPACE,
                                "successes": len({p.id for p in result.policies} - rules)}
        for key in ("warnings", "failures"):
            if entry[key]:
                item[key] = entry[key]
        out.append(item)
    return json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
