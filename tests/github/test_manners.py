"""The client's manners against the fake: rate limits (Retry-After, the primary limit's
reset, a secondary limit without headers), 5xx retries that never write twice, pagination,
and errors that are readable and never carry the token."""

from __future__ import annotations

import logging

import httpx
import pytest
from github.fake_github import EPOCH, TOO_LONG, Fault
from github.hub import TOKEN, Hub, parse
from github.scenario import A, B, finding, run
from iacguard_builtin.github.client import GitHubClient, GitHubError
from iacguard_builtin.github.platform import GitHubPlatform

from iacguard.review import PostOutcome, finding_marker, scope_of


def test_retry_after_of_a_secondary_rate_limit_is_honoured(hub: Hub) -> None:
    fake = hub.fake
    fake.faults.append(Fault("POST", "/reviews", "secondary", retry_after="7"))

    report = run(hub.platform(), [finding(A, "src/app.tf", 4)])

    assert report.outcomes == (PostOutcome(A, "line"),)
    assert fake.writes() == [("POST", f"{fake.pull}/reviews")] * 2 + [("POST", f"{fake.issue}/comments")]
    assert len(fake.reviews) == 1
    assert hub.time.sleeps == [7.0, 1.0]  # GitHub's wait, then the pace before the summary


def test_a_secondary_rate_limit_without_retry_after_waits_a_minute_then_longer(hub: Hub) -> None:
    hub.fake.faults.append(Fault("POST", "/reviews", "secondary", retry_after=None, times=2))

    run(hub.platform(), [finding(A, "src/app.tf", 4)])

    assert hub.time.sleeps == [60.0, 120.0, 1.0]
    assert len(hub.fake.reviews) == 1


def test_a_used_up_primary_limit_waits_for_its_reset_within_bounds(hub: Hub) -> None:
    fake = hub.fake
    fake.faults.append(Fault("GET", "/pulls/7/comments", "primary", reset_in=30))
    platform = hub.platform()
    assert platform.posted() == []
    assert hub.time.sleeps == [31.0]  # the reset on GitHub's clock (Date header), and a second

    fake.faults.append(Fault("GET", "/pulls/7/comments", "primary", reset_in=4000))
    with pytest.raises(GitHubError) as caught:
        platform.posted()
    assert str(caught.value) == (
        "GitHub API GET /repos/octo/infra/pulls/7/comments: 403 API rate limit exceeded for "
        "installation ID 1. (GitHub asks to wait 4001 s, longer than the 900 s this run waits; "
        "re-run later)")
    assert hub.time.sleeps == [31.0]


def test_the_last_request_of_the_hour_makes_the_next_one_wait_for_the_reset(hub: Hub) -> None:
    answers = iter([
        httpx.Response(200, json={"login": "me"}, headers={
            "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH + 12),
            "date": "Mon, 01 Jan 2024 00:00:00 GMT"}),
        httpx.Response(200, json={"login": "me"})])
    client = GitHubClient("https://ghe.example/api/v3", TOKEN, sleep=hub.time.sleep,
                          clock=hub.time.clock, transport=httpx.MockTransport(lambda _: next(answers)))
    assert client.get("/user") == {"login": "me"} and hub.time.sleeps == []
    assert client.get("/user") == {"login": "me"} and hub.time.sleeps == [13.0]


def test_server_errors_are_retried_but_a_write_is_never_made_twice(hub: Hub) -> None:
    fake = hub.fake
    fake.faults += [Fault("GET", "/pulls/7/comments", "server"),
                    Fault("POST", "/reviews", "server-after-write"),  # written, answer lost
                    Fault("POST", "/issues/7/comments", "server")]  # refused before writing

    report = run(hub.platform(), [finding(A, "src/app.tf", 4), finding(B, "k8s/service.yaml", 2)])

    assert report.outcomes == (PostOutcome(A, "line"), PostOutcome(B, "line"))
    assert [r["count"] for r in fake.reviews] == [2]
    assert len(fake.issue_comments) == 1
    assert fake.writes() == [("POST", f"{fake.pull}/reviews"), ("POST", f"{fake.issue}/comments"),
                             ("POST", f"{fake.issue}/comments")]
    # a backoff after the failed GET; after the lost review answer (the listing then shows
    # the review landed); after the refused summary (the listing shows it did not)
    assert hub.time.sleeps == [1.0, 1.0, 1.0]


