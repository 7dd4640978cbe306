"""`iacguard scan --in-context FILE...`: named files scanned with the context they belong to.

A file alone is a poor unit: a `.tf` file without the rest of its root has no variables, a
manifest without its folder misses the RoleBinding that grants its ServiceAccount, and a
Helm template or values file is nothing without its chart. Here each named file stands for
a directory:
- the outermost directory between the file and the repository root whose claim owns the
  file (its Helm chart or kustomization, its Terraform root, a Terraform root that calls the
  file's directory as a local module): the loaders' own ownership, no format known here;
- else the file's folder (loose manifests are scoped by folder).
Each such directory is planned shallow: its own unit and the files directly in it, not its
subdirectories. The scan root is the repository root (outside a checkout, the directories'
common parent), so paths, fingerprints and baseline entries are those of a scan of the whole
repository.

Not found from a file: units elsewhere that use it (a kustomize overlay over a changed base,
a Terraform root installing a changed chart through `helm_release`): a scan of the
repository sees those.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from iacguard.planning import Planner


def repository_root(path: Path) -> Path | None:
    """The nearest directory from `path` up holding `.git` (a directory, or a worktree's file)."""
    start = path if path.is_dir() else path.parent
    return next((d for d in (start, *start.parents) if (d / ".git").exists()), None)


def _boundary(file: Path) -> Path:
    """How far up a file's owner is looked for: its repository root, else its own folder."""
    return repository_root(file) or (file if file.is_dir() else file.parent)


def context_root(paths: Sequence[Path]) -> Path:
    """The scan root of an in-context scan: the common parent of the files' boundaries."""
    boundaries = [str(_boundary(p.resolve())) for p in paths]
    return Path(os.path.commonpath(boundaries))


def _owner(planner: Planner, file: Path, boundary: Path) -> Path | None:
    owner = None
    for directory in (file.parent, *file.parent.parents):
        if not directory.is_relative_to(boundary):
            break
        claim = planner.claim_directory(directory)
        if claim is not None and file in {Path(p).resolve() for p in claim.owns}:
            owner = directory  # keep looking: an outer claim owning it wins, as in a plan
    return owner


def context_directories(planner: Planner,
                        paths: Sequence[Path]) -> tuple[list[Path], frozenset[Path]]:
    """The directories to scan for `paths` (resolved, sorted, each once), and those of them
    to plan shallow; a directory among `paths` stands for itself, walked whole."""
    deep: set[Path] = set()
    shallow: set[Path] = set()
    for path in (p.resolve() for p in paths):
        if path.is_dir():
            deep.add(path)
        else:
            shallow.add(_owner(planner, path, _boundary(path)) or path.parent)
    return sorted(deep | shallow), frozenset(shallow - deep)
