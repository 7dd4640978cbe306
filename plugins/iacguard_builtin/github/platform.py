"""One GitHub pull request as an `iacguard.review.ReviewPlatform`.

- Line comments go into one review (``event: COMMENT``). GitHub refuses a whole review
  with a 422 when one comment is off the diff, without saying which, so a refused batch is
  split in halves and each half retried; a single refused comment becomes a file-level
  comment (``subject_type: file``), and only if that is refused too is it not posted. A
  refusal of the commit (the head moved on during the run) is not split: nothing can land.
- Only comments written by our identity count: the token's user, or
  ``github-actions[bot]`` when the token (a workflow's GITHUB_TOKEN) may not read
  ``/user``. A pull request's author can copy a marker into a comment, never the author.
- A fixed finding's comment is edited (fixed note on top, the original quoted below,
  a fixed marker), never deleted: REST cannot resolve review threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter, ValidationError

from iacguard.review import (
    MAX_BODY,
    PostedComment,
    PostOutcome,
    PullRequestRefs,
    ReviewComment,
    capped,
    finding_marker,
    is_summary,
    marked_fingerprint,
    summary_marker,
)
from iacguard_builtin.github.client import GitHubClient, GitHubError

ACTIONS_BOT = "github-actions[bot]"  # who a workflow's GITHUB_TOKEN writes as
FIXED_MARKER = "<!-- iacguard:fixed -->"


class _User(BaseModel):
    login: str


class _Comment(BaseModel):
    """A review comment or an issue comment, as far as we read it."""

    id: int
    body: str | None = None
    user: _User | None = None  # None: a deleted account ("ghost")
    path: str | None = None
    line: int | None = None
    in_reply_to_id: int | None = None

    @property
    def text(self) -> str:
        return self.body or ""

    def by(self, login: str) -> bool:
        return self.user is not None and self.user.login.lower() == login.lower()


class _Ref(BaseModel):
    sha: str


class _PullRequest(BaseModel):
    base: _Ref
    head: _Ref


_T = TypeVar("_T")
_COMMENTS = TypeAdapter(list[_Comment])
_PULL = TypeAdapter(_PullRequest)
_USER = TypeAdapter(_User)
_ONE = TypeAdapter(_Comment)


def _answer(adapter: TypeAdapter[_T], data: Any, path: str) -> _T:
    """An answer read into our model, or a `GitHubError` saying what did not fit."""
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the answer"
        raise GitHubError("GET", path, 200, f"unexpected answer ({where}: {first['msg']})") from None


def _with_marker(body: str, marker: str) -> str:
    """`body` and a marker, together within GitHub's body limit."""
    return capped(body, MAX_BODY - len(marker) - 2) + "\n\n" + marker


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


