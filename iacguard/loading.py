"""What loaders receive and return. The engine alone walks the tree and calls loaders."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from iacguard.config import Config
from iacguard.model import Resource, SourceSpan


class LoadProblem(BaseModel):
    """A problem with the scanned input: it becomes a `parse-error` finding, and the scan goes on.

    `rule` names a policy of category `parse-error` in the catalogue: `unparseable-file`
    (high), `render-failed` (high), `unresolved-input` (info, e.g. a module not on disk).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    span: SourceSpan
    message: str
    rule: Literal["unparseable-file", "render-failed", "unresolved-input"] = "unparseable-file"


@dataclass
class LoadResult:
    """A loader's answer for a claimed file or directory.

    For a directory claim, `consumed` lists the files the loader handled (the engine offers
    them to no other loader) and `descend` says whether the engine walks its subdirectories.
    """

    resources: list[Resource] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    consumed: list[Path] = field(default_factory=list)
    descend: bool = False


@dataclass(frozen=True)
class LoadContext:
    """Per-scan facts a loader may use. Loaders must not keep state between calls, so that
    files can be loaded in parallel and cached by content."""

    root: Path
    config: Config

    def relpath(self, path: Path) -> str:
        """`path` relative to the scan root, POSIX separators (used in ids and reports)."""
        try:
            rel = os.path.relpath(path, self.root)
        except ValueError:
            rel = str(path)
        return Path(rel).as_posix()
