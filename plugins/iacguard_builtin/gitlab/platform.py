"""One merge request as a `ReviewPlatform`: finding threads are merge-request discussions,
the summary is one note.

A finding goes on its diff line (`position_type: text`; an unchanged context line needs
both `new_line` and `old_line`). GitLab answers a position outside the diff with a 400
("line_code ... must be a valid line code"); the finding is then posted on its file
(`position_type: file`, GitLab 16.4 and later), and where that is refused too, as a
general thread whose first line names the file and line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from iacguard.review import (
    MAX_BODY,
    PostedComment,
    PostOutcome,
    PullRequestRefs,
    ReviewComment,
    capped,
    escape_markdown,
    finding_marker,
    is_summary,
    marked_fingerprint,
    summary_marker,
)
from iacguard_builtin.gitlab.client import GitLabClient, GitLabError
from iacguard_builtin.gitlab.models import DiffVersion, Discussion, MergeRequest, Note, User

log = logging.getLogger(__name__)
_REFUSED = {400, 422}  # GitLab's answers to a position (or a body) it will not take
_Model = TypeVar("_Model", bound=BaseModel)


@dataclass(frozen=True)
class DiffShas:
    """The three commits a diff position names (`start_sha`: the target branch's head)."""

    base_sha: str
    start_sha: str
    head_sha: str


class GitLabPlatform:
    name = "gitlab"

    def __init__(self, client: GitLabClient, project: str, mr_iid: int,
                 bot_username: str | None = None) -> None:
        self._client = client
        # a project path (`group/sub/app`) is one URL segment: its slashes encoded
        self._mr = f"/projects/{quote(project, safe='')}/merge_requests/{mr_iid}"
        self._bot_username = bot_username
        self._shas: DiffShas | None = None
        self._identity: str | None = None

    def __repr__(self) -> str:
        return f"GitLabPlatform({self._client.api_url!r}, {self._mr!r})"

    # -- ReviewPlatform --------------------------------------------------------------------
    def refs(self) -> PullRequestRefs:
        shas = self.diff_shas()
        return PullRequestRefs(base_sha=shas.base_sha, head_sha=shas.head_sha)

    def posted(self) -> list[PostedComment]:
        """Threads whose first note this identity wrote with a finding marker (a marker in
        anyone else's note is ignored)."""
        me = self.identity()
        found: list[PostedComment] = []
        for discussion in self._all(f"{self._mr}/discussions", Discussion):
            if discussion.individual_note or not discussion.notes:
                continue  # plain notes (the summary among them) are not finding threads
            first = discussion.notes[0]
            fingerprint = marked_fingerprint(first.body)
            if first.system or first.author is None or first.author.username != me \
                    or fingerprint is None:
                continue
            resolvable = [n for n in discussion.notes if n.resolvable]
            position = first.position
            found.append(PostedComment(
                id=discussion.id, fingerprint=fingerprint,
                path=position.new_path if position else None,
                line=position.new_line if position else None,
                has_replies=sum(not n.system for n in discussion.notes) > 1,
                resolved=bool(resolvable) and all(n.resolved for n in resolvable)))
        return found

    def post(self, comments: Sequence[ReviewComment]) -> list[PostOutcome]:
        return [self._post_one(c) for c in comments]

    def mark_fixed(self, comment: PostedComment, note: str) -> None:
        """Say why in the thread, then resolve it; nothing is ever deleted."""
        thread = f"{self._mr}/discussions/{quote(comment.id, safe='')}"
        self._client.post(f"{thread}/notes", {"body": capped(note)})
        self._client.put(thread, params={"resolved": "true"})

    def upsert_summary(self, key: str, body: str) -> None:
        me = self.identity()
        text = _with_marker(body, summary_marker(key))
        notes = self._all(f"{self._mr}/notes", Note, {"sort": "asc", "order_by": "created_at"})
        ours = [n for n in notes if not n.system and n.author is not None
                and n.author.username == me and is_summary(n.body, key)]
        if ours:
            self._client.put(f"{self._mr}/notes/{ours[0].id}", {"body": text})
        else:
            self._client.post(f"{self._mr}/notes", {"body": text})

    # -- merge request facts ---------------------------------------------------------------
    def diff_shas(self) -> DiffShas:
        """The MR's `diff_refs`; while GitLab has not filled them in yet, its newest diff
        version."""
        if self._shas is None:
            mr = self._one("GET", self._mr, MergeRequest, self._client.get(self._mr))
            refs = mr.diff_refs
            if refs is not None and refs.base_sha and refs.start_sha and refs.head_sha:
                self._shas = DiffShas(refs.base_sha, refs.start_sha, refs.head_sha)
            else:
                versions = self._all(f"{self._mr}/versions", DiffVersion)
                if not versions:
                    raise GitLabError("GET", f"{self._mr}/versions", None,
                                      "the merge request has no diff yet")
                newest = versions[0]
                self._shas = DiffShas(newest.base_commit_sha, newest.start_commit_sha,
                                      newest.head_commit_sha)
        return self._shas

    def identity(self) -> str:
        """The username the token writes as (`GET /user`), else `--gitlab-bot-username`."""
        if self._identity is None:
            try:
                self._identity = self._one("GET", "/user", User, self._client.get("/user")).username
            except GitLabError as exc:
                if self._bot_username is None or exc.status not in (403, 404):
                    raise
                self._identity = self._bot_username
        return self._identity

    # -- posting ---------------------------------------------------------------------------
    def _post_one(self, comment: ReviewComment) -> PostOutcome:
        marker = finding_marker(comment.fingerprint)
        body = _with_marker(comment.body, marker)
        why = ""
        if comment.line is not None:
            try:
                self._start_thread(body, self._text_position(comment))
                return PostOutcome(comment.fingerprint, "line")
            except GitLabError as exc:
                if exc.status not in _REFUSED:
                    raise
                why = f"line {comment.line} refused by GitLab ({exc.message}); "
        try:
            self._start_thread(body, self._file_position(comment))
            return PostOutcome(comment.fingerprint, "file", why + "posted on the file")
        except GitLabError as exc:
            if exc.status not in _REFUSED:
                raise
            log.debug("file position refused for %s: %s", comment.path, exc.message)
        where = f"**{escape_markdown(comment.path)}**"
        if comment.line is not None:
            where += f", line {comment.line}"
        try:
            self._start_thread(_with_marker(f"{where}\n\n{comment.body}", marker), None)
            return PostOutcome(comment.fingerprint, "file",
                               why + "posted as a merge request thread naming the file")
        except GitLabError as exc:
            if exc.status not in _REFUSED:
                raise
            return PostOutcome(comment.fingerprint, "no", f"GitLab refused it: {exc.message}")

    def _start_thread(self, body: str, position: dict[str, Any] | None) -> None:
        payload: dict[str, Any] = {"body": body}
        if position is not None:
            payload["position"] = position
        self._client.post(f"{self._mr}/discussions", payload)

    def _text_position(self, comment: ReviewComment) -> dict[str, Any]:
        # One line: a multi-line `line_range` needs GitLab line codes for both ends, and the
        # base-side number is known only for `line`.
        position = {**self._file_position(comment), "position_type": "text",
                    "new_line": comment.line}
        if comment.old_line is not None:  # unchanged context: GitLab wants both sides
            position["old_line"] = comment.old_line
        return position

    def _file_position(self, comment: ReviewComment) -> dict[str, Any]:
        shas = self.diff_shas()
        return {"position_type": "file", "base_sha": shas.base_sha, "start_sha": shas.start_sha,
                "head_sha": shas.head_sha, "old_path": comment.old_path, "new_path": comment.path}

    # -- answers ---------------------------------------------------------------------------
    def _all(self, path: str, model: type[_Model],
             params: dict[str, str | int] | None = None) -> list[_Model]:
        return [self._one("GET", path, model, item) for item in self._client.get_all(path, params)]

    @staticmethod
    def _one(method: str, path: str, model: type[_Model], data: Any) -> _Model:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first["loc"])) or "answer"
            raise GitLabError(method, path, None,
                              f"unexpected answer ({where}: {first['msg']})") from None


def _with_marker(body: str, marker: str) -> str:
    """`body` cut to fit with its marker (the limit is ours, GitLab's is larger)."""
    return f"{capped(body, MAX_BODY - len(marker) - 2)}\n\n{marker}"
