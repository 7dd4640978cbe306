"""The one HTTP client the GitLab platform talks through (httpx).

Manners: the token travels only in the `PRIVATE-TOKEN` header (never in a URL, an error, a
log line or a repr); writes are paced (a minimum interval between them); a 429 waits as
long as `Retry-After` (or `RateLimit-Reset`) says and retries, a few times; a 5xx is
retried a few times with backoff; redirects are not followed, and a pagination `Link` is
followed only on the API's own origin, so the token never leaves for another host.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

log = logging.getLogger(__name__)

Params = Mapping[str, str | int]
_IDEMPOTENT = {"GET", "PUT", "HEAD"}


class GitLabError(Exception):
    """A GitLab API call that failed: which call, GitLab's status and its message."""

    def __init__(self, method: str, path: str, status: int | None, message: str) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        status = f" HTTP {self.status}:" if self.status is not None else ""
        return f"GitLab {self.method} {self.path}:{status} {self.message}"


@dataclass(frozen=True)
class Manners:
    """How hard the client may push. Intervals and waits in seconds."""

    write_interval: float = 0.5  # between two writes (POST / PUT): notes are rate limited
    rate_limit_retries: int = 4
    max_wait: float = 120.0  # a longer Retry-After fails the call rather than hang CI
    server_error_retries: int = 3
    backoff: float = 1.0  # first 5xx backoff, doubled each retry
    timeout: float = 30.0
    per_page: int = 100  # GitLab's maximum
    max_pages: int = 100


