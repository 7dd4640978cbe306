"""What one root module's evaluation shares: the file system, problems, parsed module
directories, the step budget and the resource instances evaluated so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacguard.loading import LoadContext, LoadProblem
from iacguard.model import Provenance, SourceSpan
from iacguard.values import Unknown
from iacguard_builtin.terraform.hcl import Block, decode_text
from iacguard_builtin.terraform.module_calls import vendored_modules
from iacguard_builtin.terraform.module_def import ModuleDef, load_module_def
from iacguard_builtin.terraform.semantics import Budget, EvalError, OutsideRoot

MAX_FILE_BYTES = 1_000_000  # read by file() / templatefile()


@dataclass
class Value:
    """An evaluated value with what it depends on."""

    value: Any
    refs: frozenset[str] = frozenset()
    provenance: tuple[Provenance, ...] = ()


@dataclass
class Emitted:
    """A resource instance as evaluated, before it becomes a `Resource`."""

    address: str
    type: str
    name: str
    block: Block
    body: dict[str, Any]
    source_map: dict[str, SourceSpan]
    provenance: dict[str, Provenance]
    block_paths: set[str]
    references: list[tuple[str, frozenset[str], str]]  # (pointer, target addresses, expression)
    chain: list[str]
    calls: tuple[SourceSpan, ...] = ()  # spans of the module calls in `chain`
    sensitive: set[str] = field(default_factory=set)  # pointers into body: see semantics.SENSITIVE


class LoadState:
    """One root-module evaluation. Everything it reads goes through `ctx.fs`."""

    def __init__(self, ctx: LoadContext, root_dir: Path) -> None:
        self.ctx = ctx
        self.fs = ctx.fs
        self.root_dir = root_dir
        self.problems: list[LoadProblem] = []
        self._seen_problems: set[tuple[str, int, str]] = set()
        self.defs: dict[Path, ModuleDef] = {}
        self.emitted: list[Emitted] = []
        self.vendored = vendored_modules(self.fs, root_dir)
        self.budget = Budget()
        self.read_files: set[Path] = set()  # read by file()/templatefile(), resolved
        self.instances = 0  # instances made by count/for_each so far
        self._described: dict[str, str] = {}  # span file -> its path relative to the scan root

    def problem(self, span: SourceSpan, message: str, rule: str = "unresolved-input") -> None:
        key = (span.file, span.start_line, message)
        if key in self._seen_problems:
            return
        self._seen_problems.add(key)
        self.problems.append(LoadProblem(span=span, message=message, rule=rule))

    def module_def(self, directory: Path, only_file: Path | None = None) -> ModuleDef:
        directory = directory.resolve()
        key = only_file.resolve() if only_file is not None else directory
        if key not in self.defs:
            mdef = load_module_def(self.fs, self.ctx.memo, directory,
                                   None if only_file is None else [key],
                                   root=self.ctx.root if directory.is_relative_to(
                                       self.ctx.root.resolve()) else None)
            self.defs[key] = mdef
            for problem in mdef.problems:
                self.problem(problem.span, problem.message, problem.rule)
        return self.defs[key]

    def describe(self, span: SourceSpan) -> str:
        rel = self._described.get(span.file)
        if rel is None:
            rel = self._described[span.file] = self.ctx.relpath(Path(span.file))
        return f"{rel}:{span.start_line}"

    def read_file(self, path: str, probe: bool = False) -> str | Unknown | None:
        """A file for `file()` and friends, relative to the root module; nothing outside the
        scan root is read (symlinks included). `probe` answers None for a missing file."""
        target = Path(path)
        if not target.is_absolute():
            target = self.root_dir / target
        try:
            target = target.resolve()
        except (OSError, RuntimeError):
            raise EvalError(f"cannot resolve {path!r}") from None
        root = self.ctx.root.resolve()
        if not target.is_relative_to(root):
            if probe:
                return None
            raise OutsideRoot(path)
        if not self.fs.is_file(target):
            if probe:
                return None
            raise EvalError(f"file {path!r} not found")
        self.read_files.add(target)
        if self.fs.size(target) > MAX_FILE_BYTES:
            return Unknown(f"file {path} is too large to read")
        try:
            return decode_text(self.fs.read_bytes(target))
        except (OSError, UnicodeDecodeError) as exc:
            raise EvalError(f"cannot read {path!r}: {exc}") from None
