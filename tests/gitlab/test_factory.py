"""The `gitlab` factory: detection, flags over GitLab CI's variables, readable errors that
never carry the token, and the plugin's registrations."""

from __future__ import annotations

import argparse

import pytest
from gitlab_lab import BOT_TOKEN, IID, REFS, Lab
from iacguard_builtin.gitlab.factory import GitLabFactory, GitLabSettings, settings_from

from iacguard.plugin import Plugins

CI = {"GITLAB_CI": "true", "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
      "CI_PROJECT_ID": "1234", "CI_MERGE_REQUEST_IID": "42", "IACGUARD_GITLAB_TOKEN": BOT_TOKEN}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    GitLabFactory().add_arguments(parser.add_argument_group("gitlab"))
    return parser.parse_args(list(argv))


def error(args: argparse.Namespace, env: dict[str, str]) -> str:
    with pytest.raises(ValueError) as caught:
        settings_from(args, env)
    return str(caught.value)


def test_registered_as_a_review_platform_and_a_format(plugins: Plugins) -> None:
    platforms = plugins.review_platforms()
    assert isinstance(platforms.get("gitlab"), GitLabFactory)
    assert platforms.detect({"GITLAB_CI": "true"}) is platforms.get("gitlab")
    assert "gitlab" in plugins.register_reporters().names()


def test_detects_gitlab_ci_only() -> None:
    factory = GitLabFactory()
    assert [factory.detect(env) for env in ({"GITLAB_CI": "true"}, {"GITLAB_CI": "false"}, {},
                                            {"GITHUB_ACTIONS": "true"})] == [True, False, False, False]


def test_merge_request_pipeline_variables() -> None:
    assert settings_from(parse(), CI) == GitLabSettings(
        api_url="https://gitlab.example.com/api/v4", project="1234", mr_iid=42, token=BOT_TOKEN)
    # the merge request lives in the target project (a fork's pipeline runs in the fork)
    fork = {**CI, "CI_MERGE_REQUEST_PROJECT_ID": "99"}
    assert settings_from(parse(), fork).project == "99"
    assert settings_from(parse(), {**CI, "IACGUARD_GITLAB_TOKEN": "", "GITLAB_TOKEN": "glpat-x"}
                         ).token == "glpat-x"


def test_flags_override_each_variable() -> None:
    args = parse("--gitlab-api-url", "https://git.corp.example/api/v4/", "--gitlab-project",
                 "platform/infra", "--gitlab-mr", "7", "--gitlab-token-env", "REVIEW_TOKEN",
                 "--gitlab-bot-username", "review-bot")
    settings = settings_from(args, {**CI, "REVIEW_TOKEN": "glpat-review"})
    assert settings == GitLabSettings(api_url="https://git.corp.example/api/v4",
                                      project="platform/infra", mr_iid=7, token="glpat-review",
                                      bot_username="review-bot")
    assert "glpat-review" not in repr(settings)


def test_missing_pieces_are_named_together() -> None:
    assert error(parse(), {"GITLAB_CI": "true"}) == (
        "GitLab: missing the API URL (CI_API_V4_URL or --gitlab-api-url); the project "
        "(CI_PROJECT_ID or --gitlab-project); the merge request (CI_MERGE_REQUEST_IID or "
        "--gitlab-mr; run in a merge request pipeline); a token: set IACGUARD_GITLAB_TOKEN or "
        "GITLAB_TOKEN (a project or personal access token with the api scope, in a masked "
        "CI/CD variable IACGUARD_GITLAB_TOKEN)")


def test_a_job_token_alone_is_refused_with_the_reason() -> None:
    env = {**CI, "IACGUARD_GITLAB_TOKEN": "", "CI_JOB_TOKEN": "glcbt-64_JobTokenValue"}
    message = error(parse(), env)
    assert message == ("GitLab: missing a token: only CI_JOB_TOKEN is set, and it cannot write "
                       "merge request notes; use a project or personal access token with the "
                       "api scope, in a masked CI/CD variable IACGUARD_GITLAB_TOKEN")
    assert "CI_JOB_TOKEN cannot write" in error(parse("--gitlab-token-env", "CI_JOB_TOKEN"), env)


def test_token_errors_never_echo_a_token() -> None:
    # the token given where the variable's name belongs
    assert error(parse("--gitlab-token-env", "glpat-Secret123"), CI) == (
        "GitLab: missing a token: --gitlab-token-env takes the NAME of an environment "
        "variable, not the token")
    legacy = "Ab3dEf6hIj9kLm2nOp5q"  # an old-style token is a valid variable name
    message = error(parse("--gitlab-token-env", legacy), CI)
    assert legacy not in message and "named by --gitlab-token-env is not set" in message
    assert error(parse("--gitlab-token-env", "REVIEW_TOKEN"), CI) == (
        "GitLab: missing a token: the environment variable REVIEW_TOKEN is not set")


def test_malformed_values_are_refused() -> None:
    assert error(parse("--gitlab-api-url", "gitlab.example.com"), CI) == (
        "GitLab: the API URL must be an http(s) URL, not 'gitlab.example.com'")
    assert error(parse(), {**CI, "CI_MERGE_REQUEST_IID": "!42"}) == (
        "GitLab: the merge request IID must be a number, not '!42'")
    assert error(parse("--gitlab-mr", "0"), CI) == (
        "GitLab: the merge request IID must be positive, not 0")


def test_create_opens_the_merge_request_the_environment_names(lab: Lab) -> None:
    env = {**CI, "CI_API_V4_URL": lab.url, "CI_PROJECT_ID": "platform/infra-live",
           "CI_MERGE_REQUEST_IID": str(IID)}
    platform = GitLabFactory().create(parse(), env)
    refs = platform.refs()  # a read: no write pacing, so no real sleep
    assert (refs.base_sha, refs.head_sha) == (REFS["base_sha"], REFS["head_sha"])
    (request,) = lab.fake.requests
    assert request.path == f"/projects/platform%2Finfra-live/merge_requests/{IID}"
    assert request.headers["User-Agent"].startswith("iacguard/")
    assert BOT_TOKEN not in repr(platform)
