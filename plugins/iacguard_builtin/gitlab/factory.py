"""The `gitlab` review platform's factory: which merge request, which API, which token.

In a merge-request pipeline everything comes from GitLab's predefined variables
(`CI_API_V4_URL`, `CI_MERGE_REQUEST_PROJECT_ID` or `CI_PROJECT_ID`, `CI_MERGE_REQUEST_IID`)
and the token from `IACGUARD_GITLAB_TOKEN` or `GITLAB_TOKEN`; each has a flag that overrides
it. The token itself is never a flag (it would show in process lists and CI logs): a flag
names the variable that holds it.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iacguard.review import ReviewPlatform

TOKEN_VARIABLES = ("IACGUARD_GITLAB_TOKEN", "GITLAB_TOKEN")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHOUTY_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")  # what env variable names look like (tokens don't)
_TOKEN_HELP = ("a project or personal access token with the api scope, in a masked CI/CD "
               "variable IACGUARD_GITLAB_TOKEN")


@dataclass(frozen=True)
class GitLabSettings:
    api_url: str
    project: str  # a numeric id or a path (`group/app`)
    mr_iid: int
    token: str = field(repr=False)
    bot_username: str | None = None


class GitLabFactory:
    name = "gitlab"

    def detect(self, env: Mapping[str, str]) -> bool:
        return env.get("GITLAB_CI") == "true"

    def add_arguments(self, group: argparse._ArgumentGroup) -> None:
        group.add_argument("--gitlab-api-url", metavar="URL",
                           help="GitLab API root (default: $CI_API_V4_URL)")
        group.add_argument("--gitlab-project", metavar="ID_OR_PATH",
                           help="project id or path (default: $CI_MERGE_REQUEST_PROJECT_ID, "
                                "else $CI_PROJECT_ID)")
        group.add_argument("--gitlab-mr", type=int, metavar="IID",
                           help="merge request IID (default: $CI_MERGE_REQUEST_IID)")
        group.add_argument("--gitlab-token-env", metavar="NAME",
                           help="environment variable holding the token (default: "
                                "IACGUARD_GITLAB_TOKEN, else GITLAB_TOKEN)")
        group.add_argument("--gitlab-bot-username", metavar="NAME",
                           help="the token's username, when the token may not read /user")

    def create(self, args: argparse.Namespace, env: Mapping[str, str]) -> ReviewPlatform:
        settings = settings_from(args, env)
        # imported here: httpx is loaded only when a command talks to GitLab
        from iacguard_builtin.gitlab.connect import open_platform

        return open_platform(settings)


def settings_from(args: argparse.Namespace, env: Mapping[str, str]) -> GitLabSettings:
    """Flags over environment; every missing piece named in one readable `ValueError`."""
    api_url = _flag(args, "gitlab_api_url") or env.get("CI_API_V4_URL", "")
    project = (_flag(args, "gitlab_project") or env.get("CI_MERGE_REQUEST_PROJECT_ID")
               or env.get("CI_PROJECT_ID", ""))
    flag_mr = _flag(args, "gitlab_mr")  # 0 is a (wrong) value, not an absent flag
    mr = flag_mr if flag_mr is not None else env.get("CI_MERGE_REQUEST_IID", "")
    missing = []
    if not api_url:
        missing.append("the API URL (CI_API_V4_URL or --gitlab-api-url)")
    if not project:
        missing.append("the project (CI_PROJECT_ID or --gitlab-project)")
    if not str(mr):
        missing.append("the merge request (CI_MERGE_REQUEST_IID or --gitlab-mr; run in a "
                       "merge request pipeline)")
    token = _token(args, env, missing)
    if missing:
        raise ValueError("GitLab: missing " + "; ".join(missing))
    if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", api_url):
        raise ValueError(f"GitLab: the API URL must be an http(s) URL, not {api_url!r}")
    try:
        iid = int(mr)
    except ValueError:
        raise ValueError(f"GitLab: the merge request IID must be a number, not {mr!r}") from None
    if iid <= 0:
        raise ValueError(f"GitLab: the merge request IID must be positive, not {iid}")
    return GitLabSettings(api_url=api_url.rstrip("/"), project=str(project), mr_iid=iid,
                          token=token, bot_username=_flag(args, "gitlab_bot_username") or None)


def _token(args: argparse.Namespace, env: Mapping[str, str], missing: list[str]) -> str:
    """The token, or a line in `missing` saying what to set (never echoing a value)."""
    name = _flag(args, "gitlab_token_env")
    if name:
        if not _VARIABLE_NAME.fullmatch(str(name)):
            missing.append("a token: --gitlab-token-env takes the NAME of an environment "
                           "variable, not the token")
            return ""
        named = str(name) if _SHOUTY_NAME.fullmatch(str(name)) else "named by --gitlab-token-env"
        if name == "CI_JOB_TOKEN":
            missing.append(f"a token: CI_JOB_TOKEN cannot write merge request notes; use {_TOKEN_HELP}")
            return ""
        if not env.get(str(name)):
            missing.append(f"a token: the environment variable {named} is not set")
        return env.get(str(name), "")
    for variable in TOKEN_VARIABLES:
        if env.get(variable):
            return env[variable]
    if env.get("CI_JOB_TOKEN"):
        missing.append(f"a token: only CI_JOB_TOKEN is set, and it cannot write merge request "
                       f"notes; use {_TOKEN_HELP}")
    else:
        missing.append(f"a token: set IACGUARD_GITLAB_TOKEN or GITLAB_TOKEN ({_TOKEN_HELP})")
    return ""


def _flag(args: argparse.Namespace, name: str) -> Any:
    return getattr(args, name, None)
