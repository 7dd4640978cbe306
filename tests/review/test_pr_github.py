"""`iacguard pr` end to end: the command, the production GitHub client and a fake GitHub on
127.0.0.1 that knows the pull request's real diff (from `git diff`, read here independently
of the code under test). First run, unchanged re-run, a push that fixes two findings and adds
one, and a second job over another part of the repository that leaves the first one's
comments alone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from github.fake_github import FakeGitHub, served
from github.hub import TOKEN, fake_time
from iacguard_builtin.github.factory import GitHubFactory
from iacguard_builtin.github.platform import FIXED_MARKER

from iacguard.plugin import Plugins, hookimpl, make_plugins
from iacguard.review import PlatformRegistry, is_summary, marked_fingerprint

from fake_time import FakeTime
from review_helpers import CLUSTER_TF, POD, VARIABLES_TF, Repo, run_pr

SERVICE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: shop\n"
           "spec:\n  type: {type}\n  ports:\n    - port: 80\n")
SELECT = ["--select", "LB002,PN002,ING001,PSC001"]
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def commentable(repo: Repo, base: str, head: str) -> dict[str, set[int]]:
    """The head-side lines of each hunk of the pull request's diff (what GitHub accepts)."""
    lines: dict[str, set[int]] = {}
    for chunk in repo.git("diff", "-U3", "--no-color", f"{base}...{head}").split("diff --git ")[1:]:
        path = re.search(r"^\+\+\+ b/(.+)$", chunk, re.MULTILINE)
        if path is None:  # a deleted file has no head side
            continue
        for start, count in _HUNK.findall(chunk):
            lines.setdefault(path.group(1), set()).update(
                range(int(start), int(start) + (int(count) if count else 1)))
    return lines


class FakeClockGitHub:
    """The production GitHub factory, with a clock that never really sleeps."""

    def __init__(self, time: FakeTime) -> None:
        self.factory = GitHubFactory(sleep=time.sleep, clock=time.clock, wall=time.wall)

    @hookimpl
    def iacguard_register_review_platforms(self, registry: PlatformRegistry) -> None:
        registry.add(self.factory)


@pytest.fixture
def time() -> FakeTime:
    return fake_time()


@pytest.fixture
def plugins(time: FakeTime) -> Plugins:
    return make_plugins([FakeClockGitHub(time)], blocked=["github"])


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub(token=TOKEN)
    with served(fake) as url:
        yield fake, url


def _pull_request(repo: Repo, fake: FakeGitHub, url: str, base: str, head: str,
                  monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The pull request now points at `head`, as the workflow of a push would see it."""
    fake.base_sha, fake.head_sha = base, head
    fake.lines = commentable(repo, base, head)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": fake.number, "base": {"sha": base},
                                                  "head": {"sha": head}}}), encoding="utf-8")
    for name, value in {"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": TOKEN,
                        "GITHUB_REPOSITORY": f"{fake.owner}/{fake.repo}",
                        "GITHUB_EVENT_PATH": str(event), "GITHUB_API_URL": url}.items():
        monkeypatch.setenv(name, value)


def _inline(fake: FakeGitHub) -> dict[str, tuple[str, int | None, bool]]:
    return {str(marked_fingerprint(c["body"])): (c["path"], c["line"], FIXED_MARKER in c["body"])
            for c in fake.review_comments.values()}


def test_pr_reviews_a_pull_request_on_github_end_to_end(
        plugins: Plugins, github: tuple[FakeGitHub, str], repo: Repo, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake, url = github
    base = repo.commit("base", {"infra/main.tf": CLUSTER_TF, "infra/variables.tf": VARIABLES_TF,
                                "k8s/svc.yaml": SERVICE.format(name="web", type="LoadBalancer")})
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit("nodes public, an admin NodePort", {
        "infra/variables.tf": VARIABLES_TF.replace("default = true", "default = false"),
        "k8s/admin.yaml": SERVICE.format(name="admin", type="NodePort")})
    _pull_request(repo, fake, url, base, head, monkeypatch, tmp_path)
    monkeypatch.chdir(repo.path)

    # First run: one review with the four new findings on their changed lines, one summary.
    code, out, err = run_pr(plugins, SELECT, capsys)
    assert code == 1, err
    assert token_free(out + err)
    assert len(fake.reviews) == 1
    first = _inline(fake)
    assert sorted(v for v in first.values()) == [
        ("infra/variables.tf", 3, False), ("infra/variables.tf", 3, False),  # PN002, LB002 (web)
        ("k8s/admin.yaml", 7, False), ("k8s/admin.yaml", 7, False)]  # ING001, LB002 (admin)
    (summary_id, summary), = fake.issue_comments.items()
    assert is_summary(summary["body"], "iacguard") and "4 new" in err

    # Unchanged re-run: nothing posted, the summary edited in place.
    code, _, _ = run_pr(plugins, SELECT, capsys)
    assert code == 1 and len(fake.reviews) == 1 and _inline(fake) == first
    assert list(fake.issue_comments) == [summary_id]

    # A push: the admin Service goes away (its two findings are fixed) and a privileged pod
    # comes in (exactly one new comment).
    pushed = repo.commit("drop admin, add a debug pod", {"k8s/admin.yaml": None,
                                                          "k8s/pod.yaml": POD})
    _pull_request(repo, fake, url, base, pushed, monkeypatch, tmp_path)
    code, _, err = run_pr(plugins, SELECT, capsys)
    assert code == 1, err
    after = _inline(fake)
    assert len(fake.reviews) == 2 and len(after) == 5
    (added,) = set(after) - set(first)
    assert after[added] == ("k8s/pod.yaml", 12, False)
    fixed = {fp for fp, (_, _, is_fixed) in after.items() if is_fixed}
    assert {first[fp][0] for fp in fixed} == {"k8s/admin.yaml"} and len(fixed) == 2
    assert list(fake.issue_comments) == [summary_id]

    # A second job reviews only k8s/: its own summary, and the first job's comments (whose
    # findings it does not see) are left alone.
    code, _, err = run_pr(plugins, ["k8s", *SELECT], capsys)
    assert code == 1, err
    assert {fp: v for fp, v in _inline(fake).items() if fp in after} == after
    assert len(fake.issue_comments) == 2


def token_free(text: str) -> bool:
    return TOKEN not in text
