"""Settings to a live platform (imported only when `iacguard pr` runs: httpx is optional)."""

from __future__ import annotations

from iacguard.engine import iacguard_version
from iacguard_builtin.gitlab.client import GitLabClient
from iacguard_builtin.gitlab.factory import GitLabSettings
from iacguard_builtin.gitlab.platform import GitLabPlatform


def user_agent() -> str:
    return f"iacguard/{iacguard_version()} (+https://github.com/iacguard/iacguard)"


def open_platform(settings: GitLabSettings) -> GitLabPlatform:
    client = GitLabClient(settings.api_url, settings.token, user_agent=user_agent())
    return GitLabPlatform(client, settings.project, settings.mr_iid, settings.bot_username)
