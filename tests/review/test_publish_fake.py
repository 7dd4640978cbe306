"""`iacguard pr` against an in-memory review platform (registered through the real hook):
it posts through `publish`, a re-run posts nothing new, a fix marks the comment fixed, and a
platform's failure is one line (without the token), exit 2."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest

from iacguard.plugin import Plugins, hookimpl, make_plugins
from iacguard.review import (
    PlatformRegistry,
    PostedComment,
    PostOutcome,
    PullRequestRefs,
    ReviewComment,
    is_summary,
    marked_fingerprint,
    summary_marker,
)

from review_helpers import Repo, run_pr

TOKEN = "fake-token-0123456789"
CLUSTER_TF = """\
resource "google_container_cluster" "shop" {
  name     = "shop"
  location = "europe-west1"
  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
  }
}
"""
SERVICE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n"
           "spec:\n  type: LoadBalancer\n  ports:\n    - port: 80\n")
SELECT = ["--select", "LB001,LB002,PN002"]


@dataclass
class Stored:
    id: str
    fingerprint: str
    path: str
    line: int | None
    body: str
    resolved: bool = False


@dataclass
class FakePlatform:
    """One pull request held in memory; bodies are stored with the marker appended, as a
    real platform writes them."""

    refs_: PullRequestRefs
    comments: list[Stored] = field(default_factory=list)
    summaries: dict[int, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    fail_refs: bool = False
    name: str = "fake"

    def refs(self) -> PullRequestRefs:
        if self.fail_refs:
            raise RuntimeError(f"401 Unauthorized for token {TOKEN}\nsecond line")
        return self.refs_

    def posted(self) -> list[PostedComment]:
        return [PostedComment(c.id, fp, c.path, c.line, False, c.resolved)
                for c in self.comments if (fp := marked_fingerprint(c.body)) is not None]

    def post(self, comments: Sequence[ReviewComment]) -> list[PostOutcome]:
        self.calls.append(f"post {len(comments)}")
        for c in comments:
            self.comments.append(Stored(str(len(self.comments) + 1), c.fingerprint, c.path, c.line,
                                        f"{c.body}\n<!-- iacguard:finding:{c.fingerprint} -->"))
        return [PostOutcome(c.fingerprint, "line" if c.line is not None else "file")
                for c in comments]

    def mark_fixed(self, comment: PostedComment, note: str) -> None:
        self.calls.append(f"fixed {comment.id}")
        next(c for c in self.comments if c.id == comment.id).resolved = True

    def upsert_summary(self, key: str, body: str) -> None:
        found = [i for i, text in self.summaries.items() if is_summary(text, key)]
        self.calls.append("edit summary" if found else "create summary")
        self.summaries[found[0] if found else len(self.summaries) + 1] = \
            f"{body}\n{summary_marker(key)}"


@dataclass
class FakeFactory:
    platform: FakePlatform
    fail_create: bool = False
    name: str = "fake"

    def detect(self, env: Mapping[str, str]) -> bool:
        return env.get("FAKE_CI") == "true"

    def add_arguments(self, group: argparse._ArgumentGroup) -> None:
        group.add_argument("--fake-token", help="token of the fake platform")

    def create(self, args: argparse.Namespace, env: Mapping[str, str]) -> FakePlatform:
        if self.fail_create:
            raise ValueError("fake: no pull request number (set FAKE_PR)")
        return self.platform


class FakePlugin:
    def __init__(self, factory: FakeFactory) -> None:
        self.factory = factory

    @hookimpl
    def iacguard_register_review_platforms(self, registry: PlatformRegistry) -> None:
        registry.add(self.factory)


def _setup(repo: Repo) -> tuple[str, str]:
    base = repo.commit("base", {"main.tf": CLUSTER_TF, "k8s/svc.yaml": SERVICE})
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit("nodes go public", {
        "main.tf": CLUSTER_TF.replace("enable_private_nodes    = true",
                                      "enable_private_nodes    = false")})
    return base, head


def _plugins(factory: FakeFactory) -> Plugins:
    return make_plugins([FakePlugin(factory)])


def test_posts_through_publish_and_a_rerun_posts_nothing_new(
        repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = _setup(repo)
    platform = FakePlatform(PullRequestRefs(base, head))
    plugins = _plugins(FakeFactory(platform))
    monkeypatch.setenv("FAKE_CI", "true")  # --platform auto detects it
    code, out, err = run_pr(plugins, [str(repo.path), *SELECT], capsys)
    assert code == 1, err
    assert platform.calls == ["post 2", "create summary"]
    assert {(c.path, c.line, c.body.splitlines()[0]) for c in platform.comments} == {
        ("main.tf", 5, "**CRITICAL** [LB002](https://github.com/iacguard/iacguard/blob/main/docs/"
                       "POLICIES.md#lb002) service-exposed-on-public-nodes"),
        ("main.tf", 5, "**HIGH** [PN002](https://github.com/iacguard/iacguard/blob/main/docs/"
                       "POLICIES.md#pn002) node-public-ip"),
    }
    lb002 = next(c for c in platform.comments if "LB002" in c.body)
    assert "Reported on Service shop/web in k8s/svc.yaml:7; this change causes it here." in lb002.body
    assert "**Fix:** Put the nodes in private subnets (or enable private nodes), and expose" in lb002.body
    (summary,) = platform.summaries.values()
    assert summary.startswith(out.rstrip("\n"))  # stdout carries the summary posted
    assert summary.endswith("<!-- iacguard:summary:iacguard -->")
    assert "line main.tf:5 |" in out

    platform.calls.clear()
    code, again, _ = run_pr(plugins, [str(repo.path), *SELECT], capsys)
    assert code == 1
    assert platform.calls == ["edit summary"]  # nothing posted, nothing marked fixed
    assert len(platform.comments) == 2 and len(platform.summaries) == 1
    assert "line main.tf:5 (posted before) |" in again

    # The fix is pushed: both comments are marked fixed, nothing new is posted.
    platform.calls.clear()
    platform.refs_ = PullRequestRefs(base, repo.commit("nodes private again",
                                                       {"main.tf": CLUSTER_TF}))
    code, fixed, _ = run_pr(plugins, [str(repo.path), *SELECT], capsys)
    assert code == 0
    assert sorted(platform.calls[:2]) == ["fixed 1", "fixed 2"]
    assert platform.calls[2:] == ["edit summary"]
    assert fixed.startswith("### iacguard: no new findings at or above low\n")


def test_max_comments_holds_the_rest_back_for_the_summary(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = _setup(repo)
    platform = FakePlatform(PullRequestRefs(base, head))
    code, out, _ = run_pr(_plugins(FakeFactory(platform)),
                          [str(repo.path), "--platform", "fake", "--max-comments", "1", *SELECT],
                          capsys)
    assert code == 1
    assert platform.calls == ["post 1", "create summary"]
    assert "LB002" in platform.comments[0].body  # the most severe first
    assert "summary only (over the --max-comments cap) |" in out


def test_platform_errors_are_one_line_without_the_token(
        repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = _setup(repo)
    platform = FakePlatform(PullRequestRefs(base, head), fail_refs=True)
    code, out, err = run_pr(_plugins(FakeFactory(platform)),
                            [str(repo.path), "--platform", "fake", "--fake-token", TOKEN], capsys)
    assert (code, out) == (2, "")
    assert err == "iacguard: error: fake: 401 Unauthorized for token ***\n"
    code, _, err = run_pr(_plugins(FakeFactory(platform, fail_create=True)),
                          [str(repo.path), "--platform", "fake"], capsys)
    assert code == 2
    assert err == "iacguard: error: fake: no pull request number (set FAKE_PR)\n"
