"""The parts of GitLab's answers the platform reads, validated where they enter (unknown
fields ignored: GitLab adds fields between versions)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DiffRefs(_Answer):
    base_sha: str | None = None
    start_sha: str | None = None
    head_sha: str | None = None


class MergeRequest(_Answer):
    iid: int
    diff_refs: DiffRefs | None = None


class DiffVersion(_Answer):
    """One entry of `.../merge_requests/:iid/versions` (newest first)."""

    base_commit_sha: str
    start_commit_sha: str
    head_commit_sha: str


class User(_Answer):
    username: str


class Position(_Answer):
    position_type: str | None = None
    new_path: str | None = None
    new_line: int | None = None
    old_path: str | None = None
    old_line: int | None = None


class Note(_Answer):
    id: int
    body: str = ""
    author: User | None = None
    system: bool = False
    resolvable: bool = False
    resolved: bool | None = None
    position: Position | None = None


class Discussion(_Answer):
    id: str
    individual_note: bool = False
    notes: list[Note] = []
