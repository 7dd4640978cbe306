"""A module directory parsed into its declarations (variables, locals, resources, ...).

Files are read through the loader's file system and parsed once per content: the parse
cache is the session's `Memo`, keyed by path and content digest, so an edited file (or an
editor buffer) is parsed again and nothing outlives the session; in an edited `.tf` file
only the blocks whose text changed are parsed again (`hcl_blocks.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacguard.fs import FileSystem, digest
from iacguard.loading import LoadProblem, Memo
from iacguard.model import SourceSpan
from iacguard_builtin.terraform.hcl import Attr, Block, HclSyntaxError, parse_json
from iacguard_builtin.terraform.hcl_blocks import parse_blocks


def is_tf_file(name: str) -> bool:
    return name.endswith(".tf") or name.endswith(".tf.json")


def tf_files(fs: FileSystem, directory: Path) -> list[Path]:
    """The `.tf` / `.tf.json` files of `directory`, by name."""
    return [p for p in fs.iterdir(directory) if is_tf_file(p.name) and fs.is_file(p)]


@dataclass
class ModuleDef:
    """The declarations of one module directory."""

    directory: Path
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attr] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def parse_file(fs: FileSystem, memo: Memo, path: Path) -> list[Block]:
    """The blocks of one `.tf` / `.tf.json` file (raises HclSyntaxError). Parsed blocks are
    shared between the roots that read the same content, so they are never mutated."""
    try:
        data = fs.read_bytes(path)
    except OSError as exc:
        raise HclSyntaxError(f"cannot read file: {exc}") from None

    def parse() -> list[Block] | HclSyntaxError:
        try:
            if path.name.endswith(".tf.json"):
                return parse_json(data, path)
            return parse_blocks(data, path, memo)  # only the blocks `memo` has not seen
        except HclSyntaxError as exc:
            return exc

    parsed = memo.get(("hcl", str(path), digest(data)), parse)
    if isinstance(parsed, HclSyntaxError):
        raise parsed
    return parsed


def load_module_def(fs: FileSystem, memo: Memo, directory: Path, files: list[Path] | None = None,
                    root: Path | None = None) -> ModuleDef:
    """The module in `directory` (made of `files` only, when given); a file that is a symlink
    to somewhere outside `root` is not read."""
    mdef = ModuleDef(directory)
    paths = tf_files(fs, directory) if files is None else files
    # Override files apply last, merged into the blocks they name (Terraform's override rule).
    for path in sorted(paths, key=is_override):
        if root is not None and not _inside(path, root):
            mdef.problems.append(LoadProblem(
                span=SourceSpan(file=str(path), precision="file"), rule="unresolved-input",
                message=f"{path.name} links to a file outside the scan root: not read"))
            continue
        mdef.files.append(path)
        try:
            blocks = parse_file(fs, memo, path)
        except HclSyntaxError as exc:
            span = SourceSpan(file=str(path), start_line=exc.line, end_line=exc.line)
            mdef.problems.append(LoadProblem(span=span, message=str(exc), rule="unparseable-file"))
            continue
        for block in blocks:
            if is_override(path):
                _override(mdef, block)
            else:
                _declare(mdef, block)
    return mdef


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def is_override(path: Path) -> bool:
    stem = path.name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def _override(mdef: ModuleDef, block: Block) -> None:
    """Merge an override block into the original: its attributes replace the original's, and
    its nested blocks replace all the original's nested blocks of the same type."""
    labels = tuple(block.labels)
    tables: dict[str, dict[Any, Block]] = {
        "resource": mdef.resources, "data": mdef.data, "variable": mdef.variables,
        "module": mdef.modules, "output": mdef.outputs}
    if block.type == "locals":
        mdef.locals.update(block.attrs)
        return
    table = tables.get(block.type)
    key: Any = labels if len(labels) == 2 else (labels[0] if labels else None)
    if table is None or key not in table:
        return
    original = table[key]
    replaced = {b.type for b in block.blocks}
    table[key] = Block(original.type, original.labels, original.span,
                       attrs={**original.attrs, **block.attrs},
                       blocks=[b for b in original.blocks if b.type not in replaced] + block.blocks)


def _declare(mdef: ModuleDef, block: Block) -> None:
    labels = block.labels
    if block.type == "resource" and len(labels) == 2:
        key = (labels[0], labels[1])
        if key in mdef.resources:
            mdef.problems.append(LoadProblem(
                span=block.span, message=f"duplicate resource {labels[0]}.{labels[1]}"))
        mdef.resources[key] = block
    elif block.type == "data" and len(labels) == 2:
        mdef.data[(labels[0], labels[1])] = block
    elif block.type == "variable" and len(labels) == 1:
        mdef.variables[labels[0]] = block
    elif block.type == "locals":
        mdef.locals.update(block.attrs)
    elif block.type == "module" and len(labels) == 1:
        mdef.modules[labels[0]] = block
    elif block.type == "output" and len(labels) == 1:
        mdef.outputs[labels[0]] = block
    # terraform, provider, moved, import, check, removed: nothing to evaluate
