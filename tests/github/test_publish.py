"""`iacguard.review.publish` over the production GitHub platform and client, against a fake
GitHub on 127.0.0.1 that enforces the real rules (off-diff lines, body size, pagination)."""

from __future__ import annotations

import json

import pytest
from github.fake_github import OFF_DIFF
from github.hub import Hub
from github.scenario import A, B, C, D, X, finding, run
from iacguard_builtin.github.platform import FIXED_MARKER

from iacguard.review import (
    MAX_BODY,
    PostedComment,
    PostOutcome,
    finding_marker,
    marked_fingerprint,
    scope_of,
    summary_marker,
)

SCOPE = scope_of("iacguard")  # the scenario's summary key


def _fp(body: str) -> str | None:
    """The finding a marker names, without the run's scope."""
    marked = marked_fingerprint(body)
    return marked.removeprefix(SCOPE) if marked else None


FIRST = [finding(A, "src/app.tf", 4), finding(B, "k8s/service.yaml", 7, start=3),
         finding(C, "k8s/deploy.yaml", 21)]


def _stored(hub: Hub) -> set[tuple[str, int | None, str, str | None]]:
    return {(c["path"], c["line"], c["subject_type"], _fp(c["body"]))
            for c in hub.fake.review_comments.values()}


@pytest.mark.parametrize("hub", ["", "/api/v3"], indirect=True, ids=["github.com", "enterprise"])
def test_first_run_posts_one_review_and_one_summary(hub: Hub) -> None:
    fake = hub.fake
    report = run(hub.platform(), FIRST)

    assert report.outcomes == (PostOutcome(A, "line"), PostOutcome(B, "line"), PostOutcome(C, "line"))
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", f"{fake.pull}/comments"), ("GET", "/user"), ("POST", f"{fake.pull}/reviews"),
        ("GET", f"{fake.issue}/comments"), ("POST", f"{fake.issue}/comments")]
    assert all(r.authorized and r.api_version == "2022-11-28" and r.accept == "application/vnd.github+json"
               for r in fake.requests)
    (review,) = fake.reviews
    assert (review["event"], review["commit_id"], review["count"]) == ("COMMENT", fake.head_sha, 3)
    sent = {c["path"]: c for c in fake.requests[2].body["comments"]}
    assert {p: (c["line"], c["side"], c.get("start_line"), c.get("start_side")) for p, c in sent.items()} \
        == {"src/app.tf": (4, "RIGHT", None, None), "k8s/service.yaml": (7, "RIGHT", 3, "RIGHT"),
            "k8s/deploy.yaml": (21, "RIGHT", None, None)}
    assert _stored(hub) == {("src/app.tf", 4, "line", A), ("k8s/service.yaml", 7, "line", B),
                            ("k8s/deploy.yaml", 21, "line", C)}
    assert all(c["body"].endswith(finding_marker(marked_fingerprint(c["body"]) or ""))
               and c["user"]["login"] == "iacguard-bot" for c in fake.review_comments.values())
    (note,) = fake.issue_comments.values()
    assert note["body"].endswith("\n\n" + summary_marker("iacguard"))
    assert "posted: aaaa0001=line, bbbb0002=line, cccc0003=line" in note["body"]


def test_unchanged_rerun_posts_nothing_and_edits_the_summary_in_place(hub: Hub) -> None:
    fake = hub.fake
    run(hub.platform(), FIRST)
    (summary_id,) = fake.issue_comments
    comments_before = {k: dict(v) for k, v in fake.review_comments.items()}
    fake.requests.clear()

    report = run(hub.platform(), FIRST)

    assert report.outcomes == () and report.already == (A, B, C) and report.fixed == ()
    assert fake.writes() == [("PATCH", f"/repos/octo/infra/issues/comments/{summary_id}")]
    assert list(fake.issue_comments) == [summary_id]
    assert "already: aaaa0001, bbbb0002, cccc0003" in fake.issue_comments[summary_id]["body"]
    assert fake.review_comments == comments_before
    # the same again: the summary says the same, so nothing is written at all
    fake.requests.clear()
    run(hub.platform(), FIRST)
    assert fake.writes() == []


