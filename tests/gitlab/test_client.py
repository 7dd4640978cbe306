"""The GitLab client's manners against the fake GitLab: pacing, rate limits, retries,
pagination, and a token that never shows."""

from __future__ import annotations

import logging
from email.utils import formatdate

import pytest
from gitlab_lab import BOT, BOT_TOKEN, EPOCH, IID, REFS, Lab
from iacguard_builtin.gitlab.client import GitLabClient, GitLabError
from werkzeug.serving import make_server

MR = f"/projects/platform%2Finfra-live/merge_requests/{IID}"


def _threads(lab: Lab, count: int) -> None:
    for n in range(count):
        lab.fake._add_discussion([lab.fake._note(f"thread {n}", BOT, resolvable=True)],
                                 individual=False)


def test_writes_are_paced_and_reads_are_not(lab: Lab) -> None:
    client = lab.client(write_interval=0.8)
    client.get("/user")
    client.post(f"{MR}/notes", {"body": "one"})
    client.get("/user")
    client.post(f"{MR}/notes", {"body": "two"})
    lab.time.now += 0.3  # time spent elsewhere counts towards the interval
    client.put(f"{MR}/notes/1001", {"body": "one, edited"})
    assert lab.time.sleeps == [0.8, pytest.approx(0.5)]


def test_rate_limit_reset_and_http_date_retry_after_are_waited_for(lab: Lab) -> None:
    lab.fake.script("GET", "/user", 429, headers={"RateLimit-Reset": str(int(EPOCH) + 12)})
    lab.fake.script("GET", "/user", 429, headers={"Retry-After": formatdate(EPOCH + 12 + 30,
                                                                            usegmt=True)})
    lab.fake.script("GET", "/user", 429)  # nothing said: a doubling backoff
    assert lab.client(backoff=1.0).get("/user")["username"] == BOT
    assert lab.time.sleeps == [12.0, 30.0, 4.0]


def test_a_wait_longer_than_allowed_fails_readably_at_once(lab: Lab) -> None:
    lab.fake.script("POST", "/notes", 429, headers={"Retry-After": "3600"})
    with pytest.raises(GitLabError) as caught:
        lab.client(max_wait=120).post(f"{MR}/notes", {"body": "x"})
    assert str(caught.value) == (f"GitLab POST {MR}/notes: HTTP 429: rate limited: GitLab asks "
                                 "to wait 3600 s (more than the 120 s iacguard waits)")
    assert lab.time.sleeps == []
    assert lab.fake.plain_notes() == []


def test_rate_limit_retries_are_bounded(lab: Lab) -> None:
    lab.fake.script("GET", "/user", 429, headers={"Retry-After": "1"}, times=10,
                    body={"message": "Retry later"})
    with pytest.raises(GitLabError) as caught:
        lab.client(rate_limit_retries=3).get("/user")
    assert (caught.value.status, caught.value.message) == (429, "Retry later")
    assert lab.time.sleeps == [1.0, 1.0, 1.0]


def test_server_errors_are_retried_a_few_times_with_backoff(lab: Lab) -> None:
    lab.fake.script("GET", "/discussions", 502, times=2)
    _threads(lab, 3)
    assert len(lab.client(backoff=1.0).get_all(f"{MR}/discussions")) == 3
    assert lab.time.sleeps == [1.0, 2.0]
    lab.fake.script("PUT", "/notes/5", 503, times=9, body={"message": "down for maintenance"})
    with pytest.raises(GitLabError) as caught:
        lab.client(server_error_retries=2).put(f"{MR}/notes/5", {"body": "x"})
    assert str(caught.value) == f"GitLab PUT {MR}/notes/5: HTTP 503: down for maintenance"


@pytest.mark.parametrize("mode", ["headers", "link"])
def test_every_page_is_read(lab: Lab, mode: str) -> None:
    lab.fake.pagination = mode  # type: ignore[assignment]
    _threads(lab, 5)
    bodies = [d["notes"][0]["body"] for d in lab.client().get_all(f"{MR}/discussions")]
    assert bodies == [f"thread {n}" for n in range(5)]
    pages = [r.query.get("page") for r in lab.fake.requests if r.path.endswith("/discussions")]
    assert pages == [None, "2", "3"]
    assert {r.query["per_page"] for r in lab.fake.requests} == {"100"}


