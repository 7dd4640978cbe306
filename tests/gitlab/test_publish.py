"""`iacguard.review.publish` over the GitLab platform, against a fake GitLab on 127.0.0.1:
each run is a fresh platform (a new CI job), the merge request's state lives in the fake."""

from __future__ import annotations

from gitlab_lab import BOT, IID, OTHER_TOKEN, REFS, Lab
from iacguard_builtin.gitlab.platform import GitLabPlatform

from iacguard.review import (
    PostOutcome,
    PublishReport,
    ReviewComment,
    finding_marker,
    publish,
    scope_of,
    summary_marker,
)

FP_A, FP_B, FP_C, FP_D = ("a1" * 16, "b2" * 16, "c3" * 16, "d4" * 16)
ADDED = ReviewComment(FP_A, "**PSC001** container app runs privileged", "k8s/web.yaml",
                      "k8s/web.yaml", line=11)
CONTEXT = ReviewComment(FP_B, "**PSC009** writable root filesystem", "k8s/web.yaml",
                        "k8s/web.yaml", line=13, old_line=10)
RENAMED = ReviewComment(FP_C, "**LB001** public load balancer", "k8s/api.yaml",
                        "k8s/api-old.yaml", line=5)
LATER = ReviewComment(FP_D, "**PSC002** may run as root", "k8s/api.yaml", "k8s/api-old.yaml",
                      line=6)
KEY = "infra-live"
SCOPE = scope_of(KEY)  # markers name findings within the summary key


def summary(report: PublishReport) -> str:
    posted = sum(o.posted != "no" for o in report.outcomes)
    return (f"iacguard: {posted} new, {len(report.already)} already commented, "
            f"{len(report.fixed)} fixed")


def run(platform: GitLabPlatform, comments: list[ReviewComment]) -> PublishReport:
    return publish(platform, comments, {c.fingerprint for c in comments}, summary, key=KEY)


def first_notes(lab: Lab) -> list[dict]:  # type: ignore[type-arg]
    return [d["notes"][0] for d in lab.fake.threads()]


def test_first_run_posts_one_thread_per_finding_and_one_summary(lab: Lab) -> None:
    report = run(lab.platform(), [ADDED, CONTEXT, RENAMED])
    assert report.outcomes == (PostOutcome(FP_A, "line"), PostOutcome(FP_B, "line"),
                               PostOutcome(FP_C, "line"))
    assert lab.fake.writes() == [("POST", "/discussions")] * 3 + [("POST", "/notes")]
    shas = {k: REFS[k] for k in ("base_sha", "start_sha", "head_sha")}
    assert [n["position"] for n in first_notes(lab)] == [
        {"position_type": "text", **shas, "old_path": "k8s/web.yaml", "new_path": "k8s/web.yaml",
         "new_line": 11},
        {"position_type": "text", **shas, "old_path": "k8s/web.yaml", "new_path": "k8s/web.yaml",
         "new_line": 13, "old_line": 10},  # unchanged context: both sides
        {"position_type": "text", **shas, "old_path": "k8s/api-old.yaml",
         "new_path": "k8s/api.yaml", "new_line": 5},
    ]
    assert [n["body"] for n in first_notes(lab)] == [
        f"{c.body}\n\n{finding_marker(SCOPE + c.fingerprint)}" for c in (ADDED, CONTEXT, RENAMED)]
    (note,) = lab.fake.plain_notes()
    assert note["body"] == f"iacguard: 3 new, 0 already commented, 0 fixed\n\n{summary_marker(KEY)}"
    # the project path travelled URL-encoded, in one segment
    assert {r.path.split("/merge_requests")[0] for r in lab.fake.requests if r.path != "/user"} \
        == {"/projects/platform%2Finfra-live"}
    assert {r.headers["User-Agent"] for r in lab.fake.requests} == {"iacguard/test"}


def test_unchanged_rerun_posts_nothing_and_edits_the_summary_in_place(lab: Lab) -> None:
    run(lab.platform(), [ADDED, CONTEXT, RENAMED])
    (note,) = lab.fake.plain_notes()
    first_requests = len(lab.fake.requests)
    report = run(lab.platform(), [ADDED, CONTEXT, RENAMED])
    assert report.outcomes == () and report.fixed == ()
    assert report.already == tuple(sorted((FP_A, FP_B, FP_C)))
    assert lab.fake.writes()[4:] == [("PUT", f"/notes/{note['id']}")]
    (edited,) = lab.fake.plain_notes()
    assert edited["id"] == note["id"]
    assert edited["body"] == f"iacguard: 0 new, 3 already commented, 0 fixed\n\n{summary_marker(KEY)}"
    assert len(lab.fake.threads()) == 3
    assert all(r.method in ("GET", "PUT") for r in lab.fake.requests[first_requests:])