def test_push_that_fixes_findings_marks_their_comments_fixed_and_deletes_nothing(hub: Hub) -> None:
    fake = hub.fake
    run(hub.platform(), FIRST)
    ids = {_fp(c["body"]): cid for cid, c in fake.review_comments.items()}
    originals = {fp: fake.review_comments[cid]["body"] for fp, cid in ids.items()}
    reply = fake.seed_review_comment("alice", "Is this intended?", "src/app.tf", 4, in_reply_to=ids[A])
    fake.requests.clear()

    report = run(hub.platform(), [FIRST[1]])  # A and C fixed, B still there

    assert report.fixed == (A, C)
    (summary_id,) = fake.issue_comments
    assert fake.writes() == [("PATCH", f"/repos/octo/infra/pulls/comments/{ids[A]}"),
                             ("PATCH", f"/repos/octo/infra/pulls/comments/{ids[C]}"),
                             ("PATCH", f"/repos/octo/infra/issues/comments/{summary_id}")]
    for fp in (A, C):
        body = fake.review_comments[ids[fp]]["body"]
        original = originals[fp].replace(finding_marker(SCOPE + fp), "").strip()
        assert body.startswith(f"**Fixed.** Fixed in {fake.head_sha[:12]}: iacguard no longer reports")
        assert f"> {original}" in body
        assert body.endswith(f"{finding_marker(SCOPE + fp)}\n{FIXED_MARKER}")
    assert fake.review_comments[ids[B]]["body"] == originals[B]
    assert fake.review_comments[reply]["in_reply_to_id"] == ids[A]
    assert set(fake.review_comments) == {*ids.values(), reply}

    assert sorted(hub.platform().posted(), key=lambda p: p.fingerprint) == [
        PostedComment(str(ids[A]), SCOPE + A, "src/app.tf", 4, has_replies=True, resolved=True),
        PostedComment(str(ids[B]), SCOPE + B, "k8s/service.yaml", 7, has_replies=False,
                      resolved=False),
        PostedComment(str(ids[C]), SCOPE + C, "k8s/deploy.yaml", 21, has_replies=False,
                      resolved=True)]
    fake.requests.clear()
    assert run(hub.platform(), [FIRST[1]]).fixed == ()  # marked once, not again
    assert [w for w in fake.writes() if "/pulls/" in w[1]] == []


def test_push_that_adds_one_finding_adds_exactly_one_comment(hub: Hub) -> None:
    fake = hub.fake
    run(hub.platform(), FIRST)
    fake.requests.clear()

    report = run(hub.platform(), [*FIRST, finding(D, "src/app.tf", 10)])

    assert report.outcomes == (PostOutcome(D, "line"),)
    (summary_id,) = fake.issue_comments
    assert fake.writes() == [("POST", f"{fake.pull}/reviews"),
                             ("PATCH", f"/repos/octo/infra/issues/comments/{summary_id}")]
    assert [r["count"] for r in fake.reviews] == [3, 1]
    assert _stored(hub) == {("src/app.tf", 4, "line", A), ("k8s/service.yaml", 7, "line", B),
                            ("k8s/deploy.yaml", 21, "line", C), ("src/app.tf", 10, "line", D)}


def test_one_refused_line_loses_no_other_comment(hub: Hub) -> None:
    fake = hub.fake
    comments = [finding(A, "src/app.tf", 3), finding(B, "k8s/service.yaml", 2),
                finding(X, "src/app.tf", 99), finding(D, "k8s/deploy.yaml", 20)]

    report = run(hub.platform(), comments)

    refused = f"Unprocessable Entity: {OFF_DIFF}"
    assert report.outcomes == (PostOutcome(A, "line"), PostOutcome(B, "line"),
                               PostOutcome(X, "file", f"line refused ({refused})"), PostOutcome(D, "line"))
    reviews = [[_fp(c["body"]) for c in r.body["comments"]]
               for r in fake.requests if r.path.endswith("/reviews")]
    assert reviews == [[A, B, X, D], [A, B], [X, D], [X], [D]]  # halved until the culprit is alone
    assert fake.writes() == [("POST", f"{fake.pull}/reviews")] * 4 + [
        ("POST", f"{fake.pull}/comments"), ("POST", f"{fake.pull}/reviews"),
        ("POST", f"{fake.issue}/comments")]
    assert _stored(hub) == {("src/app.tf", 3, "line", A), ("k8s/service.yaml", 2, "line", B),
                            ("src/app.tf", None, "file", X), ("k8s/deploy.yaml", 20, "line", D)}
    assert [r["count"] for r in fake.reviews] == [2, 1]
    assert hub.time.sleeps == [1.0] * 6  # seven writes, paced a second apart

    fake.requests.clear()
    assert run(hub.platform(), comments).outcomes == ()  # the file-level one counts as posted


