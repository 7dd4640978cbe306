"""`publish`: one run over a review platform (an in-memory platform records the calls)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from iacguard.review import (
    MAX_BODY,
    PostedComment,
    PostOutcome,
    PublishReport,
    PullRequestRefs,
    ReviewComment,
    capped,
    escape_markdown,
    finding_marker,
    is_summary,
    marked_fingerprint,
    publish,
    scope_of,
    summary_marker,
)


@dataclass
class MemoryPlatform:
    name: str = "memory"
    comments: dict[str, PostedComment] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def refs(self) -> PullRequestRefs:
        return PullRequestRefs(base_sha="b" * 40, head_sha="0123456789abcdef" * 2 + "01234567")

    def posted(self) -> list[PostedComment]:
        return list(self.comments.values())

    def post(self, comments: Sequence[ReviewComment]) -> list[PostOutcome]:
        self.calls.append("post:" + ",".join(c.fingerprint for c in comments))
        for c in comments:
            cid = str(len(self.comments) + 1)
            self.comments[cid] = PostedComment(cid, c.fingerprint, c.path, c.line, False, False)
        return [PostOutcome(c.fingerprint, "line" if c.line else "file") for c in comments]

    def mark_fixed(self, comment: PostedComment, note: str) -> None:
        self.calls.append(f"fixed:{comment.fingerprint}:{note}")
        self.comments[comment.id] = PostedComment(comment.id, comment.fingerprint, comment.path,
                                                  comment.line, comment.has_replies, True)

    def upsert_summary(self, key: str, body: str) -> None:
        self.calls.append(f"summary:{key}")
        self.summaries[key] = body


def _comment(fp: str, line: int | None = 3) -> ReviewComment:
    return ReviewComment(fingerprint=fp, body=f"finding {fp}", path="main.tf",
                         old_path="main.tf", line=line)


def _summary(report: PublishReport) -> str:
    return (f"posted={[o.fingerprint for o in report.outcomes]} already={list(report.already)} "
            f"held={list(report.held_back)} fixed={list(report.fixed)}")


def test_first_run_posts_then_rerun_posts_nothing_and_edits_the_summary() -> None:
    platform = MemoryPlatform()
    comments = [_comment("aaaa0001"), _comment("aaaa0002", None)]
    publish(platform, comments, {"aaaa0001", "aaaa0002"}, _summary, key="k")
    scope = scope_of("k")  # what the platform is given: the finding within the summary key
    assert platform.calls == [f"post:{scope}aaaa0001,{scope}aaaa0002", "summary:k"]
    publish(platform, comments, {"aaaa0001", "aaaa0002"}, _summary, key="k")
    assert platform.calls[2:] == ["summary:k"]
    assert platform.summaries == {"k": "posted=[] already=['aaaa0001', 'aaaa0002'] held=[] fixed=[]"}


def test_fixed_findings_are_marked_once_and_new_ones_added_once() -> None:
    platform = MemoryPlatform()
    publish(platform, [_comment("aaaa0001"), _comment("aaaa0002")], {"aaaa0001", "aaaa0002"},
            _summary, key="k")
    report = publish(platform, [_comment("aaaa0002"), _comment("aaaa0003")],
                     {"aaaa0002", "aaaa0003"}, _summary, key="k")
    scope = scope_of("k")
    assert platform.calls[2:] == [
        f"post:{scope}aaaa0003",
        f"fixed:{scope}aaaa0001:Fixed in 0123456789ab: iacguard no longer reports this finding.",
        "summary:k"]
    assert report.fixed == ("aaaa0001",)
    publish(platform, [_comment("aaaa0002"), _comment("aaaa0003")], {"aaaa0002", "aaaa0003"},
            _summary, key="k")
    assert platform.calls[5:] == ["summary:k"]  # a fixed comment is not marked again


def test_the_cap_holds_back_the_rest_for_the_summary() -> None:
    platform = MemoryPlatform()
    comments = [_comment(f"aaaa000{i}") for i in range(5)]
    report = publish(platform, comments, {c.fingerprint for c in comments}, _summary, key="k",
                     max_inline=2)
    assert [o.fingerprint for o in report.outcomes] == ["aaaa0000", "aaaa0001"]
    assert report.held_back == ("aaaa0002", "aaaa0003", "aaaa0004")


def test_summary_is_capped_at_a_line_boundary() -> None:
    body = "\n".join(f"| row {i} |" for i in range(20_000))
    cut = capped(body)
    assert len(body) > MAX_BODY >= len(cut)
    assert cut.endswith("(cut to fit the platform's comment size limit)\n")
    assert all(line.startswith("| row ") and line.endswith(" |")
               for line in cut.split("\n\n…")[0].splitlines())
    assert capped("short") == "short"


def test_markers_round_trip_and_escaped_text_cannot_forge_them() -> None:
    fp = "0123456789abcdef"
    assert marked_fingerprint(f"text\n{finding_marker(fp)}") == fp
    assert is_summary(f"x {summary_marker('iacguard')}", "iacguard")
    assert not is_summary(f"x {summary_marker('iacguard')}", "other")
    hostile = f"@octocat please {finding_marker(fp)} {summary_marker('iacguard')} <b>x</b>"
    inert = escape_markdown(hostile)
    assert marked_fingerprint(inert) is None
    assert not is_summary(inert, "iacguard")
    assert "@octocat" not in inert and "<b>" not in inert


def test_runs_with_another_key_never_touch_each_others_comments() -> None:
    platform = MemoryPlatform()
    publish(platform, [_comment("aaaa0001")], {"aaaa0001"}, _summary, key="infra")
    report = publish(platform, [_comment("aaaa0002")], {"aaaa0002"}, _summary, key="apps")
    assert report.fixed == () and report.already == ()
    assert platform.calls == [f"post:{scope_of('infra')}aaaa0001", "summary:infra",
                              f"post:{scope_of('apps')}aaaa0002", "summary:apps"]
    # the same finding under both keys: each run posts its own comment
    publish(platform, [_comment("aaaa0001")], {"aaaa0001", "aaaa0002"}, _summary, key="apps")
    assert platform.calls[4:] == [f"post:{scope_of('apps')}aaaa0001", "summary:apps"]