def test_a_fix_resolves_its_thread_with_a_note_and_deletes_nothing(lab: Lab) -> None:
    run(lab.platform(), [ADDED, CONTEXT, RENAMED])
    fixed_thread = lab.fake.threads()[1]
    report = run(lab.platform(), [ADDED, RENAMED])
    assert report.fixed == (FP_B,) and report.outcomes == ()
    (note,) = [n for n in lab.fake.plain_notes() if not n["system"]]
    assert lab.fake.writes()[4:] == [
        ("POST", f"/discussions/{fixed_thread['id']}/notes"),
        ("PUT", f"/discussions/{fixed_thread['id']}"),
        ("PUT", f"/notes/{note['id']}"),
    ]
    resolve = [r for r in lab.fake.requests if r.method == "PUT" and "/discussions/" in r.path]
    assert [r.query for r in resolve] == [{"resolved": "true"}]
    assert len(lab.fake.threads()) == 3
    notes = fixed_thread["notes"]
    assert len(notes) == 2 and notes[1]["body"].startswith(f"Fixed in {REFS['head_sha'][:12]}")
    assert all(n["resolved"] for n in notes)
    assert [d["notes"][0]["resolved"] for d in lab.fake.threads()] == [False, True, False]
    assert not [r for r in lab.fake.requests if r.method == "DELETE"]
    # the next run leaves the resolved thread alone
    again = run(lab.platform(), [ADDED, RENAMED])
    assert again.fixed == () and again.outcomes == ()


def test_a_push_adding_one_finding_adds_exactly_one_thread(lab: Lab) -> None:
    run(lab.platform(), [ADDED, CONTEXT, RENAMED])
    report = run(lab.platform(), [ADDED, CONTEXT, RENAMED, LATER])
    assert report.outcomes == (PostOutcome(FP_D, "line"),)
    (note,) = lab.fake.plain_notes()
    assert lab.fake.writes()[4:] == [("POST", "/discussions"), ("PUT", f"/notes/{note['id']}")]
    assert [n["position"]["new_line"] for n in first_notes(lab)] == [11, 13, 5, 6]


def test_a_refused_position_falls_back_to_the_file_without_losing_the_others(lab: Lab) -> None:
    off_diff = ReviewComment(FP_B, "**PSC009** off the diff", "k8s/web.yaml", "k8s/web.yaml",
                             line=30)
    no_old_line = ReviewComment(FP_D, "**PSC002** context line", "k8s/web.yaml", "k8s/web.yaml",
                                line=12)  # unchanged context without old_line: GitLab refuses
    report = run(lab.platform(), [ADDED, off_diff, no_old_line, RENAMED])
    assert [(o.fingerprint, o.posted) for o in report.outcomes] == [
        (FP_A, "line"), (FP_B, "file"), (FP_D, "file"), (FP_C, "line")]
    assert "line 30 refused by GitLab" in report.outcomes[1].reason
    assert "must be a valid line code" in report.outcomes[1].reason
    positions = [n["position"] for n in first_notes(lab)]
    assert [(p["position_type"], p.get("new_line")) for p in positions] == [
        ("text", 11), ("file", None), ("file", None), ("text", 5)]
    statuses = [(r.body["position"]["position_type"], r.body["position"].get("new_line"))
                for r in lab.fake.requests if r.method == "POST" and r.path.endswith("/discussions")]
    assert statuses == [("text", 11), ("text", 30), ("file", None), ("text", 12), ("file", None),
                        ("text", 5)]