def test_a_comment_refused_on_the_line_and_the_file_is_reported_not_posted(hub: Hub) -> None:
    comments = [finding(A, "src/app.tf", 5), finding(C, "docs/README.md", None),
                finding(X, "docs/README.md", 1)]

    report = run(hub.platform(), comments)

    gone = "Unprocessable Entity: Path could not be resolved"
    assert report.outcomes == (
        PostOutcome(A, "line"), PostOutcome(C, "no", gone),
        PostOutcome(X, "no", f"line refused (Unprocessable Entity: {OFF_DIFF}); "
                             f"file-level comment refused ({gone})"))
    assert _stored(hub) == {("src/app.tf", 5, "line", A)}


def test_markers_in_comments_by_someone_else_are_ignored(hub: Hub) -> None:
    fake = hub.fake
    spoof = fake.seed_review_comment("mallory", f"fixed already {finding_marker(SCOPE + A)}", "src/app.tf", 4)
    fake_summary = fake.seed_issue_comment("mallory", f"all clear {summary_marker('iacguard')}")

    report = run(hub.platform(), [finding(A, "src/app.tf", 4)])

    assert report.outcomes == (PostOutcome(A, "line"),) and report.already == ()
    assert fake.writes() == [("POST", f"{fake.pull}/reviews"), ("POST", f"{fake.issue}/comments")]
    assert fake.issue_comments[fake_summary]["body"] == f"all clear {summary_marker('iacguard')}"
    # A goes away: our comment is marked fixed, mallory's is left alone
    fake.requests.clear()
    assert run(hub.platform(), [], current=set()).fixed == (A,)
    ours = next(cid for cid, c in fake.review_comments.items() if c["user"]["login"] == "iacguard-bot")
    assert [w for w in fake.writes() if "/pulls/" in w[1]] == [
        ("PATCH", f"/repos/octo/infra/pulls/comments/{ours}")]
    assert fake.review_comments[spoof]["body"] == f"fixed already {finding_marker(SCOPE + A)}"


def test_bodies_are_cut_to_fit_with_their_marker(hub: Hub) -> None:
    fake = hub.fake
    huge = "\n".join(f"line {i} " + "x" * 60 for i in range(1200))  # ~80,000 characters
    platform = hub.platform()
    platform.post([finding(A, "src/app.tf", 4, body=huge)])
    platform.upsert_summary("iacguard", huge)

    (comment,) = fake.review_comments.values()
    (note,) = fake.issue_comments.values()
    assert len(comment["body"]) <= MAX_BODY and comment["body"].endswith(finding_marker(A))
    assert len(note["body"]) <= MAX_BODY and note["body"].endswith(summary_marker("iacguard"))
    assert "cut to fit" in comment["body"] and "cut to fit" in note["body"]


def test_a_workflow_token_writes_as_the_actions_bot(hub: Hub) -> None:
    fake = hub.fake
    fake.integration_tokens["ghs_installationToken0123456789"] = "github-actions[bot]"
    env = {"GITHUB_TOKEN": "ghs_installationToken0123456789"}
    run(hub.platform(**env), FIRST[:1])
    assert {c["user"]["login"] for c in fake.review_comments.values()} == {"github-actions[bot]"}
    fake.requests.clear()

    report = run(hub.platform(**env), FIRST[:1])  # /user refused: the bot's comments are ours

    assert report.already == (A,) and report.outcomes == ()
    assert ("GET", "/user") in [(r.method, r.path) for r in fake.requests]
    fake.requests.clear()
    report = run(hub.platform("--github-bot-login", "github-actions[bot]", **env), FIRST[:1])
    assert report.already == (A,) and report.outcomes == ()
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", f"{fake.pull}/comments"), ("GET", f"{fake.issue}/comments")]  # no /user


def test_a_refused_commit_is_not_split_comment_by_comment(hub: Hub) -> None:
    fake = hub.fake
    stale = hub.tmp / "stale.json"
    stale.write_text(json.dumps({"pull_request": {
        "number": 7, "base": {"sha": fake.base_sha}, "head": {"sha": "0" * 40}}}))

    report = run(hub.platform(GITHUB_EVENT_PATH=str(stale)), FIRST)

    refused = "Unprocessable Entity: commit_id is not part of the pull request"
    assert report.outcomes == tuple(PostOutcome(c.fingerprint, "no", refused) for c in FIRST)
    assert fake.writes() == [("POST", f"{fake.pull}/reviews"), ("POST", f"{fake.issue}/comments")]
