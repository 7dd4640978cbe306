"""The GitLab plugin: the `gitlab` review platform for `iacguard pr` (merge-request threads
on changed lines, resolved when fixed, one summary note) and the `--format gitlab` Code
Quality report.

Nothing here imports httpx: a scan needs neither it nor the network; the platform's client
is imported when `iacguard pr` opens a merge request.
"""

from __future__ import annotations

from iacguard.plugin import hookimpl
from iacguard.reporting import ReporterRegistry
from iacguard.review import PlatformRegistry
from iacguard_builtin.gitlab import codequality
from iacguard_builtin.gitlab.factory import GitLabFactory


@hookimpl
def iacguard_register_review_platforms(registry: PlatformRegistry) -> None:
    registry.add(GitLabFactory())


@hookimpl
def iacguard_register_reporters(registry: ReporterRegistry) -> None:
    registry.add("gitlab", codequality.render)