def test_without_file_positions_a_general_thread_names_file_and_line(lab: Lab) -> None:
    lab.fake.file_positions = False  # GitLab before 16.4
    unchanged = ReviewComment(FP_B, "**LB001** exposed by the new Service", "k8s/db_main.yaml",
                              "k8s/db_main.yaml", line=7)
    file_level = ReviewComment(FP_D, "**PARSE001** cannot parse", "k8s/api.yaml",
                               "k8s/api-old.yaml", line=None)
    report = run(lab.platform(), [unchanged, ADDED, file_level])
    assert [(o.fingerprint, o.posted) for o in report.outcomes] == [
        (FP_B, "file"), (FP_A, "line"), (FP_D, "file")]
    general = [d["notes"][0] for d in lab.fake.threads() if d["notes"][0]["position"] is None]
    assert [n["body"] for n in general] == [
        f"**k8s/db\\_main.yaml**, line 7\n\n{unchanged.body}\n\n{finding_marker(SCOPE + FP_B)}",
        f"**k8s/api.yaml**\n\n{file_level.body}\n\n{finding_marker(SCOPE + FP_D)}",
    ]
    # the re-run recognises the general threads as ours: nothing twice
    again = run(lab.platform(), [unchanged, ADDED, file_level])
    assert again.outcomes == () and len(lab.fake.threads()) == 3


def test_refused_everywhere_is_an_outcome_not_a_crash(lab: Lab) -> None:
    refused = ReviewComment(FP_B, "**LB001** refused", "k8s/elsewhere.yaml",
                            "k8s/elsewhere.yaml", line=3)
    lab.fake.script("POST", "/discussions", 400, body={"message": {"note": ["is too long"]}},
                    when=lambda body: "position" not in body and "refused" in body["body"])
    report = run(lab.platform(), [ADDED, refused, RENAMED])
    assert [(o.fingerprint, o.posted) for o in report.outcomes] == [
        (FP_A, "line"), (FP_B, "no"), (FP_C, "line")]
    assert report.outcomes[1].reason == "GitLab refused it: note is too long"
    assert len(lab.fake.threads()) == 2
    assert lab.fake.plain_notes()[0]["body"].startswith("iacguard: 2 new")


def test_markers_written_by_someone_else_are_ignored(lab: Lab) -> None:
    mallory = lab.platform(OTHER_TOKEN)
    mallory.post([ADDED])  # a thread with our marker, written by another user
    mallory.upsert_summary(KEY, "all clear, nothing to see")
    # a thread of ours without a marker, where someone else's reply carries one
    bot = lab.client()
    mr = f"/projects/platform%2Finfra-live/merge_requests/{IID}"
    thread = bot.post(f"{mr}/discussions", {"body": "a note from a person using the bot token"})
    lab.client(OTHER_TOKEN).post(f"{mr}/discussions/{thread['id']}/notes",
                                 {"body": f"spoof {finding_marker(SCOPE + FP_B)}"})
    spoofed_summary = lab.fake.plain_notes()[0]
    before = len(lab.fake.requests)
    report = run(lab.platform(), [ADDED, CONTEXT])
    assert report.outcomes == (PostOutcome(FP_A, "line"), PostOutcome(FP_B, "line"))
    assert report.fixed == () and report.already == ()
    writes = [(r.method, r.path.removeprefix(lab.fake.mr_prefix), r.user)
              for r in lab.fake.requests[before:] if r.method != "GET"]
    assert writes == [("POST", "/discussions", BOT)] * 2 + [("POST", "/notes", BOT)]
    assert spoofed_summary["body"].startswith("all clear")
    ours = [n for n in lab.fake.plain_notes() if n["author"]["username"] == BOT]
    assert [n["body"] for n in ours] == [
        f"iacguard: 2 new, 0 already commented, 0 fixed\n\n{summary_marker(KEY)}"]


def test_retry_after_is_honoured_with_the_injected_sleep(lab: Lab) -> None:
    lab.fake.script("POST", "/discussions", 429, headers={"Retry-After": "7"},
                    body={"message": "Retry later"},
                    when=lambda body: "privileged" in body["body"])
    report = run(lab.platform(), [ADDED, CONTEXT, RENAMED])
    assert [o.posted for o in report.outcomes] == ["line", "line", "line"]
    assert len(lab.fake.threads()) == 3  # the refused request was retried once, not posted twice
    assert [r.method for r in lab.fake.requests if r.path.endswith("/discussions")
            and r.method == "POST"] == ["POST"] * 4
    # 7 s as asked, then the write pacing (0.5 s between writes) for the other three writes
    assert lab.time.sleeps == [7.0, 0.5, 0.5, 0.5]

