"""The GitLab tests' lab: the fake GitLab's merge request, its users, and production
clients pointed at it with an injected clock and sleep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fake_gitlab import FakeGitLab
from iacguard_builtin.gitlab.client import GitLabClient, Manners
from iacguard_builtin.gitlab.platform import GitLabPlatform

from fake_time import FakeTime

BOT = "iacguard-bot"
BOT_TOKEN = "glpat-Bot0123456789abcdefXYZ"
OTHER = "mallory"
OTHER_TOKEN = "glpat-Mallory9876543210zyxw"
PROJECT = "platform/infra-live"  # a path: it must travel as platform%2Finfra-live
IID = 42
REFS = {"base_sha": "a" * 40, "start_sha": "b" * 40, "head_sha": "c" * 40}
# head-side line -> base-side line (context) or None (added), per changed file
DIFF: dict[str, dict[int, int | None]] = {
    "k8s/web.yaml": {10: None, 11: None, 12: 9, 13: 10},
    "k8s/api.yaml": {5: None, 6: None},
}
EPOCH = 1_700_000_000.0


@dataclass
class Lab:
    """The fake GitLab, its URL, and a factory for production clients pointed at it."""

    fake: FakeGitLab
    url: str
    time: FakeTime

    def client(self, token: str = BOT_TOKEN, **manners: Any) -> GitLabClient:
        return GitLabClient(self.url, token, user_agent="iacguard/test",
                            manners=Manners(**manners),
                            sleep=self.time.sleep, clock=self.time.clock,
                            wall_clock=self.time.wall)

    def platform(self, token: str = BOT_TOKEN, bot_username: str | None = None) -> GitLabPlatform:
        return GitLabPlatform(self.client(token), PROJECT, IID, bot_username)
