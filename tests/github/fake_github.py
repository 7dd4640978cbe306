"""A fake GitHub REST API for one pull request, served by werkzeug on 127.0.0.1.

It implements the endpoints the GitHub platform uses and enforces the rules that bite real
bots: a review is refused whole (422) when any comment's line or start_line is not a
commentable RIGHT-side line of its file, bodies over 65,536 characters are refused, list
endpoints are paginated with ``Link`` headers (pages of `page_cap` items), requests need the
right Bearer token. Faults (a secondary rate limit with ``Retry-After``, a used-up primary
limit, a 502 before or after the write) fire on the requests they name. Every request is
recorded (method, path under the prefix, query, JSON body), never its token.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

MAX_BODY = 65_536
DATE = "Mon, 01 Jan 2024 00:00:00 GMT"  # the fake's clock, in every answer's Date header
EPOCH = 1_704_067_200  # DATE as a Unix time
OFF_DIFF = "Pull request review thread line must be part of the diff"
TOO_LONG = "Body is too long (maximum is 65536 characters)"
SECONDARY = ("You have exceeded a secondary rate limit and have been temporarily blocked from "
             "content creation. Please retry your request again later.")


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # without the prefix
    query: dict[str, str]
    body: Any
    authorized: bool
    api_version: str | None
    accept: str | None


@dataclass
class Fault:
    """Answer the next `times` requests `method path` (path matched by its end) wrongly."""

    method: str
    path_end: str
    kind: Literal["secondary", "primary", "server", "server-after-write", "forbidden", "echo-token"]
    times: int = 1
    retry_after: str | None = "7"  # for "secondary"
    reset_in: int = 30  # for "primary": seconds from DATE until x-ratelimit-reset


@dataclass
class FakeGitHub:
    token: str
    login: str = "iacguard-bot"
    owner: str = "octo"
    repo: str = "infra"
    number: int = 7
    base_sha: str = "b" * 40
    head_sha: str = "h" * 40
    prefix: str = ""  # "/api/v3": GitHub Enterprise Server
    page_cap: int = 2  # items per page, whatever per_page asks: every listing pages
    # commentable RIGHT-side lines per changed file of the pull request
    lines: dict[str, set[int]] = field(default_factory=dict)
    integration_tokens: dict[str, str] = field(default_factory=dict)  # token -> bot login
    other_tokens: dict[str, str] = field(default_factory=dict)  # token -> login
    faults: list[Fault] = field(default_factory=list)
    review_comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    issue_comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- seeding, as other people would write --------------------------------------------
    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def seed_review_comment(self, login: str, body: str, path: str, line: int | None,
                            in_reply_to: int | None = None) -> int:
        cid = self._id()
        self.review_comments[cid] = {
            "id": cid, "body": body, "user": {"login": login, "type": "User"}, "path": path,
            "line": line, "side": "RIGHT", "start_line": None, "start_side": None,
            "subject_type": "line" if line is not None else "file", "in_reply_to_id": in_reply_to,
            "commit_id": self.head_sha, "pull_request_review_id": None}
        return cid

    def seed_issue_comment(self, login: str, body: str) -> int:
        cid = self._id()
        self.issue_comments[cid] = {"id": cid, "body": body, "user": {"login": login, "type": "User"}}
        return cid

    # -- what happened ------------------------------------------------------------------
    def writes(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests if r.method != "GET"]

    @property
    def pull(self) -> str:
        return f"/repos/{self.owner}/{self.repo}/pulls/{self.number}"

    @property
    def issue(self) -> str:
        return f"/repos/{self.owner}/{self.repo}/issues/{self.number}"

    # -- the server -----------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self._lock:
            response = self._handle(request)
        response.headers.setdefault("x-ratelimit-remaining", "4999")
        response.headers.setdefault("x-ratelimit-reset", str(EPOCH + 3600))
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        path = request.path
        if not path.startswith(self.prefix + "/"):
            return _json(404, {"message": "Not Found"})
        path = path[len(self.prefix):]
        body = json.loads(request.get_data() or b"null")
        auth = request.headers.get("Authorization", "")
        users = {self.token: self.login, **self.other_tokens, **self.integration_tokens}
        login = users.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        self.requests.append(Recorded(request.method, path, dict(request.args), body,
                                      login is not None, request.headers.get("X-GitHub-Api-Version"),
                                      request.headers.get("Accept")))
        if login is None:
            return _json(401, {"message": "Bad credentials"})
        fault = self._fault(request.method, path)
        if fault is not None and fault.kind != "server-after-write":
            return self._faulty(fault, auth)
        response = self._route(request, path, body, login, auth.removeprefix("Bearer "))
        if fault is not None:  # server-after-write: written, but the answer is lost
            return _json(502, {"message": "Server Error"})
        return response

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and path.endswith(fault.path_end):
                fault.times -= 1
                return fault
        return None

    def _faulty(self, fault: Fault, auth: str) -> Response:
        if fault.kind == "secondary":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return _json(403, {"message": SECONDARY}, headers)
        if fault.kind == "primary":
            return _json(403, {"message": "API rate limit exceeded for installation ID 1."},
                         {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH + fault.reset_in)})
        if fault.kind == "forbidden":
            return _json(403, {"message": "Resource not accessible by integration"})
        if fault.kind == "echo-token":  # a hostile or broken server repeating what it was sent
            return _json(422, {"message": f"Validation Failed for {auth}"})
        return _json(502, {"message": "Server Error"})

    def _route(self, request: Request, path: str, body: Any, login: str, token: str) -> Response:
        method = request.method
        repo = f"/repos/{self.owner}/{self.repo}"
        if method == "GET" and path == "/user":
            if token in self.integration_tokens:
                return _json(403, {"message": "Resource not accessible by integration",
                                   "documentation_url": "https://docs.github.com/rest/users/users"})
            return _json(200, {"login": login, "type": "User"})
        if method == "GET" and path == self.pull:
            return _json(200, {"number": self.number, "base": {"sha": self.base_sha},
                               "head": {"sha": self.head_sha}})
        if path == f"{self.pull}/comments":
            if method == "GET":
                return self._page(request, path, list(self.review_comments.values()))
            if method == "POST":
                return self._single_comment(body, login)
        if method == "POST" and path == f"{self.pull}/reviews":
            return self._review(body, login)
        if method == "GET" and path == f"{self.issue}/comments":
            return self._page(request, path, list(self.issue_comments.values()))
        if method == "POST" and path == f"{self.issue}/comments":
            if len(body.get("body") or "") > MAX_BODY:
                return _too_long("IssueComment")
            cid = self._id()
            self.issue_comments[cid] = {"id": cid, "body": body["body"],
                                        "user": {"login": login, "type": "Bot"}}
            return _json(201, self.issue_comments[cid])
        found = re.fullmatch(rf"{repo}/(pulls|issues)/comments/(\d+)", path)
        if found:
            store = self.review_comments if found.group(1) == "pulls" else self.issue_comments
            return self._one(method, store, int(found.group(2)), body, login)
        return _json(404, {"message": "Not Found"})

    def _page(self, request: Request, path: str, items: list[dict[str, Any]]) -> Response:
        per_page = min(int(request.args.get("per_page", "30")), 100, self.page_cap)
        page = int(request.args.get("page", "1"))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        last = max(1, -(-len(items) // per_page))
        if page < last:
            root = request.host_url.rstrip("/") + self.prefix + path
            headers["Link"] = (f'<{root}?per_page={per_page}&page={page + 1}>; rel="next", '
                               f'<{root}?per_page={per_page}&page={last}>; rel="last"')
        return _json(200, chunk, headers)

    def _line_ok(self, comment: dict[str, Any]) -> bool:
        commentable = self.lines.get(comment.get("path", ""), set())
        line, start = comment.get("line"), comment.get("start_line")
        if comment.get("side", "RIGHT") != "RIGHT" or line not in commentable:
            return False
        if start is not None:
            return comment.get("start_side", "RIGHT") == "RIGHT" and start in commentable \
                and start < line
        return True

    def _review(self, body: dict[str, Any], login: str) -> Response:
        if body.get("commit_id") != self.head_sha:
            return _json(422, {"message": "Unprocessable Entity",
                               "errors": ["commit_id is not part of the pull request"]})
        comments = body.get("comments") or []
        if any(len(c.get("body") or "") > MAX_BODY for c in comments) \
                or len(body.get("body") or "") > MAX_BODY:
            return _too_long("PullRequestReview")
        if not all(self._line_ok(c) for c in comments):
            return _json(422, {"message": "Unprocessable Entity", "errors": [OFF_DIFF]})
        review_id = self._id()
        self.reviews.append({"id": review_id, "event": body.get("event"), "body": body.get("body"),
                             "commit_id": body["commit_id"], "count": len(comments)})
        for c in comments:
            cid = self._id()
            self.review_comments[cid] = {
                "id": cid, "body": c["body"], "user": {"login": login, "type": "Bot"},
                "path": c["path"], "line": c["line"], "side": c.get("side"),
                "start_line": c.get("start_line"), "start_side": c.get("start_side"),
                "subject_type": "line", "in_reply_to_id": None, "commit_id": body["commit_id"],
                "pull_request_review_id": review_id}
        return _json(200, {"id": review_id, "state": "COMMENTED" if body.get("event") else "PENDING"})

    def _single_comment(self, body: dict[str, Any], login: str) -> Response:
        if len(body.get("body") or "") > MAX_BODY:
            return _too_long("PullRequestReviewComment")
        if body.get("commit_id") != self.head_sha:
            return _json(422, {"message": "Unprocessable Entity",
                               "errors": ["commit_id is not part of the pull request"]})
        file_level = body.get("subject_type") == "file"
        if file_level and body.get("path") not in self.lines:
            return _json(422, {"message": "Unprocessable Entity",
                               "errors": ["Path could not be resolved"]})
        if not file_level and not self._line_ok(body):
            return _json(422, {"message": "Unprocessable Entity", "errors": [OFF_DIFF]})
        cid = self._id()
        self.review_comments[cid] = {
            "id": cid, "body": body["body"], "user": {"login": login, "type": "Bot"},
            "path": body["path"], "line": None if file_level else body.get("line"),
            "side": None if file_level else body.get("side"), "start_line": None,
            "start_side": None, "subject_type": "file" if file_level else "line",
            "in_reply_to_id": None, "commit_id": body["commit_id"], "pull_request_review_id": None}
        return _json(201, self.review_comments[cid])

    def _one(self, method: str, store: dict[int, dict[str, Any]], cid: int, body: Any,
             login: str) -> Response:
        if cid not in store:
            return _json(404, {"message": "Not Found"})
        comment = store[cid]
        if method == "GET":
            return _json(200, comment)
        if comment["user"]["login"] != login:
            return _json(403, {"message": "Must have admin rights to Repository."})
        if method == "PATCH":
            if len(body.get("body") or "") > MAX_BODY:
                return _too_long("PullRequestReviewComment")
            comment["body"] = body["body"]
            return _json(200, comment)
        if method == "DELETE":
            del store[cid]
            return Response(status=204)
        return _json(404, {"message": "Not Found"})


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json", headers=headers)


def _too_long(resource: str) -> Response:
    return _json(422, {"message": "Validation Failed", "errors": [
        {"resource": resource, "code": "custom", "field": "body", "message": TOO_LONG}]})


class _Handler(WSGIRequestHandler):
    def date_time_string(self, timestamp: float | None = None) -> str:
        return DATE  # the server's Date header: the fake's clock, not the wall clock

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the fake records requests itself


@contextmanager
def served(fake: FakeGitHub) -> Iterator[str]:
    """Serve `fake` on 127.0.0.1 (a free port) in a thread; yields its API root URL."""
    server = make_server("127.0.0.1", 0, fake, threaded=True, request_handler=_Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}{fake.prefix}"
    finally:
        server.shutdown()
        thread.join()