class GitHubPlatform:
    name = "github"

    def __init__(self, client: GitHubClient, repository: str, number: int, *,
                 event_refs: PullRequestRefs | None = None, bot_login: str | None = None) -> None:
        owner, repo = repository.split("/", 1)
        self._client = client
        self._repository, self._number = repository, number
        self._repo_path = f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"
        self._pull = f"{self._repo_path}/pulls/{number}"
        self._refs = event_refs
        self._identity = bot_login
        self._bodies: dict[str, str] = {}  # our finding comments' bodies, by id (mark_fixed keeps them)
        self._listed: set[int] = set()  # review comment ids seen before this run wrote anything

    def __repr__(self) -> str:
        return f"GitHubPlatform({self._repository}#{self._number})"

    # -- who and what -----------------------------------------------------------------------
    def refs(self) -> PullRequestRefs:
        if self._refs is None:
            pull = _answer(_PULL, self._client.get(self._pull), self._pull)
            self._refs = PullRequestRefs(base_sha=pull.base.sha, head_sha=pull.head.sha)
        return self._refs

    def identity(self) -> str:
        """The login our comments are written by."""
        if self._identity is None:
            try:
                self._identity = _answer(_USER, self._client.get("/user"), "/user").login
            except GitHubError as error:
                if error.status != 403:  # 403: an integration token, which writes as the bot
                    raise
                self._identity = ACTIONS_BOT
        return self._identity

    def _review_comments(self) -> list[_Comment]:
        path = f"{self._pull}/comments"
        return _answer(_COMMENTS, self._client.paginate(path), path)

    def _ours(self, comments: list[_Comment]) -> list[tuple[_Comment, str]]:
        me = self.identity()
        return [(c, fp) for c in comments
                if c.by(me) and (fp := marked_fingerprint(c.text)) is not None]

    def posted(self) -> list[PostedComment]:
        comments = self._review_comments()
        self._listed |= {c.id for c in comments}
        answered = {c.in_reply_to_id for c in comments if c.in_reply_to_id is not None}
        found = []
        for comment, fingerprint in self._ours(comments):
            self._bodies[str(comment.id)] = comment.text
            found.append(PostedComment(
                id=str(comment.id), fingerprint=fingerprint, path=comment.path, line=comment.line,
                has_replies=comment.id in answered, resolved=FIXED_MARKER in comment.text))
        return found

    # -- posting ----------------------------------------------------------------------------
    def post(self, comments: Sequence[ReviewComment]) -> list[PostOutcome]:
        outcomes: dict[int, PostOutcome] = {}
        self._post_review([(i, c) for i, c in enumerate(comments) if c.line is not None], outcomes)
        for i, comment in enumerate(comments):
            if comment.line is None:
                outcomes[i] = self._post_file(comment, refused=None)
        return [outcomes[i] for i in range(len(comments))]

    def _post_review(self, batch: list[tuple[int, ReviewComment]],
                     outcomes: dict[int, PostOutcome]) -> None:
        if not batch:
            return
        count = f"{len(batch)} finding{'s' if len(batch) != 1 else ''}"
        review = {"commit_id": self.refs().head_sha, "event": "COMMENT",
                  "body": f"iacguard: {count} on lines this pull request changes "
                          "(the summary comment lists every finding).",
                  "comments": [self._inline(c) for _, c in batch]}
        try:
            self._client.create(f"{self._pull}/reviews", review,
                                landed=lambda: self._landed({c.fingerprint for _, c in batch}))
        except GitHubError as error:
            if error.status != 422:
                raise
            if "commit" in error.message.lower():  # the head moved on: no comment can land
                for index, comment in batch:
                    outcomes[index] = PostOutcome(comment.fingerprint, "no", error.message)
                return
            if len(batch) == 1:  # this one is refused: try it on the file
                index, comment = batch[0]
                outcomes[index] = self._post_file(comment, refused=error.message)
                return
            half = len(batch) // 2
            self._post_review(batch[:half], outcomes)
            self._post_review(batch[half:], outcomes)
            return
        for index, comment in batch:
            outcomes[index] = PostOutcome(comment.fingerprint, "line")

    def _inline(self, comment: ReviewComment) -> dict[str, Any]:
        inline: dict[str, Any] = {"path": comment.path, "line": comment.line, "side": "RIGHT",
                                  "body": _with_marker(comment.body, finding_marker(comment.fingerprint))}
        if comment.start_line is not None and comment.start_line != comment.line:
            inline |= {"start_line": comment.start_line, "start_side": "RIGHT"}
        return inline

    def _post_file(self, comment: ReviewComment, *, refused: str | None) -> PostOutcome:
        body = {"body": _with_marker(comment.body, finding_marker(comment.fingerprint)),
                "commit_id": self.refs().head_sha, "path": comment.path, "subject_type": "file"}
        try:
            self._client.create(f"{self._pull}/comments", body,
                                landed=lambda: self._landed({comment.fingerprint}))
        except GitHubError as error:
            if error.status != 422:
                raise
            reason = error.message if refused is None else \
                f"line refused ({refused}); file-level comment refused ({error.message})"
            return PostOutcome(comment.fingerprint, "no", reason)
        return PostOutcome(comment.fingerprint, "file",
                           "" if refused is None else f"line refused ({refused})")

    def _landed(self, fingerprints: set[str]) -> bool:
        """After a write GitHub answered with a 5xx: whether it wrote the comments anyway
        (an open comment of ours for each, one this run had not seen before)."""
        fresh = {fp for c, fp in self._ours(self._review_comments())
                 if c.id not in self._listed and FIXED_MARKER not in c.text}
        return fingerprints <= fresh

    # -- fixed findings ---------------------------------------------------------------------
    def mark_fixed(self, comment: PostedComment, note: str) -> None:
        path = f"{self._repo_path}/pulls/comments/{int(comment.id)}"
        body = self._bodies.get(comment.id)
        if body is None:
            body = _answer(_ONE, self._client.get(path), path).text
        if FIXED_MARKER in body:
            return
        original = body.replace(finding_marker(comment.fingerprint), "")
        markers = f"{finding_marker(comment.fingerprint)}\n{FIXED_MARKER}"
        head = f"**Fixed.** {note}\n\nThe original comment:\n\n"
        room = MAX_BODY - len(head) - len(markers) - 2
        edited = head + capped(_quoted(original), room) + "\n\n" + markers
        self._client.request("PATCH", path, json={"body": edited})
        self._bodies[comment.id] = edited

    # -- the summary ------------------------------------------------------------------------
    def _summary(self, key: str) -> _Comment | None:
        path = f"{self._repo_path}/issues/{self._number}/comments"
        comments = _answer(_COMMENTS, self._client.paginate(path), path)
        me = self.identity()
        return next((c for c in comments if c.by(me) and is_summary(c.text, key)), None)

    def upsert_summary(self, key: str, body: str) -> None:
        text = _with_marker(body, summary_marker(key))
        existing = self._summary(key)
        if existing is None:
            self._client.create(f"{self._repo_path}/issues/{self._number}/comments", {"body": text},
                                landed=lambda: self._summary(key) is not None)
        elif existing.text != text:  # an identical edit would only notify people
            self._client.request("PATCH", f"{self._repo_path}/issues/comments/{existing.id}",
                                 json={"body": text})