def test_listings_follow_link_next_across_pages(hub: Hub) -> None:
    fake = hub.fake  # pages of two
    scope = scope_of("iacguard")
    fingerprints = [f"{scope}{i:08x}" for i in range(1, 6)]
    for i, fp in enumerate(fingerprints):
        fake.seed_review_comment("iacguard-bot", f"finding {finding_marker(fp)}", "src/app.tf", 3 + i)

    found = hub.platform("--github-bot-login", "iacguard-bot").posted()

    assert [p.fingerprint for p in found] == fingerprints
    assert [(r.query.get("per_page"), r.query.get("page")) for r in fake.requests] == [
        ("100", None), ("2", "2"), ("2", "3")]


def test_a_next_link_off_the_api_root_is_not_followed() -> None:
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(200, json=[{"id": 1}],
                              headers={"Link": '<https://elsewhere.example/steal?page=2>; rel="next"'})

    client = GitHubClient("https://ghe.example/api/v3", TOKEN, transport=httpx.MockTransport(answer))
    with pytest.raises(GitHubError, match="leaves the API root; not followed"):
        client.paginate("/repos/o/r/issues/1/comments")
    assert sent == ["https://ghe.example/api/v3/repos/o/r/issues/1/comments?per_page=100"]


def test_errors_are_readable_and_never_carry_the_token(hub: Hub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG
    fake = hub.fake
    texts: list[str] = []

    wrong = hub.platform(GITHUB_TOKEN="ghp_notTheRightOne")
    with pytest.raises(GitHubError) as bad_token:
        wrong.posted()
    assert str(bad_token.value) == "GitHub API GET /repos/octo/infra/pulls/7/comments: 401 Bad credentials"

    platform = hub.platform()
    fake.faults.append(Fault("POST", "/reviews", "forbidden"))
    with pytest.raises(GitHubError) as forbidden:
        run(platform, [finding(A, "src/app.tf", 4)])
    assert str(forbidden.value) == \
        "GitHub API POST /repos/octo/infra/pulls/7/reviews: 403 Resource not accessible by integration"

    fake.faults.append(Fault("POST", "/issues/7/comments", "echo-token"))
    with pytest.raises(GitHubError) as echoed:
        platform.upsert_summary("iacguard", "summary")
    assert str(echoed.value) == \
        "GitHub API POST /repos/octo/infra/issues/7/comments: 422 Validation Failed for Bearer ***"

    client = GitHubClient(hub.api_url, TOKEN, sleep=hub.time.sleep, clock=hub.time.clock)
    with pytest.raises(GitHubError) as too_long:
        client.create(f"{fake.issue}/comments", {"body": "x" * 65_537}, landed=lambda: False)
    assert str(too_long.value) == \
        f"GitHub API POST /repos/octo/infra/issues/7/comments: 422 Validation Failed: {TOO_LONG}"

    with pytest.raises(ValueError) as missing:
        hub.factory().create(parse(hub.factory()), {**hub.env(), "GITHUB_REPOSITORY": ""})
    texts += [str(e.value) + repr(e.value) for e in (bad_token, forbidden, echoed, too_long, missing)]
    texts += [repr(platform), repr(client), caplog.text]
    assert "HTTP Request: POST" in caplog.text  # the logs were captured, at DEBUG
    assert [t for t in texts if TOKEN in t or "ghp_notTheRightOne" in t] == []


@pytest.mark.parametrize(("answer", "message"), [
    (httpx.Response(200, json=[{"body": "no id"}]), "200 unexpected answer (0.id: Field required)"),
    (httpx.Response(200, text="<html>proxy login</html>"), "200 the answer is not JSON"),
    (httpx.Response(200, json={"message": "not a list"}), "200 expected a list in the answer")])
def test_an_answer_of_the_wrong_shape_is_a_readable_error(answer: httpx.Response, message: str) -> None:
    client = GitHubClient("https://ghe.example/api/v3", TOKEN,
                          transport=httpx.MockTransport(lambda _: answer))
    platform = GitHubPlatform(client, "o/r", 1, bot_login="me")
    with pytest.raises(GitHubError) as caught:
        platform.posted()
    assert str(caught.value) == f"GitHub API GET /repos/o/r/pulls/1/comments: {message}"
