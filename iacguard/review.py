"""Pull-request review platforms: the interface `iacguard pr` posts through.

A platform plugin (GitHub, GitLab; Bitbucket or Gitea as third-party plugins) registers a
`PlatformFactory` in ``iacguard_register_review_platforms``. The `pr` command decides what
to say (which findings are new, where each belongs in the diff, the summary); a platform
only talks to its API: it lists the comments it posted before (found by their hidden
markers), posts new ones, marks fixed ones, and keeps one summary comment up to date.

Markers are HTML comments no Markdown renderer shows. Bodies built from scanned files are
escaped before they reach a platform (`escape_markdown`), so a scanned file can
never write a marker, an ``@mention`` or HTML; platforms still trust only markers in
comments their own identity wrote.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

MAX_BODY = 65_536  # GitHub's limit for a comment body (GitLab's is larger): we keep to it
# a finding's marker: `<scope>.<fingerprint>` (the scope: which summary key posted it)
_FINDING = re.compile(r"<!-- iacguard:finding:((?:[0-9a-f]{12}\.)?[0-9a-f]{8,64}) -->")
_SUMMARY = re.compile(r"<!-- iacguard:summary:([A-Za-z0-9_.:/-]{1,100}) -->")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9_-])")


def escape_markdown(text: str) -> str:
    """Text taken from scanned files, made inert in a Markdown comment: one line, Markdown
    and HTML specials backslash-escaped (no markup, no HTML comment, so no spoofed marker),
    `&` as an entity, and `@` followed by a word joiner so no one is @mentioned."""
    flat = " ".join(text.replace("&", "&amp;").split())
    return _MENTION.sub("@\u2060", _MARKDOWN_SPECIAL.sub(r"\\\1", flat))


def finding_marker(fingerprint: str) -> str:
    return f"<!-- iacguard:finding:{fingerprint} -->"


def summary_marker(key: str) -> str:
    return f"<!-- iacguard:summary:{key} -->"


def marked_fingerprint(body: str) -> str | None:
    """The fingerprint a finding comment's marker carries (None: not one of ours)."""
    found = _FINDING.search(body)
    return found.group(1) if found else None


def is_summary(body: str, key: str) -> bool:
    found = _SUMMARY.search(body)
    return found is not None and found.group(1) == key


@dataclass(frozen=True)
class PullRequestRefs:
    """The commits a review is about (head-side line numbers belong to `head_sha`)."""

    base_sha: str
    head_sha: str


@dataclass(frozen=True)
class ReviewComment:
    """One finding to post. `body` is escaped Markdown without the marker (the platform
    appends `finding_marker(fingerprint)`).

    `line` is None for a file-level comment. Otherwise `start_line`..`line` are head-side
    lines inside one hunk of the diff (`start_line` None: a single line); `old_line` is
    the base-side number of `line` when that line is unchanged context (GitLab needs both
    sides then), None when the line was added.
    """

    fingerprint: str
    body: str
    path: str  # head side, repository-relative, POSIX
    old_path: str  # base side (differs when the file was renamed)
    line: int | None
    start_line: int | None = None
    old_line: int | None = None


@dataclass(frozen=True)
class PostedComment:
    """A finding comment already on the pull request, written by this platform's identity."""

    id: str  # the platform's id: a review comment id, a discussion id
    fingerprint: str
    path: str | None
    line: int | None
    has_replies: bool  # someone answered: never delete it
    resolved: bool  # already resolved or marked fixed


@dataclass(frozen=True)
class PostOutcome:
    """What became of one `ReviewComment`: posted on its line, posted as a file-level
    comment (its line was refused), or not posted (`reason` says why; it goes into the
    summary instead)."""

    fingerprint: str
    posted: Literal["line", "file", "no"]
    reason: str = ""


class ReviewPlatform(Protocol):
    """One pull request (or merge request) on one platform."""

    name: str

    def refs(self) -> PullRequestRefs: ...

    def posted(self) -> list[PostedComment]: ...

    def post(self, comments: Sequence[ReviewComment]) -> list[PostOutcome]:
        """Post the comments (one review where the platform has reviews), one outcome per
        comment, in order. A comment the platform refuses never sinks the others."""
        ...

    def mark_fixed(self, comment: PostedComment, note: str) -> None:
        """Resolve the comment's thread, or mark it fixed where threads cannot be
        resolved; never delete a comment someone replied to."""
        ...

    def upsert_summary(self, key: str, body: str) -> None:
        """Create the summary comment carrying `summary_marker(key)`, or edit it in place."""
        ...


