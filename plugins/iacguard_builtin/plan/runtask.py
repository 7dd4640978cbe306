"""The Terraform Cloud / Enterprise run-task protocol: request payload, signature, and the
JSON:API `task-results` body the integration PATCHes back.

Request (payload_version 1): `access_token`, `stage`, `plan_json_api_url` (post-plan
stages), `task_result_callback_url`, `run_id`, ... signed with `X-TFC-Task-Signature`
(HMAC-SHA512 of the body, hex) when an HMAC key is set on the run task. Result: status
`passed`/`failed`/`running`, a message, and one outcome per finding with a Severity tag.
Source: developer.hashicorp.com/terraform/cloud-docs/api-docs/run-tasks/run-tasks-integration.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from iacguard.model import Finding, ScanResult, Severity

MAX_OUTCOMES = 250
MAX_BODY_CHARS = 10_000
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "info", Severity.INFO: "none"}


class PayloadError(ValueError):
    """A request that is not a run-task payload we can act on."""


@dataclass(frozen=True)
class TaskRequest:
    access_token: str
    stage: str
    callback_url: str
    plan_url: str | None
    run_id: str

    def __repr__(self) -> str:  # never the token
        return f"TaskRequest(run_id={self.run_id!r}, stage={self.stage!r})"


def signature_valid(body: bytes, header: str | None, key: str | None) -> bool:
    """Whether the request is signed with `key`; any request is valid when no key is set."""
    if not key:
        return True
    if not header:
        return False
    expected = hmac.new(key.encode(), body, hashlib.sha512).hexdigest()
    return hmac.compare_digest(expected, header.strip().lower())


def parse_request(payload: Any) -> TaskRequest:
    if not isinstance(payload, dict):
        raise PayloadError("the request body is not a JSON object")
    if payload.get("payload_version") != 1:
        raise PayloadError(f"unsupported payload_version {payload.get('payload_version')!r}")
    token, callback = payload.get("access_token"), payload.get("task_result_callback_url")
    if not isinstance(token, str) or not isinstance(callback, str) or not callback:
        raise PayloadError("access_token and task_result_callback_url are required")
    plan_url = payload.get("plan_json_api_url")
    return TaskRequest(token, str(payload.get("stage", "")), callback,
                       plan_url if isinstance(plan_url, str) and plan_url else None,
                       str(payload.get("run_id", "")))


def result_body(status: str, message: str, outcomes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "task-results", "attributes": {"status": status, "message": message}}
    if outcomes is not None:
        data["relationships"] = {"outcomes": {"data": outcomes}}
    return {"data": data}


def _outcome(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    resource = finding.resource.address or finding.resource.id
    lines = [f"**{finding.rule_id} {finding.rule_name}** ({finding.severity.label})", "",
             finding.message, "", f"- resource: `{resource}`",
             f"- location: `{loc.path}:{loc.start_line}`"]
    if "mapping" in finding.context:
        lines.append(f"- mapped to source: {finding.context['mapping']}")
    return {"type": "task-result-outcomes", "attributes": {
        "outcome-id": f"{finding.rule_id}-{finding.fingerprint[:16]}",
        "description": f"{finding.rule_id} {finding.title}: {resource}"[:250],
        "body": "\n".join(lines)[:MAX_BODY_CHARS],
        "tags": {"Severity": [{"label": finding.severity.label.capitalize(),
                               "level": LEVELS[finding.severity]}]},
    }}


def scan_body(result: ScanResult) -> dict[str, Any]:
    """`failed` exactly when the CLI gate would exit non-zero."""
    failing = len(result.failing())
    status = "failed" if result.exit_code() != 0 else "passed"
    if result.errors:
        message = f"iacguard: {len(result.errors)} internal errors; {failing} failures"
    else:
        message = (f"iacguard: {failing} failures at or above {result.fail_on.label} "
                   f"({len(result.findings)} findings, {result.resources} resources)")
    ordered = sorted(result.findings, key=lambda f: (-f.severity, f.sort_key()))
    return result_body(status, message, [_outcome(f) for f in ordered[:MAX_OUTCOMES]])
