"""What loaders receive and return. The engine alone walks the tree and calls loaders.

A scan has two loading phases:
1. **plan**: the engine walks the tree and asks `iacguard_claim` for every directory and
   file; a `Claim` says which loader loads that path as a *unit*, which files the unit owns
   (offered to no other loader) and whether the walk goes on below it. Claims are cheap
   (no parsing beyond what ownership needs) and the result does not depend on walk order.
2. **load**: `iacguard_load` turns one claim into a `LoadResult`, a pure function of the
   claim, the files read through `ctx.fs` and the configuration.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from iacguard.config import Config
from iacguard.fs import FileSystem, Inputs
from iacguard.model import Comment, Resource, SourceSpan

T = TypeVar("T")

# The name of a catalogue policy of category `parse-error` (a plugin may contribute its own).
ProblemRule = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class LoadProblem(BaseModel):
    """A problem with the scanned input: it becomes a `parse-error` finding, and the scan goes on.

    `rule` names a policy of category `parse-error` in the catalogue: the built-in ones are
    `unparseable-file` (high), `render-failed` (high), `unresolved-input` (info, e.g. a
    module not on disk); a plugin may contribute more. Naming no such policy is an error.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    span: SourceSpan
    message: str
    rule: ProblemRule = "unparseable-file"


@dataclass(frozen=True)
class Claim:
    """A loader's answer in the plan phase: "this path is a unit of mine".

    `loader` names the loader that loads it (the `iacguard_load` implementation that
    answers for it). `owns` lists files (or directories) the unit reads as part of itself:
    no other loader is offered them, and a unit planned at one of those paths is dropped
    (a module directory called by a root, the resources of a kustomization). `descend`
    says whether the walk goes on into a claimed directory's subdirectories. `data` is
    anything the loader wants to hand from its claim to its load (plain, picklable).
    """

    loader: str
    path: Path
    owns: tuple[Path, ...] = ()
    descend: bool = True
    data: tuple[tuple[str, Any], ...] = ()


@dataclass
class LoadResult:
    """A loader's answer for a claimed file or directory.

    `consumed` lists files this unit handled beyond its claim (files a Terraform `file()`
    read, for instance): units planned at those paths are dropped, whichever was reached
    first. `descend` is only read for the legacy one-step `iacguard_collect` hook.
    `inputs` is filled by the engine from what the unit read through `ctx.fs`. `stats` are
    counts the engine sums over units into the report's summary (e.g. plan resources that
    could not be mapped to source). `comments` are where comments addressed to iacguard were
    written (suppressions): a loader reports them, the core's finding pipeline interprets them.
    """

    resources: list[Resource] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    consumed: list[Path] = field(default_factory=list)
    descend: bool = False
    inputs: Inputs = field(default_factory=Inputs)
    stats: dict[str, int] = field(default_factory=dict)
    # Comments addressed to iacguard in the files this unit read (`comments.comments_read`).
    comments: list[Comment] = field(default_factory=list)


class ChartRequest(BaseModel):
    """A request to render a local Helm chart on behalf of another format (a Terraform
    `helm_release`, a kustomization's `helmCharts`), answered by `iacguard_render_chart`."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    chart_dir: Path
    values: dict[str, Any] = Field(default_factory=dict)  # merged values documents
    set_values: tuple[tuple[str, str], ...] = ()  # (name, value as `helm --set` text), in order
    release_name: str | None = None
    namespace: str = "default"
    profile: str  # names the rendering in ids, variant and context
    origin: SourceSpan  # where problems point when nothing renders the chart


class Expander(Protocol):
    """Cross-format expansion through hooks (the engine passes its plugins)."""

    def render_chart(self, request: ChartRequest, ctx: LoadContext) -> LoadResult | None: ...


class Memo:
    """A bounded, content-keyed cache that lives on a session (never process-global).

    Keys must include everything the value depends on (a content digest, not an mtime).
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self.capacity = capacity
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key in self._data:
            self._data.move_to_end(key)
            self.hits += 1
            value: T = self._data[key]
            return value
        self.misses += 1
        value = compute()
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> Any:
        """The value kept for `key`, None when there is none (nothing is computed)."""
        if key not in self._data:
            return None
        self._data.move_to_end(key)
        return self._data[key]

    def put(self, key: Hashable, value: Any) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self.capacity:
            self._data.popitem(last=False)


@dataclass(frozen=True)
class LoadContext:
    """Per-scan facts a loader may use. Loaders must not keep state between calls, so that
    files can be loaded in parallel and cached by content: they read through `fs`, cache
    through `memo`, and reach other formats through `render_chart`."""

    root: Path
    config: Config
    fs: FileSystem = field(default_factory=FileSystem)
    memo: Memo = field(default_factory=Memo)
    expander: Expander | None = None

    def relpath(self, path: Path) -> str:
        """`path` relative to the scan root, POSIX separators (used in ids and reports)."""
        try:
            rel = os.path.relpath(path, self.root)
        except ValueError:
            rel = str(path)
        return Path(rel).as_posix()

    def recording(self) -> LoadContext:
        """The same context with a fresh recording file system (one per unit)."""
        return LoadContext(self.root, self.config, self.fs.recording(), self.memo, self.expander)

    def render_chart(self, request: ChartRequest) -> LoadResult | None:
        """Render a chart through whichever plugin renders charts; None when none does."""
        if self.expander is None:
            return None
        return self.expander.render_chart(request, self)
