"""The run-task service end to end: a local HTTP server on 127.0.0.1 plays Terraform Cloud
(serves the plan JSON to the right Bearer token, receives the task-result PATCHes), and the
service runs on a real Werkzeug server in front of the real engine."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from iacguard_builtin.plan import plugin
from iacguard_builtin.plan.server import RunTaskApp, Settings
from plan.tfplan import Res, plan
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from iacguard.config import build_config
from iacguard.plugin import Plugins

TOKEN = "tfc-run-token-0123456789"
OPEN = Res("aws_security_group.ssh", {"name": "ssh", "ingress": [
    {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})
CLOSED = Res("aws_security_group.ok", {"name": "ok", "ingress": [
    {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}]})


@dataclass
class FakeCloud:
    plan: dict[str, Any]
    patches: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    plan_requests: list[str] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        auth = request.headers.get("Authorization", "")
        if request.method == "GET" and request.path == "/api/v2/plans/plan-1/json-output":
            self.plan_requests.append(auth)
            if auth != f"Bearer {TOKEN}":
                return Response("unauthorized", status=401)(environ, start_response)
            return Response(json.dumps(self.plan), mimetype="application/json")(environ, start_response)
        if request.method == "PATCH" and request.path == "/api/v2/task-results/tr-1/callback":
            self.patches.append((auth, request.content_type or "", json.loads(request.get_data())))
            return Response("", status=200)(environ, start_response)
        return Response("not found", status=404)(environ, start_response)


def _serve(app: Any) -> Iterator[BaseWSGIServer]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join()


@pytest.fixture()
def cloud() -> Iterator[tuple[FakeCloud, str]]:
    fake = FakeCloud(plan([OPEN, CLOSED]))
    for server in _serve(fake):
        yield fake, f"http://127.0.0.1:{server.port}"


def _service(plugins: Plugins, key: str | None = None) -> Iterator[tuple[RunTaskApp, str]]:
    app = RunTaskApp(plugins, Settings(config=build_config({}, {"fail_on": "high"}), hmac_key=key))
    for server in _serve(app):
        yield app, f"http://127.0.0.1:{server.port}/"


def _payload(base: str, stage: str = "post_plan") -> bytes:
    return json.dumps({
        "payload_version": 1, "stage": stage, "access_token": TOKEN, "run_id": "run-1",
        "task_result_id": "tr-1", "task_result_enforcement_level": "mandatory",
        "capabilities": {"outcomes": True}, "organization_name": "acme", "workspace_name": "prod",
        "plan_json_api_url": f"{base}/api/v2/plans/plan-1/json-output",
        "task_result_callback_url": f"{base}/api/v2/task-results/tr-1/callback",
    }).encode()


def test_scans_the_plan_and_patches_the_result(plugins: Plugins, cloud: tuple[FakeCloud, str],
                                               caplog: pytest.LogCaptureFixture) -> None:
    fake, base = cloud
    caplog.set_level(logging.DEBUG)
    for app, url in _service(plugins):
        reply = httpx.post(url, content=_payload(base), headers={"User-Agent": "TFC/1.0"})
        assert reply.status_code == 200
        app.join()
    assert fake.plan_requests == [f"Bearer {TOKEN}"]
    assert [(auth, ctype) for auth, ctype, _ in fake.patches] == \
        [(f"Bearer {TOKEN}", "application/vnd.api+json")] * 2
    statuses = [body["data"]["attributes"]["status"] for _, _, body in fake.patches]
    assert statuses == ["running", "failed"]
    data = fake.patches[-1][2]["data"]
    assert data["type"] == "task-results"
    assert data["attributes"]["message"].startswith("iacguard: 1 failures at or above high")
    outcomes = data["relationships"]["outcomes"]["data"]
    assert [(o["type"], o["attributes"]["tags"]) for o in outcomes] == [
        ("task-result-outcomes", {"Severity": [{"label": "High", "level": "error"}]})]
    assert "aws_security_group.ssh" in outcomes[0]["attributes"]["description"]
    assert outcomes[0]["attributes"]["outcome-id"].startswith("BAS001-")
    assert TOKEN not in caplog.text


def test_passing_plan(plugins: Plugins, cloud: tuple[FakeCloud, str]) -> None:
    fake, base = cloud
    fake.plan = plan([CLOSED])
    for app, url in _service(plugins):
        assert httpx.post(url, content=_payload(base)).status_code == 200
        app.join()
    body = fake.patches[-1][2]["data"]
    assert body["attributes"]["status"] == "passed"
    assert body["relationships"]["outcomes"]["data"] == []


def test_signature_is_verified_when_a_key_is_set(plugins: Plugins, cloud: tuple[FakeCloud, str]) -> None:
    fake, base = cloud
    payload = _payload(base)
    good = hmac.new(b"s3cret", payload, hashlib.sha512).hexdigest()
    for app, url in _service(plugins, key="s3cret"):
        assert httpx.post(url, content=payload).status_code == 401
        for signature, status in (("0" * 128, 401), (good, 200)):
            headers = {"X-TFC-Task-Signature": signature}
            assert httpx.post(url, content=payload, headers=headers).status_code == status
        app.join()
    assert len(fake.plan_requests) == 1


def test_stages_without_a_plan_and_bad_requests(plugins: Plugins, cloud: tuple[FakeCloud, str]) -> None:
    fake, base = cloud
    for app, url in _service(plugins):
        assert httpx.get(url + "healthz").text == "ok\n"
        assert httpx.post(url, content=_payload(base, "test")).status_code == 200  # set-up check
        no_plan = json.loads(_payload(base, "pre_plan"))
        del no_plan["plan_json_api_url"]
        assert httpx.post(url, content=json.dumps(no_plan)).status_code == 200
        assert httpx.post(url, content=b"{not json").status_code == 400
        assert httpx.post(url, content=b'{"payload_version": 2}').status_code == 400
        app.join()
    assert fake.plan_requests == []
    assert [body["data"]["attributes"]["status"] for _, _, body in fake.patches] == ["passed"]


def test_wrong_token_fails_the_task(plugins: Plugins, cloud: tuple[FakeCloud, str]) -> None:
    fake, base = cloud
    payload = json.loads(_payload(base))
    payload["access_token"] = "revoked"
    for app, url in _service(plugins):
        assert httpx.post(url, content=json.dumps(payload)).status_code == 200
        app.join()
    last = fake.patches[-1][2]["data"]["attributes"]
    assert last["status"] == "failed" and "could not fetch the plan" in last["message"]


def test_command_is_added_through_the_hook() -> None:
    parser = argparse.ArgumentParser(prog="iacguard")
    plugin.iacguard_add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["run-task", "serve", "--port", "9999", "--host", "0.0.0.0"])
    assert (args.run, args.port, args.host) == (plugin.run_task_serve, 9999, "0.0.0.0")