def test_a_pagination_link_to_another_host_is_not_followed(lab: Lab) -> None:
    lab.fake.pagination = "link"
    lab.fake.base_url = "http://gitlab.attacker.example/api/v4"
    _threads(lab, 3)
    with pytest.raises(GitLabError, match="pagination link leaves the GitLab API; not followed"):
        lab.client().get_all(f"{MR}/discussions")
    assert len(lab.fake.requests) == 1


def test_the_token_never_shows(lab: Lab, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "glpat-WrongToken0000000000"
    platform = lab.platform(wrong)
    with pytest.raises(GitLabError) as caught:
        platform.refs()
    assert str(caught.value) == f"GitLab GET {MR}: HTTP 401: 401 Unauthorized"
    # a server that echoes the header back in its error text
    lab.fake.script("GET", "/user", 500, times=9, body={"message": f"bad header {BOT_TOKEN}"})
    client = lab.client(server_error_retries=1)
    with pytest.raises(GitLabError) as echoed:
        client.get("/user")
    assert echoed.value.message == "bad header [token]"
    shown = [str(caught.value), repr(caught.value), str(echoed.value), repr(echoed.value),
             repr(platform), repr(client), repr(client._http.auth), caplog.text]
    assert [s for s in shown if wrong in s or BOT_TOKEN in s] == []
    assert "GitLab GET /user: HTTP 500" in caplog.text  # the log says what happened, not the token
    # the token travels only in the header, never in a URL
    assert [r for r in lab.fake.requests if BOT_TOKEN in r.path or BOT_TOKEN in str(r.query)] == []
    assert {r.headers.get("Private-Token") for r in lab.fake.requests} == {wrong, BOT_TOKEN}


def test_identity_falls_back_to_the_configured_username(lab: Lab) -> None:
    lab.fake.forbidden_user_endpoint = True
    assert lab.platform(bot_username="deploy-bot").identity() == "deploy-bot"
    with pytest.raises(GitLabError, match="HTTP 403"):
        lab.platform().identity()


def test_refs_from_the_newest_diff_version_while_diff_refs_are_missing(lab: Lab) -> None:
    lab.fake.diff_refs = None
    lab.fake.versions = [
        {"base_commit_sha": "1" * 40, "start_commit_sha": "2" * 40, "head_commit_sha": "3" * 40},
        {"base_commit_sha": "4" * 40, "start_commit_sha": "5" * 40, "head_commit_sha": "6" * 40}]
    platform = lab.platform()
    refs = platform.refs()
    assert (refs.base_sha, refs.head_sha, platform.diff_shas().start_sha) == \
        ("1" * 40, "3" * 40, "2" * 40)
    lab.fake.versions = []
    with pytest.raises(GitLabError, match="the merge request has no diff yet"):
        lab.platform().refs()


def test_refs_keep_start_sha_for_positions(lab: Lab) -> None:
    platform = lab.platform()
    refs = platform.refs()
    assert (refs.base_sha, refs.head_sha) == (REFS["base_sha"], REFS["head_sha"])
    assert platform.diff_shas().start_sha == REFS["start_sha"]
    assert [r.path for r in lab.fake.requests] == [MR]  # asked once, kept
    platform.refs()
    assert len(lab.fake.requests) == 1


def test_an_unexpected_answer_is_a_readable_error(lab: Lab) -> None:
    lab.fake.script("GET", MR, 200, body={"iid": "not a number"})
    with pytest.raises(GitLabError) as caught:
        lab.platform().refs()
    assert str(caught.value).startswith(f"GitLab GET {MR}: unexpected answer (iid: ")


def test_an_unreachable_gitlab_retries_reads_but_never_a_write(lab: Lab) -> None:
    closed = make_server("127.0.0.1", 0, lab.fake)
    port = closed.server_port
    closed.server_close()  # a port nothing listens on
    client = GitLabClient(f"http://127.0.0.1:{port}/api/v4", BOT_TOKEN, user_agent="iacguard/test",
                          sleep=lab.time.sleep, clock=lab.time.clock)
    with pytest.raises(GitLabError) as post:
        client.post(f"{MR}/notes", {"body": "x"})
    assert lab.time.sleeps == []  # a write that may have happened is not repeated
    assert str(post.value).startswith(f"GitLab POST {MR}/notes: ConnectError: ")
    with pytest.raises(GitLabError):
        client.get("/user")
    assert lab.time.sleeps == [1.0, 2.0, 4.0]