class _PrivateToken(httpx.Auth):
    """Adds the token to each request; its repr names no token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["PRIVATE-TOKEN"] = self._token
        yield request

    def __repr__(self) -> str:
        return "_PrivateToken(***)"


class GitLabClient:
    """Requests against one GitLab API root (`https://gitlab.example.com/api/v4`)."""

    def __init__(self, api_url: str, token: str, *, user_agent: str,
                 manners: Manners | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.api_url = api_url.rstrip("/")
        self.manners = manners or Manners()
        self._token = token
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._last_write: float | None = None
        self._origin = httpx.URL(self.api_url)
        self._http = httpx.Client(base_url=self.api_url + "/", auth=_PrivateToken(token),
                                  timeout=self.manners.timeout, follow_redirects=False,
                                  headers={"User-Agent": user_agent, "Accept": "application/json"})

    def __repr__(self) -> str:
        return f"GitLabClient({self.api_url!r})"

    def close(self) -> None:
        self._http.close()

    # -- calls -----------------------------------------------------------------------------
    def get(self, path: str, params: Params | None = None) -> Any:
        return _json(self.request("GET", path, params=params), "GET", path)

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        return _json(self.request("POST", path, body=body), "POST", path)

    def put(self, path: str, body: Mapping[str, Any] | None = None,
            params: Params | None = None) -> Any:
        return _json(self.request("PUT", path, body=body, params=params), "PUT", path)

    def get_all(self, path: str, params: Params | None = None) -> list[Any]:
        """Every page of a list: `X-Next-Page` when GitLab sends it, else `Link: rel="next"`
        (keyset pagination sends only the link)."""
        items: list[Any] = []
        url: str = path
        query: dict[str, str | int] | None = {**(params or {}), "per_page": self.manners.per_page}
        seen: set[str] = set()
        for _ in range(self.manners.max_pages):
            response = self.request("GET", url, params=query)
            page = _json(response, "GET", path)
            if not isinstance(page, list):
                raise GitLabError("GET", path, response.status_code, "expected a JSON list")
            items.extend(page)
            next_page = response.headers.get("X-Next-Page", "").strip()
            if next_page:
                query = {**(query or {}), "page": next_page}
            elif (link := _next_link(response.headers.get("Link", ""))) is not None:
                url, query = self._own_url(link, path), None
            else:
                return items
            key = f"{url}?{sorted((query or {}).items())}"
            if key in seen:
                raise GitLabError("GET", path, response.status_code, "pagination repeats a page")
            seen.add(key)
        raise GitLabError("GET", path, None, f"more than {self.manners.max_pages} pages")

    def request(self, method: str, url: str, *, params: Params | None = None,
                body: Mapping[str, Any] | None = None) -> httpx.Response:
        """One call with the retries its answer allows; a 4xx (or the last failure) raises
        `GitLabError`."""
        path = httpx.URL(url).path if url.startswith(("http://", "https://")) else url
        limited = failed = 0
        while True:
            if method != "GET":
                self._pace()
            try:
                response = self._http.request(method, url, params=params, json=body)
            except httpx.TransportError as exc:
                # a write that timed out may have happened: retrying it could post twice
                if method in _IDEMPOTENT and failed < self.manners.server_error_retries:
                    self._sleep(self.manners.backoff * 2.0 ** failed)
                    failed += 1
                    continue
                raise GitLabError(method, path, None,
                                  self._scrub(f"{type(exc).__name__}: {exc}")) from None
            finally:
                if method != "GET":
                    self._last_write = self._clock()
            log.debug("GitLab %s %s: HTTP %s", method, path, response.status_code)
            status = response.status_code
            if status == 429 and limited < self.manners.rate_limit_retries:
                wait = self._retry_after(response, limited)
                if wait > self.manners.max_wait:
                    raise GitLabError(method, path, status,
                                      f"rate limited: GitLab asks to wait {wait:.0f} s (more than "
                                      f"the {self.manners.max_wait:.0f} s iacguard waits)")
                log.info("GitLab rate limit on %s %s: waiting %.1f s", method, path, wait)
                self._sleep(wait)
                limited += 1
                continue
            if status >= 500 and failed < self.manners.server_error_retries:
                self._sleep(self.manners.backoff * 2.0 ** failed)
                failed += 1
                continue
            if status >= 300:
                raise GitLabError(method, path, status, self._scrub(_message(response)))
            return response

    # -- manners ---------------------------------------------------------------------------
    def _pace(self) -> None:
        if self._last_write is None:
            return
        wait = self.manners.write_interval - (self._clock() - self._last_write)
        if wait > 0:
            self._sleep(wait)

    def _retry_after(self, response: httpx.Response, attempt: int) -> float:
        """Seconds to wait: `Retry-After` (seconds or an HTTP date), else `RateLimit-Reset`
        (a Unix time), else a doubling backoff."""
        value = response.headers.get("Retry-After", "").strip()
        if value:
            try:
                return max(float(value), 0.0)
            except ValueError:
                try:
                    when: float = parsedate_to_datetime(value).timestamp()
                    return max(when - self._wall_clock(), 0.0)
                except (TypeError, ValueError):
                    pass
        reset = response.headers.get("RateLimit-Reset", "").strip()
        if reset.isdigit():
            return max(float(reset) - self._wall_clock(), 0.0)
        return self.manners.backoff * 2.0 ** attempt

    def _own_url(self, link: str, path: str) -> str:
        """A `Link` target, only if it is on the API's own origin and under its root."""
        target = httpx.URL(link)
        own = self._origin
        if (target.scheme, target.host, target.port) != (own.scheme, own.host, own.port) \
                or not target.path.startswith(own.path.rstrip("/") + "/"):
            raise GitLabError("GET", path, None, "pagination link leaves the GitLab API; not followed")
        return str(target)

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "[token]") if self._token else text


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        url, _, rest = part.strip().partition(";")
        rels = [p.strip() for p in rest.split(";")]
        if any(r.replace(" ", "") in ('rel="next"', "rel=next") for r in rels):
            return url.strip().removeprefix("<").removesuffix(">")
    return None


def _json(response: httpx.Response, method: str, path: str) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise GitLabError(method, path, response.status_code, "the answer is not JSON") from None


def _message(response: httpx.Response) -> str:
    """GitLab's error text: `{"message": "..."}`, `{"message": {"field": [...]}}` or
    `{"error": "..."}`; else the start of the body."""
    try:
        data = response.json()
    except ValueError:
        return " ".join(response.text.split())[:300] or response.reason_phrase
    if isinstance(data, dict):
        found = data.get("message", data.get("error"))
        if isinstance(found, dict):
            return "; ".join(f"{k} {' '.join(map(str, v)) if isinstance(v, list) else v}"
                             for k, v in sorted(found.items()))
        if found is not None:
            return str(found)[:1000]
    return str(data)[:300]
