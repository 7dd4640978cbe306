"""A small GitHub REST client over httpx with GitHub's manners built in.

- One `httpx.Client` with the API root as base URL (GitHub Enterprise's ``/api/v3`` prefix
  included), the documented headers and timeouts.
- Writes (POST, PATCH, PUT, DELETE) are paced: at least `write_interval` seconds between
  them, since GitHub's secondary limits (about 80 content-creating requests a minute) hit
  bots that post fast.
- Rate limits are honoured: ``Retry-After`` on a 403/429, ``x-ratelimit-remaining: 0``
  until ``x-ratelimit-reset``, a minute (doubling) for a secondary limit without either;
  each wait is bounded by `max_wait`, beyond which the run fails with a readable error.
- 5xx and connection failures are retried with backoff for idempotent methods; a POST is
  retried only after `landed()` says the first attempt did not in fact land (a 502 from
  GitHub often comes after the comment was written).

Every failure is one `GitHubError` (method, path, status, GitHub's message). The token
lives only in the httpx client's headers (which httpx masks in its repr and never logs)
and is redacted from any message a server sends back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx

log = logging.getLogger(__name__)

_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_IDEMPOTENT = frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"})
_MAX_PAGES = 1000  # a Link chain longer than this is a server bug, not a pull request


class GitHubError(Exception):
    """A GitHub API request that failed: what was asked, what GitHub answered."""

    def __init__(self, method: str, path: str, status: int | None, message: str, *,
                 transient: bool | None = None) -> None:
        self.method = method
        self.path = path
        self.status = status  # None: no answer (connection failed, or the run gave up waiting)
        self.message = message
        # no answer or a server error: a retry may succeed (and a write may have landed)
        self.transient = (status is None or status >= 500) if transient is None else transient
        answer = f"{status} {message}" if status is not None else message
        super().__init__(f"GitHub API {method} {path}: {answer}")


def _user_agent() -> str:
    try:
        own = version("iacguard")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        own = "0+unknown"
    return f"iacguard/{own} (+https://github.com/iacguard/iacguard)"


class GitHubClient:
    def __init__(self, api_url: str, token: str, *,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time,
                 write_interval: float = 1.0, max_retries: int = 3, max_wait: float = 900.0,
                 backoff: float = 1.0, page_size: int = 100, timeout: float = 30.0) -> None:
        self._base = api_url.rstrip("/") + "/"
        self._http = httpx.Client(
            base_url=self._base, transport=transport, follow_redirects=False,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Authorization": f"Bearer {token}",
                     "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28",
                     "User-Agent": _user_agent()})
        self._secrets = tuple(s for s in (token,) if s)
        self._sleep, self._clock, self._wall = sleep, clock, wall
        self.write_interval, self.max_retries, self.max_wait = write_interval, max_retries, max_wait
        self.backoff, self.page_size = backoff, page_size
        self._last_write: float | None = None
        self._blocked_until: float | None = None  # the primary limit is used up until then

    def __repr__(self) -> str:
        return f"GitHubClient({self._base!r})"

    def close(self) -> None:
        self._http.close()

    # -- requests ---------------------------------------------------------------------------
    def request(self, method: str, path: str, *, json: Any = None,
                params: dict[str, str | int] | None = None) -> httpx.Response:
        """One API call, retried where that is safe; a non-2xx answer raises `GitHubError`.

        `path` is relative to the API root (``/repos/o/r/...``) or an absolute URL under it
        (a pagination link)."""
        shown = self._shown(path)
        for attempt in range(self.max_retries + 1):
            self._await_reset(method, shown)
            if method in _WRITES:
                self._pace()
            try:
                response = self._http.request(method, path, json=json, params=params)
            except httpx.TransportError as exc:
                error = GitHubError(method, shown, None,
                                    f"no answer from GitHub ({type(exc).__name__})")
                if method not in _IDEMPOTENT or attempt == self.max_retries:
                    raise error from None
                self._wait(self.backoff * 2 ** attempt, error, "no answer")
                continue
            finally:
                if method in _WRITES:
                    self._last_write = self._clock()
            self._note_primary(response)
            if response.is_success:
                return response
            error = GitHubError(method, shown, response.status_code, self._message(response))
            delay, why = self._retry_delay(response, error, attempt, method)
            if delay is None or attempt == self.max_retries:
                raise error
            self._wait(delay, error, why)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def get(self, path: str, params: dict[str, str | int] | None = None) -> Any:
        return self._json(self.request("GET", path, params=params), "GET", path)

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            return response.json() if response.content else None
        except ValueError:
            raise GitHubError(method, self._shown(path), response.status_code,
                              "the answer is not JSON") from None

    def paginate(self, path: str, params: dict[str, str | int] | None = None) -> list[Any]:
        """Every item of a list endpoint, following ``Link: <...>; rel="next"``."""
        items: list[Any] = []
        url = path
        query: dict[str, str | int] | None = {"per_page": self.page_size, **(params or {})}
        for _ in range(_MAX_PAGES):
            response = self.request("GET", url, params=query)
            page = self._json(response, "GET", url)
            if not isinstance(page, list):
                raise GitHubError("GET", self._shown(url), response.status_code,
                                  "expected a list in the answer")
            items.extend(page)
            following = response.links.get("next", {}).get("url")
            if not following:
                return items
            if not following.startswith(self._base):  # the token goes only to the API root
                raise GitHubError("GET", self._shown(path), response.status_code,
                                  "the next page's link leaves the API root; not followed")
            url, query = following, None  # the link carries the query (params={} would drop it)
        raise GitHubError("GET", self._shown(path), None, f"more than {_MAX_PAGES} pages")

    def create(self, path: str, body: Any, *, landed: Callable[[], bool]) -> Any:
        """POST something new. A POST is not idempotent, so after a 5xx or no answer it is
        retried only when `landed()` says the first attempt left nothing behind. Returns
        the answer's JSON (None when a failed attempt turned out to have landed)."""
        for attempt in range(self.max_retries + 1):
            try:
                return self._json(self.request("POST", path, json=body), "POST", path)
            except GitHubError as error:
                if not error.transient or attempt == self.max_retries:
                    raise
                self._wait(self.backoff * 2 ** attempt, error, "server error")
                if landed():
                    log.info("GitHub: %s %s landed despite %s", error.method, error.path,
                             error.status or "no answer")
                    return None
        raise AssertionError("unreachable")  # pragma: no cover

    # -- manners ----------------------------------------------------------------------------
    def _pace(self) -> None:
        if self._last_write is not None:
            wait = self._last_write + self.write_interval - self._clock()
            if wait > 0:
                self._sleep(wait)

    def _await_reset(self, method: str, shown: str) -> None:
        if self._blocked_until is None:
            return
        wait, self._blocked_until = self._blocked_until - self._clock(), None
        if wait > self.max_wait:
            raise GitHubError(method, shown, None,
                              f"the API rate limit is used up for {wait:.0f} s more, longer than "
                              f"the {self.max_wait:.0f} s this run waits; re-run after the reset",
                              transient=False)
        if wait > 0:
            log.info("GitHub: the API rate limit is used up; waiting %.0f s for its reset", wait)
            self._sleep(wait)

    def _note_primary(self, response: httpx.Response) -> None:
        """A success that used the last request of the hour: wait for the reset before the next."""
        if response.is_success and response.headers.get("x-ratelimit-remaining") == "0":
            self._blocked_until = self._clock() + self._reset_wait(response)

    def _retry_delay(self, response: httpx.Response, error: GitHubError, attempt: int,
                     method: str) -> tuple[float | None, str]:
        status = response.status_code
        if status in (403, 429):
            asked = self._retry_after(response)
            if asked is not None:
                return asked, "Retry-After"
            if response.headers.get("x-ratelimit-remaining") == "0":
                return self._reset_wait(response), "rate limit reset"
            # GitHub's advice for a secondary limit without headers: a minute, then longer
            if status == 429 or "secondary rate limit" in error.message.lower():
                return 60.0 * 2 ** attempt, "secondary rate limit"
            return None, ""
        if status >= 500 and method in _IDEMPOTENT:
            return self.backoff * 2 ** attempt, "server error"
        return None, ""

    def _wait(self, delay: float, error: GitHubError, why: str) -> None:
        if delay > self.max_wait:
            raise GitHubError(error.method, error.path, error.status,
                              f"{error.message} (GitHub asks to wait {delay:.0f} s, longer than "
                              f"the {self.max_wait:.0f} s this run waits; re-run later)")
        log.info("GitHub: %s %s answered %s (%s); retrying in %.0f s", error.method, error.path,
                 error.status or "nothing", why, delay)
        self._sleep(delay)

    def _server_now(self, response: httpx.Response) -> float:
        """GitHub's clock (the Date header): reset times are on it, not on the runner's."""
        try:
            return parsedate_to_datetime(response.headers["date"]).timestamp()
        except (KeyError, TypeError, ValueError):
            return self._wall()

    def _retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("retry-after", "").strip()
        if not value:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            try:  # the HTTP-date form
                return max(parsedate_to_datetime(value).timestamp() - self._server_now(response), 0.0)
            except (TypeError, ValueError):
                return None

    def _reset_wait(self, response: httpx.Response) -> float:
        try:
            reset = float(response.headers.get("x-ratelimit-reset", ""))
        except ValueError:
            return 60.0
        return max(reset - self._server_now(response), 0.0) + 1.0  # a second past the reset

    # -- readable errors --------------------------------------------------------------------
    def _shown(self, path: str) -> str:
        shown = path[len(self._base) - 1:] if path.startswith(self._base) else path
        return self._redact(shown.split("?", 1)[0])

    def _message(self, response: httpx.Response) -> str:
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            message = data["message"]
            details = [e if isinstance(e, str) else e.get("message") or e.get("code")
                       for e in data.get("errors") or [] if isinstance(e, str | dict)]
            if details:
                message += ": " + "; ".join(str(d) for d in details if d)
        else:
            message = response.reason_phrase or "error"
        return self._redact(" ".join(message.split())[:500])

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text
