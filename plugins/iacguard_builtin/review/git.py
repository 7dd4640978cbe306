"""The git a review needs, read-only: the repository's top, commits, the merge base, the
diff, and a commit's tree exported to a directory.

Git runs with fixed argument lists (no shell), without the system config, with every option
that shapes its output pinned on the command line (a user's `diff.noprefix` or
`color.ui=always` must not change what we parse), and without optional locks (a diff of the
working tree must not rewrite the index). Refs are resolved once, with `--end-of-options`,
to full commit ids; only those ids and paths after `--` reach later commands.
"""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from iacguard.errors import IacguardError

_PINNED = (
    "-c", "core.quotepath=off", "-c", "core.fsmonitor=false", "-c", "color.ui=never",
    "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false", "-c", "diff.relative=false",
    "-c", "diff.suppressBlankEmpty=false", "-c", "diff.external=",
)
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
SHALLOW_HINT = ("the clone is shallow: fetch the full history (actions/checkout: "
                "`fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`)")


class GitError(IacguardError):
    pass


def git_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment git runs in: none of the caller's GIT_* variables (GIT_DIR,
    GIT_EXTERNAL_DIFF, ...), no system config, no prompts, no optional locks, C messages."""
    base = dict(os.environ if environ is None else environ)
    env = {k: v for k, v in base.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
                "GIT_OPTIONAL_LOCKS": "0", "GIT_LITERAL_PATHSPECS": "1", "LC_ALL": "C"})
    return env


def _command(cwd: Path, args: Sequence[str]) -> list[str]:
    return ["git", "--no-pager", "-C", str(cwd), *_PINNED, *args]


def _failure(args: Sequence[str], stderr: bytes) -> str:
    said = stderr.decode("utf-8", "replace").strip().splitlines()
    first = next((line for line in said if line.strip()), "no message")
    return f"git {args[0]} failed: {first.removeprefix('fatal: ')}"


def _run(cwd: Path, args: Sequence[str], *, ok: Sequence[int] = (0,),
         stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(_command(cwd, args), input=stdin, capture_output=True,
                              env=git_env(), check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed (iacguard pr reads the repository with it)") from exc
    if done.returncode not in ok:
        raise GitError(_failure(args, done.stderr))
    return done


def toplevel(path: Path) -> Path:
    """The top of the git working tree holding `path`."""
    directory = path if path.is_dir() else path.parent
    done = _run(directory, ["rev-parse", "--show-toplevel"], ok=(0, 128))
    if done.returncode and b"not a git repository" in done.stderr:
        raise GitError(f"{path} is not inside a git repository (iacguard pr compares commits)")
    if done.returncode:  # e.g. "detected dubious ownership": git says what to do
        raise GitError(_failure(["rev-parse"], done.stderr))
    return Path(done.stdout.decode("utf-8", "surrogateescape").rstrip("\n")).resolve()


@dataclass(frozen=True)
class Repository:
    top: Path

    def _git(self, *args: str, ok: Sequence[int] = (0,), stdin: bytes | None = None
             ) -> subprocess.CompletedProcess[bytes]:
        return _run(self.top, args, ok=ok, stdin=stdin)

    def is_shallow(self) -> bool:
        return self._git("rev-parse", "--is-shallow-repository").stdout.strip() == b"true"

    def commit(self, ref: str, what: str = "ref") -> str:
        """The full id of the commit `ref` names."""
        if not ref or ref.startswith("-") or any(c in ref for c in "\0\n"):
            raise GitError(f"{what} {ref!r} is not a git revision")
        done = self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                         ok=(0, 1, 128))
        sha = done.stdout.decode("ascii", "replace").strip()
        if done.returncode or not _SHA.match(sha):
            hint = f"; {SHALLOW_HINT}" if self.is_shallow() else ""
            raise GitError(f"{what} {ref!r} is not a commit in {self.top}{hint}")
        return sha

    def merge_base(self, base: str, head: str) -> str:
        """Where `head` left `base` (the three-dot diff a pull request shows)."""
        done = self._git("merge-base", base, head, ok=(0, 1))
        sha = done.stdout.decode("ascii", "replace").strip()
        if done.returncode or not _SHA.match(sha):
            if self.is_shallow():
                raise GitError(f"no merge base of {base[:12]} and {head[:12]} in the fetched "
                               f"history: {SHALLOW_HINT}")
            raise GitError(f"{base[:12]} and {head[:12]} have no common ancestor")
        return sha

    def diff(self, base: str, head: str | None) -> str:
        """The unified diff from `base` to `head` (None: to the working tree)."""
        args = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", "-U3",
                "--src-prefix=a/", "--dst-prefix=b/", base, *([head] if head else []), "--"]
        return self._git(*args).stdout.decode("utf-8", "surrogateescape")

    def export(self, commit: str, dest: Path) -> None:
        """Write the tree of `commit` into `dest` (an empty directory): `git archive` read by
        `tarfile` with the `data` filter (no absolute paths, no links out of `dest`, no
        device files: such members are skipped). Files the tree's export attributes left out
        or rewrote (`export-ignore`, `export-subst`) are written from their blobs, so a
        commit's own `.gitattributes` cannot hide a file from the scan."""
        proc = subprocess.Popen(_command(self.top, ["archive", "--format=tar", commit]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=git_env())
        assert proc.stdout is not None and proc.stderr is not None
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
                archive.extractall(dest, filter=_kept)
        except tarfile.TarError as exc:
            proc.kill()
            raise GitError(f"git archive {commit[:12]}: unreadable output ({exc})") from exc
        finally:
            stderr = _drain(proc.stderr)
            proc.stdout.close()
            code = proc.wait()
        if code:
            raise GitError(_failure(["archive"], stderr))
        self._restore(commit, dest)

    def _restore(self, commit: str, dest: Path) -> None:
        listing = self._git("ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--").stdout
        missing: list[tuple[str, PurePosixPath]] = []
        for entry in listing.split(b"\0"):
            if not entry:
                continue
            meta, _, raw_path = entry.partition(b"\t")
            mode, kind, sha, size = meta.split()
            if kind != b"blob" or mode not in (b"100644", b"100755"):
                continue  # links, submodules: as the archive wrote them (or skipped them)
            rel = PurePosixPath(raw_path.decode("utf-8", "surrogateescape"))
            target = dest.joinpath(*rel.parts)
            if ".." in rel.parts or rel.is_absolute():
                continue
            if not target.is_file() or target.is_symlink() or target.stat().st_size != int(size):
                missing.append((sha.decode("ascii"), rel))
        if not missing:
            return
        blobs = self._git("cat-file", "--batch",
                          stdin="".join(f"{sha}\n" for sha, _ in missing).encode()).stdout
        offset = 0
        for _, rel in missing:
            header_end = blobs.index(b"\n", offset)
            length = int(blobs[offset:header_end].split()[2])
            content = blobs[header_end + 1:header_end + 1 + length]
            offset = header_end + 1 + length + 1
            target = dest.joinpath(*rel.parts)
            if not _inside(target, dest):
                continue
            if target.is_symlink():
                target.unlink()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def _kept(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    try:
        return tarfile.data_filter(member, path)
    except tarfile.FilterError:
        return None  # outside the tree, absolute, a device: not part of what we scan


def _inside(target: Path, dest: Path) -> bool:
    return target.parent.resolve().is_relative_to(dest.resolve())


def _drain(stream: IO[bytes]) -> bytes:
    try:
        return stream.read()
    finally:
        stream.close()
