"""The `github` factory: GitHub Actions' environment, the flags that override it, and
readable refusals when something is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from github.hub import TOKEN, Hub, parse
from iacguard_builtin.github.factory import GitHubFactory, GitHubSettings, settings_from

from iacguard.plugin import Plugins
from iacguard.review import PullRequestRefs

REFS = PullRequestRefs(base_sha="1" * 40, head_sha="2" * 40)
PULL = {"number": 42, "base": {"sha": REFS.base_sha}, "head": {"sha": REFS.head_sha}}


def _env(tmp_path: Path, event: dict[str, Any] | None, **extra: str) -> dict[str, str]:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "octo/infra", **extra}
    if event is not None:
        (tmp_path / "event.json").write_text(json.dumps(event), encoding="utf-8")
        env["GITHUB_EVENT_PATH"] = str(tmp_path / "event.json")
    return env


def _settings(tmp_path: Path, event: dict[str, Any] | None, *flags: str, **env: str) -> GitHubSettings:
    return settings_from(parse(GitHubFactory(), *flags), _env(tmp_path, event, **env))


def test_registered_as_the_github_platform(plugins: Plugins) -> None:
    assert isinstance(plugins.review_platforms().get("github"), GitHubFactory)


@pytest.mark.parametrize(("env", "detected"), [
    ({"GITHUB_ACTIONS": "true"}, True), ({"GITHUB_ACTIONS": "false"}, False), ({}, False),
    ({"GITLAB_CI": "true"}, False)])
def test_detects_github_actions(env: dict[str, str], detected: bool) -> None:
    assert GitHubFactory().detect(env) is detected


@pytest.mark.parametrize("event", ["pull_request", "pull_request_target"])
def test_a_pull_request_event_names_the_pull_request_and_its_commits(tmp_path: Path, event: str) -> None:
    payload = {"action": "opened", "number": 42, "pull_request": PULL}
    assert _settings(tmp_path, payload) == GitHubSettings(
        api_url="https://api.github.com", repository="octo/infra", number=42, token=TOKEN,
        bot_login=None, event_refs=REFS)


def test_an_issue_comment_event_on_a_pull_request_names_it_and_the_api_gives_the_commits(
        hub: Hub) -> None:
    (hub.tmp / "comment.json").write_text(json.dumps({"action": "created", "issue": {
        "number": 7, "pull_request": {"url": "https://api.github.com/repos/octo/infra/pulls/7"}}}))
    platform = hub.platform(GITHUB_EVENT_PATH=str(hub.tmp / "comment.json"))
    assert platform.refs() == PullRequestRefs(base_sha=hub.fake.base_sha, head_sha=hub.fake.head_sha)
    assert [(r.method, r.path) for r in hub.fake.requests] == [("GET", "/repos/octo/infra/pulls/7")]


def test_flags_override_the_environment(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, {"pull_request": PULL},
        "--github-repository", "other/repo", "--github-pr", "43",
        "--github-api-url", "https://ghe.example/api/v3/", "--github-token-env", "MY_TOKEN",
        "--github-bot-login", "iacguard[bot]", MY_TOKEN="ghp_other", GITHUB_API_URL="https://x.example")
    # another pull request than the event's: its commits come from the API, not the event
    assert settings == GitHubSettings(api_url="https://ghe.example/api/v3", repository="other/repo",
                                      number=43, token="ghp_other", bot_login="iacguard[bot]",
                                      event_refs=None)
    assert _settings(tmp_path, None, "--github-pr", "5",
                     GITHUB_API_URL="https://ghe.example/api/v3").api_url == "https://ghe.example/api/v3"


@pytest.mark.parametrize(("event", "flags", "env", "message"), [
    ({"pull_request": PULL}, [], {"GITHUB_REPOSITORY": ""},
     "GitHub: which repository? Set $GITHUB_REPOSITORY or pass --github-repository OWNER/NAME"),
    ({"pull_request": PULL}, [], {"GITHUB_REPOSITORY": "just-a-name"},
     "GitHub: the repository must be OWNER/NAME, not 'just-a-name'"),
    (None, [], {}, "GitHub: which pull request? Run on a pull_request event ($GITHUB_EVENT_PATH) "
                   "or pass --github-pr N"),
    ({"action": "created", "issue": {"number": 9}}, [], {},
     "GitHub: the event is about issue #9, not a pull request; pass --github-pr N"),
    ({"pull_request": PULL}, [], {"GITHUB_TOKEN": ""},
     "GitHub: no token in $GITHUB_TOKEN; set it (in a workflow: `env: GITHUB_TOKEN: "
     "${{ github.token }}`) or name another variable with --github-token-env"),
    ({"pull_request": PULL}, ["--github-token-env", "NOPE"], {},
     "GitHub: no token in $NOPE; set it (in a workflow: `env: NOPE: ${{ github.token }}`) or name "
     "another variable with --github-token-env"),
    ({"pull_request": PULL}, ["--github-token-env", TOKEN], {},
     "GitHub: --github-token-env takes the name of an environment variable (upper-case letters, "
     "digits, _), not a value"),  # the token passed by mistake is not repeated
    ({"pull_request": PULL}, ["--github-pr", "0"], {}, "GitHub: a pull request number is positive, not 0"),
    ({"pull_request": PULL}, ["--github-api-url", "ghe.example"], {},
     "GitHub: the API URL must be http(s)://..., not 'ghe.example'"),
])
def test_what_is_missing_is_said_plainly(tmp_path: Path, event: dict[str, Any] | None,
                                         flags: list[str], env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        _settings(tmp_path, event, *flags, **env)
    assert str(caught.value) == message


def test_a_broken_event_file_is_said_plainly_without_the_token(tmp_path: Path) -> None:
    missing = {"GITHUB_EVENT_PATH": str(tmp_path / "gone.json")}
    (tmp_path / "bad.json").write_text("{not json")
    messages = []
    for env in (missing, {"GITHUB_EVENT_PATH": str(tmp_path / "bad.json")}):
        with pytest.raises(ValueError) as caught:
            _settings(tmp_path, None, **env)
        messages.append(str(caught.value))
    assert messages == [
        f"GitHub: cannot read the event file $GITHUB_EVENT_PATH ({tmp_path / 'gone.json'}): "
        "No such file or directory",
        f"GitHub: cannot read the event file $GITHUB_EVENT_PATH ({tmp_path / 'bad.json'}): "
        "not a GitHub event payload"]
    assert TOKEN not in repr(_settings(tmp_path, {"pull_request": PULL}))