class PlatformFactory(Protocol):
    """How the `pr` command finds and opens a platform."""

    name: str  # what `--platform` names

    def detect(self, env: Mapping[str, str]) -> bool:
        """Whether the environment is this platform's CI (e.g. GITHUB_ACTIONS=true)."""
        ...

    def add_arguments(self, group: argparse._ArgumentGroup) -> None:
        """Flags that override what `create` reads from the environment."""
        ...

    def create(self, args: argparse.Namespace, env: Mapping[str, str]) -> ReviewPlatform:
        """The platform for the pull request the flags and environment name. Raises
        `ValueError` with a readable message (no token in it) when something required
        (token, repository, pull request number) is missing."""
        ...


class PlatformRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, PlatformFactory] = {}

    def add(self, factory: PlatformFactory) -> None:
        if factory.name in self._factories:
            raise ValueError(f"review platform {factory.name!r} registered twice")
        self._factories[factory.name] = factory

    def get(self, name: str) -> PlatformFactory:
        return self._factories[name]

    def names(self) -> list[str]:
        return sorted(self._factories)

    def detect(self, env: Mapping[str, str]) -> PlatformFactory | None:
        return next((f for _, f in sorted(self._factories.items()) if f.detect(env)), None)

    def factories(self) -> Sequence[PlatformFactory]:
        return [f for _, f in sorted(self._factories.items())]


# -- publishing ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PublishReport:
    """What a run did on the pull request; the summary is rendered from it."""

    refs: PullRequestRefs
    outcomes: tuple[PostOutcome, ...]  # the comments posted (or refused) this run
    already: tuple[str, ...]  # fingerprints whose comment an earlier run posted
    held_back: tuple[str, ...]  # over the per-run cap: listed in the summary only
    fixed: tuple[str, ...]  # fingerprints whose comment this run marked fixed


def capped(body: str, limit: int = MAX_BODY) -> str:
    """`body` within `limit` characters, cut at a line with a note saying so."""
    if len(body) <= limit:
        return body
    note = "\n\n… (cut to fit the platform's comment size limit)\n"
    cut = body[: limit - len(note)]
    return cut[: cut.rfind("\n") if "\n" in cut else len(cut)] + note


def scope_of(key: str) -> str:
    """The prefix of the comment ids a run with summary key `key` posts."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12] + "."


def publish(platform: ReviewPlatform, comments: Sequence[ReviewComment], current: set[str],
            summary: Callable[[PublishReport], str], *, key: str,
            max_inline: int = 30) -> PublishReport:
    """Bring the pull request up to date: post the comments not posted before (at most
    `max_inline`, in the given order: most important first), mark fixed the open comments
    whose finding is no longer in `current`, then create or edit the one summary.

    A re-run with nothing changed posts nothing and edits the summary in place. Comments are
    marked with the finding's fingerprint scoped by `key`, so two jobs reviewing different
    parts of one repository (different keys) never take each other's comments for theirs."""
    scope = scope_of(key)
    refs = platform.refs()
    posted = [replace(p, fingerprint=p.fingerprint.removeprefix(scope))
              for p in platform.posted() if p.fingerprint.startswith(scope)]
    open_ = {p.fingerprint for p in posted if not p.resolved}
    fresh = [c for c in comments if c.fingerprint not in open_]
    to_post, held = fresh[:max_inline], fresh[max_inline:]
    outcomes = [replace(o, fingerprint=o.fingerprint.removeprefix(scope)) for o in platform.post(
        [replace(c, fingerprint=scope + c.fingerprint) for c in to_post])] if to_post else []
    fixed: list[str] = []
    for comment in sorted(posted, key=lambda p: (p.fingerprint, p.id)):
        if not comment.resolved and comment.fingerprint not in current:
            platform.mark_fixed(replace(comment, fingerprint=scope + comment.fingerprint),
                                f"Fixed in {refs.head_sha[:12]}: iacguard no longer reports "
                                "this finding.")
            fixed.append(comment.fingerprint)
    report = PublishReport(
        refs=refs, outcomes=tuple(outcomes),
        already=tuple(sorted(c.fingerprint for c in comments if c.fingerprint in open_)),
        held_back=tuple(c.fingerprint for c in held), fixed=tuple(fixed))
    room = MAX_BODY - len(summary_marker(key)) - 2  # the platform appends the marker
    platform.upsert_summary(key, capped(summary(report), room))
    return report
