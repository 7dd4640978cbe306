"""A small GitLab on 127.0.0.1 (werkzeug): the merge-request endpoints the platform uses, with
GitLab's rules where they bite.

- `PRIVATE-TOKEN` required (401 otherwise); each token is a user (`tokens`).
- The project id travels URL-encoded (a path's slashes as `%2F`), as GitLab requires.
- Diff positions: `text` needs a commentable line of the diff (`diff`: per path, head-side
  line -> base-side line for unchanged context, None for an added line); context lines need
  `old_line` too, added lines must not carry one; the SHAs must be the MR's `diff_refs`.
  A bad position is GitLab's 400 "line_code ... must be a valid line code". `file`
  positions (GitLab 16.4+) only when `file_positions`, and only for a file in the diff.
- Lists paginate with a small page size: `X-Next-Page`/`Link` headers (or `Link` only).
- `script(...)`: a scripted answer (a 429 with `Retry-After`, a 5xx) for matching requests.
- Every request is recorded (method, raw path, query, JSON body, user).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

LINE_CODE_ERROR = ("400 Bad request - Note {:line_code=>[\"can't be blank\", "
                   "\"must be a valid line code\"]}")


@dataclass
class Recorded:
    method: str
    path: str  # raw, below /api/v4 (the project id still encoded)
    query: dict[str, str]
    body: Any
    user: str | None
    headers: dict[str, str]


@dataclass
class Scripted:
    method: str
    suffix: str  # the raw path ends with it
    status: int
    headers: dict[str, str]
    body: Any
    times: int = 1
    when: Callable[[Any], bool] | None = None  # on the request's JSON body


@dataclass
class FakeGitLab:
    project: str
    iid: int
    diff_refs: dict[str, str] | None
    diff: dict[str, dict[int, int | None]]
    tokens: dict[str, str]  # token -> username
    page_size: int = 2
    pagination: Literal["headers", "link"] = "headers"
    file_positions: bool = True
    versions: list[dict[str, str]] = field(default_factory=list)
    forbidden_user_endpoint: bool = False
    requests: list[Recorded] = field(default_factory=list)
    discussions: list[dict[str, Any]] = field(default_factory=list)
    scripted: list[Scripted] = field(default_factory=list)
    base_url: str = ""
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- test helpers ----------------------------------------------------------------------
    def script(self, method: str, suffix: str, status: int, *, headers: dict[str, str] | None = None,
               body: Any = None, times: int = 1, when: Callable[[Any], bool] | None = None) -> None:
        self.scripted.append(Scripted(method, suffix, status, headers or {},
                                      body if body is not None else {"message": f"{status}"},
                                      times, when))

    def writes(self) -> list[tuple[str, str]]:
        return [(r.method, self.relative(r.path)) for r in self.requests if r.method != "GET"]

    def relative(self, path: str) -> str:
        """A raw path with the merge request's prefix cut (`/discussions/<id>/notes`)."""
        return path.removeprefix(self.mr_prefix) or "/"

    @property
    def mr_prefix(self) -> str:
        return f"/projects/{quote(self.project, safe='')}/merge_requests/{self.iid}"

    def threads(self) -> list[dict[str, Any]]:
        return [d for d in self.discussions if not d["individual_note"]]

    def plain_notes(self) -> list[dict[str, Any]]:
        return [d["notes"][0] for d in self.discussions if d["individual_note"]]

    # -- the WSGI app ----------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path
        path, _, query_text = raw.partition("?")
        with self._lock:
            response = self._answer(request, path.removeprefix("/api/v4"),
                                    dict(parse_qsl(query_text)))
        return response(environ, start_response)

    def _answer(self, request: Request, path: str, query: dict[str, str]) -> Response:
        body = request.get_json(silent=True) if request.data else None
        user = self.tokens.get(request.headers.get("PRIVATE-TOKEN", ""))
        self.requests.append(Recorded(request.method, path, query, body, user,
                                      dict(request.headers.items())))
        if user is None:
            return _json({"message": "401 Unauthorized"}, 401)
        for entry in self.scripted:
            if entry.times > 0 and entry.method == request.method and path.endswith(entry.suffix) \
                    and (entry.when is None or entry.when(body)):
                entry.times -= 1
                return _json(entry.body, entry.status, entry.headers)
        if path == "/user":
            if self.forbidden_user_endpoint:
                return _json({"message": "403 Forbidden"}, 403)
            return _json({"id": 7, "username": user, "name": user})
        if not path.startswith(self.mr_prefix):
            return _json({"message": "404 Project Not Found"}, 404)
        return self._merge_request(request.method, path.removeprefix(self.mr_prefix), query,
                                   body, user)

    def _merge_request(self, method: str, rest: str, query: dict[str, str], body: Any,
                       user: str) -> Response:
        parts = [p for p in rest.split("/") if p]
        if method == "GET" and not parts:
            return _json({"id": 1, "iid": self.iid, "title": "change", "diff_refs": self.diff_refs})
        if method == "GET" and parts == ["versions"]:
            return self._page(self.versions, query, rest)
        if parts == ["discussions"]:
            if method == "GET":
                return self._page(self.discussions, query, rest)
            if method == "POST":
                return self._new_discussion(body, user)
        if len(parts) == 2 and parts[0] == "discussions" and method == "PUT":
            return self._resolve(parts[1], query, user)
        if len(parts) == 3 and parts[0] == "discussions" and parts[2] == "notes" and method == "POST":
            return self._reply(parts[1], body, user)
        if parts == ["notes"]:
            if method == "GET":
                return self._page([d["notes"][0] for d in self.discussions if d["individual_note"]],
                                  query, rest)
            if method == "POST":
                note = self._note(body["body"], user, resolvable=False)
                self._add_discussion([note], individual=True)
                return _json(note, 201)
        if len(parts) == 2 and parts[0] == "notes" and method == "PUT":
            for note in self.plain_notes():
                if str(note["id"]) == parts[1]:
                    if note["author"]["username"] != user:
                        return _json({"message": "403 Forbidden"}, 403)
                    note["body"] = body["body"]
                    return _json(note)
            return _json({"message": "404 Not found"}, 404)
        return _json({"message": "404 Not Found"}, 404)

    # -- discussions -----------------------------------------------------------------------
    def _new_discussion(self, body: Any, user: str) -> Response:
        position = body.get("position")
        if position is not None:
            problem = self._position_problem(position)
            if problem is not None:
                return _json(problem, 400)
        note = self._note(body["body"], user, resolvable=True, position=position)
        return _json(self._add_discussion([note], individual=False), 201)

    def _position_problem(self, position: dict[str, Any]) -> dict[str, Any] | None:
        kind = position.get("position_type")
        if kind not in ("text", "file") or (kind == "file" and not self.file_positions):
            return {"error": "position[position_type] does not have a valid value"}
        refs = self.diff_refs or {}
        if any(position.get(k) != refs.get(k) for k in ("base_sha", "start_sha", "head_sha")):
            return {"message": LINE_CODE_ERROR}
        lines = self.diff.get(position.get("new_path", ""))
        if lines is None or position.get("old_path") is None:
            return {"message": LINE_CODE_ERROR}
        if kind == "file":
            return None
        new_line = position.get("new_line")
        if new_line not in lines or position.get("old_line") != lines[new_line]:
            return {"message": LINE_CODE_ERROR}
        return None

    def _resolve(self, discussion_id: str, query: dict[str, str], user: str) -> Response:
        discussion = self._discussion(discussion_id)
        if discussion is None:
            return _json({"message": "404 Not found"}, 404)
        resolved = query.get("resolved") == "true"
        for note in discussion["notes"]:
            if note["resolvable"]:
                note["resolved"] = resolved
        if resolved and all(n["resolved"] for d in self.threads() for n in d["notes"] if n["resolvable"]):
            # GitLab's own system note; a summary search must step over it
            self._add_discussion([{**self._note("resolved all threads", user, resolvable=False),
                                   "system": True}], individual=True)
        return _json(discussion)

    def _reply(self, discussion_id: str, body: Any, user: str) -> Response:
        discussion = self._discussion(discussion_id)
        if discussion is None:
            return _json({"message": "404 Not found"}, 404)
        note = self._note(body["body"], user, resolvable=True)
        note["resolved"] = all(n["resolved"] for n in discussion["notes"] if n["resolvable"])
        discussion["notes"].append(note)
        return _json(note, 201)

    def _discussion(self, discussion_id: str) -> dict[str, Any] | None:
        return next((d for d in self.discussions if d["id"] == discussion_id), None)

    def _note(self, text: str, user: str, *, resolvable: bool,
              position: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next_id += 1
        return {"id": self._next_id, "type": "DiffNote" if position else None, "body": text,
                "author": {"id": 7, "username": user}, "system": False,
                "resolvable": resolvable, "resolved": False if resolvable else None,
                "position": position}

    def _add_discussion(self, notes: list[dict[str, Any]], *, individual: bool) -> dict[str, Any]:
        discussion = {"id": hashlib.sha1(str(notes[0]["id"]).encode()).hexdigest(),
                      "individual_note": individual, "notes": notes}
        self.discussions.append(discussion)
        return discussion

    # -- pagination ------------------------------------------------------------------------
    def _page(self, items: list[dict[str, Any]], query: dict[str, str], rest: str) -> Response:
        size = min(int(query.get("per_page", "20")), self.page_size)
        page = int(query.get("page", "1"))
        chunk = items[(page - 1) * size: page * size]
        headers = {"X-Page": str(page), "X-Per-Page": str(size), "X-Total": str(len(items))}
        has_next = page * size < len(items)
        if self.pagination == "headers":
            headers["X-Next-Page"] = str(page + 1) if has_next else ""
        if has_next:
            link_query = urlencode({**query, "page": page + 1})
            headers["Link"] = f'<{self.base_url}{self.mr_prefix}{rest}?{link_query}>; rel="next"'
        return _json(chunk, 200, headers)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers or {},
                    content_type="application/json")


@contextmanager
def serving(fake: FakeGitLab) -> Iterator[str]:
    """Serve `fake` on 127.0.0.1 (a free port) in a thread; yields the API URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_port}/api/v4"
    try:
        yield fake.base_url
    finally:
        server.shutdown()
        thread.join()
