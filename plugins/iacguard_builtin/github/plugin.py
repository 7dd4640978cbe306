"""The GitHub review platform (`iacguard pr --platform github`): pull-request reviews, file
comments and one sticky summary comment over GitHub's REST API."""

from __future__ import annotations

from iacguard.plugin import hookimpl
from iacguard.review import PlatformRegistry
from iacguard_builtin.github.factory import GitHubFactory


@hookimpl
def iacguard_register_review_platforms(registry: PlatformRegistry) -> None:
    registry.add(GitHubFactory())
