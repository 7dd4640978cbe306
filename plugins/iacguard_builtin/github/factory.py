"""How `iacguard pr` finds and opens a GitHub pull request: GitHub Actions' standard
environment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_API_URL), each
overridden by a flag. GitHub Enterprise Server works through GITHUB_API_URL
(``https://ghe.example/api/v3``), under which every path is joined.

This module imports no HTTP library: the client is imported when a platform is created.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from iacguard.review import PullRequestRefs

if TYPE_CHECKING:
    from iacguard_builtin.github.platform import GitHubPlatform

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_TOKEN_ENV = "GITHUB_TOKEN"
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
# upper case only: a token (ghp_..., github_pat_...) passed here by mistake is never one
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class _Ref(BaseModel):
    sha: str


class _EventPull(BaseModel):
    number: int
    base: _Ref
    head: _Ref


class _EventIssue(BaseModel):
    number: int
    pull_request: dict[str, Any] | None = None  # present when the issue is a pull request


class _Event(BaseModel):
    """The parts of a workflow's event payload we read: ``pull_request`` and
    ``pull_request_target`` carry the pull request, ``issue_comment`` the issue."""

    pull_request: _EventPull | None = None
    issue: _EventIssue | None = None


@dataclass(frozen=True)
class GitHubSettings:
    api_url: str
    repository: str
    number: int
    token: str = field(repr=False)
    bot_login: str | None = None
    event_refs: PullRequestRefs | None = None  # from the event file, when it is this pull request


def _event(env: Mapping[str, str]) -> _Event | None:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        return _Event.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a GitHub event payload"
        raise ValueError(f"GitHub: cannot read the event file $GITHUB_EVENT_PATH ({path}): "
                         f"{reason}") from None


def settings_from(args: argparse.Namespace, env: Mapping[str, str]) -> GitHubSettings:
    """What `create` needs, from the flags first, then the environment; ValueError with a
    readable message (never the token) when something is missing."""
    repository = getattr(args, "github_repository", None) or env.get("GITHUB_REPOSITORY", "")
    if not repository:
        raise ValueError("GitHub: which repository? Set $GITHUB_REPOSITORY or pass "
                         "--github-repository OWNER/NAME")
    if not _REPOSITORY.match(repository):
        raise ValueError(f"GitHub: the repository must be OWNER/NAME, not {repository!r}")
    event = _event(env)
    number: int | None = getattr(args, "github_pr", None)
    if number is None and event is not None:
        if event.pull_request is not None:
            number = event.pull_request.number
        elif event.issue is not None:
            if event.issue.pull_request is None:
                raise ValueError(f"GitHub: the event is about issue #{event.issue.number}, "
                                 "not a pull request; pass --github-pr N")
            number = event.issue.number
    if number is None:
        raise ValueError("GitHub: which pull request? Run on a pull_request event "
                         "($GITHUB_EVENT_PATH) or pass --github-pr N")
    if number < 1:
        raise ValueError(f"GitHub: a pull request number is positive, not {number}")
    token_env = getattr(args, "github_token_env", None) or DEFAULT_TOKEN_ENV
    if not _ENV_NAME.match(token_env):
        # never echoed: it may be the token itself, passed by mistake
        raise ValueError("GitHub: --github-token-env takes the name of an environment variable "
                         "(upper-case letters, digits, _), not a value")
    token = env.get(token_env, "").strip()
    if not token:
        raise ValueError(f"GitHub: no token in ${token_env}; set it (in a workflow: "
                         f"`env: {token_env}: ${{{{ github.token }}}}`) or name another "
                         "variable with --github-token-env")
    api_url = (getattr(args, "github_api_url", None) or env.get("GITHUB_API_URL")
               or DEFAULT_API_URL).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", api_url):
        raise ValueError(f"GitHub: the API URL must be http(s)://..., not {api_url!r}")
    pull = event.pull_request if event is not None else None
    refs = PullRequestRefs(base_sha=pull.base.sha, head_sha=pull.head.sha) \
        if pull is not None and pull.number == number else None
    return GitHubSettings(api_url=api_url, repository=repository, number=number, token=token,
                          bot_login=getattr(args, "github_bot_login", None) or None,
                          event_refs=refs)


class GitHubFactory:
    """The `github` review platform. `sleep`, `clock`, `wall` and `page_size` reach the
    client (tests inject fakes that never sleep)."""

    name = "github"

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time,
                 page_size: int = 100, write_interval: float = 1.0) -> None:
        self._sleep, self._clock, self._wall = sleep, clock, wall
        self._page_size, self._write_interval = page_size, write_interval

    def detect(self, env: Mapping[str, str]) -> bool:
        return env.get("GITHUB_ACTIONS") == "true"

    def add_arguments(self, group: argparse._ArgumentGroup) -> None:
        group.add_argument("--github-repository", metavar="OWNER/NAME",
                           help="the repository (default: $GITHUB_REPOSITORY)")
        group.add_argument("--github-pr", type=int, metavar="N",
                           help="the pull request number (default: from $GITHUB_EVENT_PATH)")
        group.add_argument("--github-api-url", metavar="URL",
                           help="the REST API root (default: $GITHUB_API_URL, else "
                                f"{DEFAULT_API_URL}; GitHub Enterprise: https://HOST/api/v3)")
        group.add_argument("--github-token-env", metavar="NAME",
                           help=f"the environment variable holding the token (default: "
                                f"{DEFAULT_TOKEN_ENV}); the token itself is never a flag, since "
                                "command lines are visible to other processes and land in "
                                "logs and shell history")
        group.add_argument("--github-bot-login", metavar="LOGIN",
                           help="the login the token writes as, when it may not read /user "
                                "(default: github-actions[bot]); only its comments count as ours")

    def create(self, args: argparse.Namespace, env: Mapping[str, str]) -> GitHubPlatform:
        settings = settings_from(args, env)
        # imported here: httpx is loaded only when a command talks to GitHub
        from iacguard_builtin.github.client import GitHubClient
        from iacguard_builtin.github.platform import GitHubPlatform

        client = GitHubClient(settings.api_url, settings.token, sleep=self._sleep,
                              clock=self._clock, wall=self._wall, page_size=self._page_size,
                              write_interval=self._write_interval)
        return GitHubPlatform(client, settings.repository, settings.number,
                              event_refs=settings.event_refs, bot_login=settings.bot_login)
