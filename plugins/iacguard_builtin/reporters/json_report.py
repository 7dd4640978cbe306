"""`--format json`: the stable machine contract (documented in the README).

Deterministic: the same input gives byte-identical output (sorted findings and keys, no
timestamps, no absolute paths).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from iacguard.model import Finding, ScanError, ScanResult, Severity
from iacguard.reporting import RenderOptions
from iacguard_builtin.reporters.jsontext import Encoded, dumps, dumps_document

FORMAT_VERSION = "1.0"


def finding_dict(finding: Finding) -> dict[str, Any]:
    ref = finding.resource
    resource: dict[str, Any] = {"id": ref.id, "name": ref.name, "format": ref.format}
    if ref.format.startswith("terraform"):
        resource["type"] = ref.kind
    else:
        resource["kind"] = ref.kind
    if ref.namespace:
        resource["namespace"] = ref.namespace
    if ref.address:
        resource["address"] = ref.address
    loc = finding.location
    out: dict[str, Any] = {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "category": finding.category,
        "severity": finding.severity.label,
        "title": finding.title,
        "message": finding.message,
        "resource": resource,
        "location": {
            "path": loc.path,
            "start_line": loc.start_line,
            "end_line": loc.end_line,
            "precision": loc.precision,
        },
        "fingerprint": finding.fingerprint,
    }
    if finding.related:
        out["related"] = [
            {"path": r.path, "start_line": r.start_line, "end_line": r.end_line}
            for r in finding.related
        ]
    if finding.context:
        out["context"] = dict(finding.context)
    if finding.suppression is not None:
        out["suppression"] = finding.suppression.model_dump(exclude_none=True)
    return out


def error_dict(error: ScanError) -> dict[str, Any]:
    return {k: v for k, v in error.model_dump().items() if v is not None}


def summary(result: ScanResult) -> dict[str, Any]:
    severities = Counter(f.severity for f in result.findings)
    categories: Counter[str] = Counter(f.category for f in result.findings)
    return {
        "findings": len(result.findings),
        "by_severity": {s.label: severities.get(s, 0) for s in sorted(Severity, reverse=True)},
        "by_category": dict(sorted(categories.items())),
        "failing": len(result.failing()),
        **({"suppressed": _suppressed(result)} if result.suppressed() else {}),
        "fail_on": result.fail_on.label,
        "errors": len(result.errors),
        "files_scanned": result.files_scanned,
        "resources": result.resources,
        **({"stats": result.stats} if result.stats else {}),
    }


def _suppressed(result: ScanResult) -> dict[str, int]:
    kinds = Counter(f.suppression.kind for f in result.findings if f.suppression is not None)
    return dict(sorted(kinds.items()))


def render(result: ScanResult, options: RenderOptions) -> str:
    """The document as `json.dumps(indent=2, sort_keys=True)` writes it; the findings are
    encoded one at a time (`jsontext`), a large report never holding all their dicts."""
    document = {
        "version": FORMAT_VERSION,
        "tool": {"name": "iacguard", "version": result.version},
        "summary": summary(result),
        "errors": [error_dict(e) for e in result.errors],
    }
    shared: dict[int, Encoded] = {}  # the text of a ResourceRef or Location, by identity
    findings = (_with_shared_parts(f, shared) for f in result.findings)
    return "".join([*dumps_document(document, "findings", findings), "\n"])


def _with_shared_parts(finding: Finding, shared: dict[int, Encoded]) -> dict[str, Any]:
    """`finding_dict(finding)` with its resource and location as encoded text, encoded once
    per object: the findings on one resource, or at one place, share it (`Located`)."""
    out = finding_dict(finding)
    for key, part in (("resource", finding.resource), ("location", finding.location)):
        text = shared.get(id(part))
        if text is None:
            text = shared[id(part)] = Encoded(dumps(out[key], 3))  # a finding's fields: level 3
        out[key] = text
    return out
