"""`iacguard run-task serve`: the run-task HTTP service (Werkzeug).

A POST is answered at once (200, or 401/400 for a bad signature or payload); the work runs in
a background thread: PATCH `running`, GET the plan JSON with the request's token, scan it
with the engine, PATCH the result. The token is never logged (`TaskRequest` hides it).
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from werkzeug.wrappers import Request, Response

from iacguard.config import Config
from iacguard.engine import scan
from iacguard.plugin import Plugins
from iacguard_builtin.plan.runtask import (
    PayloadError,
    TaskRequest,
    parse_request,
    result_body,
    scan_body,
    signature_valid,
)

log = logging.getLogger("iacguard.run_task")
JSON_API = "application/vnd.api+json"
MAX_PLAN_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    config: Config
    hmac_key: str | None = None
    timeout: float = 60.0


class RunTaskApp:
    """The WSGI application. `join()` waits for the runs in progress (tests, shutdown)."""

    def __init__(self, plugins: Plugins, settings: Settings) -> None:
        self.plugins = plugins
        self.settings = settings
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self.respond(Request(environ))
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/healthz":
            return Response("ok\n", mimetype="text/plain")
        if request.method != "POST":
            return Response("run-task requests are POSTed\n", status=405, mimetype="text/plain")
        body = request.get_data(cache=False)
        if not signature_valid(body, request.headers.get("X-TFC-Task-Signature"), self.settings.hmac_key):
            log.warning("run-task request with a missing or wrong X-TFC-Task-Signature refused")
            return Response("bad signature\n", status=401, mimetype="text/plain")
        try:
            task = parse_request(json.loads(body))
        except (ValueError, PayloadError) as exc:
            return Response(f"bad request: {exc}\n", status=400, mimetype="text/plain")
        log.info("run-task request %r", task)
        if task.stage != "test":  # the verification request HCP Terraform sends on set-up
            worker = threading.Thread(target=self.run, args=(task,), daemon=True)
            with self._lock:
                self._workers.append(worker)
            worker.start()
        return Response("{}", status=200, mimetype="application/json")

    def join(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.join()

    def run(self, task: TaskRequest) -> None:
        headers = {"Authorization": f"Bearer {task.access_token}"}
        with httpx.Client(timeout=self.settings.timeout, follow_redirects=True) as client:
            try:
                if task.plan_url is None:
                    body = result_body("passed", f"iacguard checks plans; nothing to check at "
                                                 f"stage {task.stage or '(none)'}")
                else:
                    self._patch(client, task, result_body("running", "iacguard is scanning the plan"))
                    body = self._scan(client, task, headers)
            except httpx.HTTPError as exc:
                log.error("run %s: fetching the plan failed: %s", task.run_id, type(exc).__name__)
                body = result_body("failed", f"iacguard could not fetch the plan JSON ({type(exc).__name__})")
            try:
                self._patch(client, task, body)
                log.info("run %s: %s", task.run_id, body["data"]["attributes"]["status"])
            except httpx.HTTPError as exc:
                log.error("run %s: the task-result callback failed: %s", task.run_id, type(exc).__name__)

    def _scan(self, client: httpx.Client, task: TaskRequest, headers: dict[str, str]) -> dict[str, Any]:
        assert task.plan_url is not None
        response = client.get(task.plan_url, headers=headers)
        response.raise_for_status()
        if len(response.content) > MAX_PLAN_BYTES:
            return result_body("failed", "iacguard: the plan JSON is too large to scan")
        with tempfile.TemporaryDirectory(prefix="iacguard-run-task-") as tmp:
            plan = Path(tmp) / "tfplan.json"
            plan.write_bytes(response.content)
            result, _ = scan(self.plugins, self.settings.config, [plan])
        return scan_body(result)

    def _patch(self, client: httpx.Client, task: TaskRequest, body: dict[str, Any]) -> None:
        response = client.patch(task.callback_url, content=json.dumps(body).encode(), headers={
            "Authorization": f"Bearer {task.access_token}", "Content-Type": JSON_API})
        response.raise_for_status()


def serve(app: RunTaskApp, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True)
