"""Where a `module` block's source lies: a local directory, or a registry/git module that
`terraform init` vendored under `.terraform/modules`; and, for the plan phase, which local
module directories a directory's files call (a cheap textual scan, no parsing)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from iacguard.fs import FileSystem, digest
from iacguard.loading import Memo
from iacguard_builtin.terraform.hcl import decode_text
from iacguard_builtin.terraform.module_def import tf_files

MAX_MODULE_DEPTH = 12

# `source = "./x"` anywhere (one-line module blocks, trailing comments); a match only counts
# when it names a directory with Terraform files.
_LOCAL_SOURCE = re.compile(r'\bsource\s*=\s*"(\.\.?(?:/[^"]*)?)"')
_JSON_LOCAL_SOURCE = re.compile(r'"source"\s*:\s*"(\.\.?(?:/[^"]*)?)"')
# Strings (kept) or comments (dropped): a commented-out module block calls nothing.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|//[^\n]*|/\*.*?\*/', re.S)


def is_local_source(source: str) -> bool:
    return source.startswith("./") or source.startswith("../") or source in (".", "..")


def vendored_modules(fs: FileSystem, root_dir: Path) -> dict[str, Path]:
    """Module key (`eks.node_group`) -> directory, from `.terraform/modules/modules.json`."""
    manifest = root_dir / ".terraform" / "modules" / "modules.json"
    try:
        data = json.loads(decode_text(fs.read_bytes(manifest)))
    except (OSError, ValueError):
        return {}
    out: dict[str, Path] = {}
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        if not isinstance(entry, dict):
            continue
        key, where = entry.get("Key"), entry.get("Dir")
        if isinstance(key, str) and isinstance(where, str):
            out[key] = (root_dir / where).resolve()
    return out


def module_directory(fs: FileSystem, *, name: str, source: str, caller_dir: Path,
                     chain: list[str], vendored: dict[str, Path],
                     ancestry: tuple[Path, ...]) -> Path | str:
    """The directory module `name` (called from `caller_dir`, at `chain`) is loaded from, or
    why it cannot be."""
    if is_local_source(source):
        directory = (caller_dir / source).resolve()
    else:
        key = ".".join(c.split("[")[0].removeprefix("module.") for c in [*chain, f"module.{name}"])
        found = vendored.get(key)
        if found is None:
            return (f"module not available offline: {source}. Run `terraform init` in the root "
                    "to download it; iacguard then reads it from .terraform/modules (it never "
                    "downloads modules itself)")
        directory = found
    if not fs.is_dir(directory) or not tf_files(fs, directory):
        return f"module {name}: no Terraform files in {source}"
    if directory in ancestry:
        return f"module {name} calls itself (recursive module {source})"
    if len(ancestry) > MAX_MODULE_DEPTH:
        return f"module {name}: nesting deeper than {MAX_MODULE_DEPTH}"
    return directory


# -- plan phase: local calls, textually -------------------------------------------------------
def _without_comments(text: str) -> str:
    return _STRING_OR_COMMENT.sub(lambda m: m.group(0) if m.group(0).startswith('"') else " ", text)


def local_sources(fs: FileSystem, memo: Memo, file: Path) -> tuple[str, ...]:
    """The local `source` strings a Terraform file names outside comments (memoised by
    content)."""
    try:
        data = fs.read_bytes(file)
    except OSError:
        return ()

    def scan() -> tuple[str, ...]:
        text = data.decode("utf-8", errors="replace")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        sources = _LOCAL_SOURCE.findall(_without_comments(text)) if _LOCAL_SOURCE.search(text) else []
        if file.name.endswith(".tf.json"):
            sources += _JSON_LOCAL_SOURCE.findall(text)
        return tuple(sources)

    return memo.get(("tf-local-sources", file.name.endswith(".tf.json"), digest(data)), scan)


def called_modules(fs: FileSystem, memo: Memo, directory: Path, files: list[Path]) -> list[Path]:
    """Directories with Terraform files that `files` (of `directory`) call as local modules,
    resolved, in order of first call."""
    called: dict[Path, None] = {}
    for file in files:
        for source in local_sources(fs, memo, file):
            target = (directory / source).resolve()
            if target != directory.resolve() and target not in called and fs.is_dir(target) \
                    and tf_files(fs, target):
                called[target] = None
    return list(called)
