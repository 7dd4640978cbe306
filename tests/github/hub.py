"""The fake GitHub as tests use it: a fake clock, the environment a workflow would have,
and platforms made through the production factory."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from github.fake_github import EPOCH, FakeGitHub
from iacguard_builtin.github.factory import GitHubFactory
from iacguard_builtin.github.platform import GitHubPlatform

from fake_time import FakeTime


def fake_time() -> FakeTime:
    """The clock of a GitHub test: GitHub's Date header is EPOCH at its start."""
    return FakeTime(now=100.0, epoch=EPOCH)


TOKEN = "ghp_fakeTokenValue0123456789abcdefABCDEF"


@dataclass
class Hub:
    fake: FakeGitHub
    api_url: str
    time: FakeTime
    tmp: Path

    def env(self, **extra: str) -> dict[str, str]:
        event = self.tmp / "event.json"
        event.write_text(json.dumps({"action": "synchronize", "pull_request": {
            "number": self.fake.number, "base": {"sha": self.fake.base_sha},
            "head": {"sha": self.fake.head_sha}}}), encoding="utf-8")
        return {"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": TOKEN,
                "GITHUB_REPOSITORY": f"{self.fake.owner}/{self.fake.repo}",
                "GITHUB_EVENT_PATH": str(event), "GITHUB_API_URL": self.api_url, **extra}

    def factory(self) -> GitHubFactory:
        return GitHubFactory(sleep=self.time.sleep, clock=self.time.clock, wall=self.time.wall)

    def platform(self, *flags: str, **env: str) -> GitHubPlatform:
        """A fresh platform, as each CI run makes one: through the factory, flags and env."""
        factory = self.factory()
        return factory.create(parse(factory, *flags), self.env(**env))


def parse(factory: GitHubFactory, *flags: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    factory.add_arguments(parser.add_argument_group("github"))
    return parser.parse_args(list(flags))
