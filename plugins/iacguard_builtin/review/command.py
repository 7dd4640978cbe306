"""`iacguard pr`: scan the head and the merge base, classify, anchor, post (or print).

Exit codes: 2 on errors (git, the scans, the platform, usage); 1 when a new unsuppressed
finding is at or above `--fail-on`; 0 otherwise (`--no-fail`: 0 unless errors).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import TypeVar

from iacguard.cli_options import (
    UsageError,
    add_gate_options,
    add_loading_options,
    add_path_filters,
)
from iacguard.cli_session import run_config
from iacguard.cli_suppressions import CONFIG_HELP, add_suppression_options
from iacguard.config import Config
from iacguard.errors import IacguardError
from iacguard.plugin import Plugins
from iacguard.review import (
    PlatformFactory,
    PlatformRegistry,
    PublishReport,
    PullRequestRefs,
    ReviewPlatform,
    publish,
)
from iacguard_builtin.review import diff as diffs
from iacguard_builtin.review.classify import Classification, classify
from iacguard_builtin.review.git import Repository, toplevel
from iacguard_builtin.review.render import (
    Compared,
    classification_json,
    placements,
    review_comments,
    summary_key,
    summary_markdown,
)
from iacguard_builtin.review.scanning import LoadOptions, Tree, TreeScan, scan_tree

T = TypeVar("T")
DESCRIPTION = (
    "Review a pull request: scan the head (the working tree, or --head REF) and the merge base "
    "of --base REF (default: the pull request's base), both with the head's configuration; "
    "classify findings as new, fixed or pre-existing by fingerprint; post each new finding on "
    "the changed line that causes it and one summary comment (with a review platform), or "
    "print the summary.")


class PlatformError(IacguardError):
    pass


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, not {value!r}")
    return number


def add_pr_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
                   plugins: Plugins) -> None:
    registry = plugins.review_platforms()
    pr = subparsers.add_parser("pr", help="review a pull request: comment new findings on the "
                               "changed lines", description=DESCRIPTION)
    pr.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                    help="what to scan, inside one git repository (default: the whole "
                    "repository holding the current directory: graph context needs every file)")
    pr.add_argument("--base", metavar="REF", help="the branch or commit the change goes into "
                    "(default: the pull request's base, from the platform); the base side is "
                    "their merge base, as the pull request's diff shows")
    pr.add_argument("--head", metavar="REF", help="scan this commit instead of the working tree")
    pr.add_argument("--platform", default="auto", choices=["auto", "none", *registry.names()],
                    help="where to post: auto (the CI the environment names, else none), none "
                    "(print only) or a platform's name")
    pr.add_argument("--max-comments", type=_non_negative, default=30, metavar="N",
                    help="line and file comments posted per run; the rest are in the summary "
                    "(default: 30)")
    pr.add_argument("--format", choices=["markdown", "json"], default="markdown",
                    help="markdown: the summary comment; json: the classification with anchors")
    pr.add_argument("--output", "-o", type=Path, metavar="FILE",
                    help="write --format to FILE (the summary still goes to stdout)")
    pr.add_argument("--config", type=Path, help=CONFIG_HELP + "; read from the head, used for "
                    "both sides")
    add_path_filters(pr)
    pr.add_argument("--policy-dir", action="append", type=Path, metavar="DIR",
                    help="add the custom policy pack in DIR (repeatable)")
    add_gate_options(pr)
    add_suppression_options(pr)
    add_loading_options(pr)
    names = plugins.addoption(pr)
    for factory in registry.factories():
        factory.add_arguments(pr.add_argument_group(f"{factory.name} platform"))
    pr.set_defaults(run=lambda args: run_pr(args, plugins, names, registry))


def _redacted(text: str, args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """`text` without any token the flags or the environment carry."""
    secrets = [v for k, v in env.items()
               if any(w in k.upper() for w in ("TOKEN", "SECRET", "PASSWORD", "KEY"))]
    secrets += [v for k, v in vars(args).items() if "token" in k.lower() and isinstance(v, str)]
    for secret in sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _platform_call(name: str, call: Callable[[], T], args: argparse.Namespace,
                   env: Mapping[str, str]) -> T:
    """A call into a platform plugin: whatever it raises is one readable line, exit 2."""
    try:
        return call()
    except Exception as exc:
        said = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        said = said if said.startswith(f"{name}:") else f"{name}: {said}"
        raise PlatformError(_redacted(said, args, env)) from None


def _open_platform(args: argparse.Namespace, registry: PlatformRegistry,
                   env: Mapping[str, str]) -> ReviewPlatform | None:
    factory: PlatformFactory | None
    if args.platform == "none":
        return None
    factory = registry.detect(env) if args.platform == "auto" else registry.get(args.platform)
    if factory is None:
        return None
    chosen = factory
    return _platform_call(chosen.name, lambda: chosen.create(args, env), args, env)


def _repository_paths(paths: list[Path]) -> tuple[Repository, list[PurePosixPath], PurePosixPath]:
    """The repository holding `paths` (default: the one holding the current directory, all
    of it), the paths relative to its top, and the scan root (their common directory)
    relative to it."""
    paths = paths or [toplevel(Path.cwd())]
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such file or directory: {path}")
    absolute = [Path(os.path.abspath(p)).resolve() for p in paths]
    top = toplevel(absolute[0])
    rel: list[PurePosixPath] = []
    for path in absolute:
        if not path.is_relative_to(top):
            raise UsageError(f"{path} is outside the repository {top}: scan one repository at "
                             "a time")
        rel.append(PurePosixPath(path.relative_to(top).as_posix()))
    dirs = [r if (top / r).is_dir() else r.parent for r in rel]
    common = PurePosixPath(os.path.commonpath([d.as_posix() for d in dirs]))
    return Repository(top), rel, PurePosixPath() if common.as_posix() == "." else common


def _config(args: argparse.Namespace, plugin_options: list[str], head: Tree,
            paths: list[PurePosixPath]) -> Config:
    """The head's configuration (discovered from the first path the head has), with the
    flags on top: the one configuration of both sides."""
    present = [p for p in (head.top.joinpath(*rel.parts) for rel in paths) if p.exists()]
    if not present:
        raise UsageError(f"{', '.join(p.as_posix() for p in paths)}: not in the head")
    on_head = argparse.Namespace(**{**vars(args), "paths": present})
    return run_config(on_head, plugin_options, fail_on=args.fail_on, select=args.select,
                      ignore=args.ignore, unknowns=args.unknowns)


def _export(repo: Repository, commit: str, dest: Path) -> Path:
    dest.mkdir()
    repo.export(commit, dest)
    # The export stands for a repository: its top holds `.git`, where configuration
    # discovery and .gitignore files stop, as in the checkout.
    (dest / ".git").mkdir(exist_ok=True)
    return dest


def _errors(scan: TreeScan, side: str) -> bool:
    for error in scan.errors:
        where = f" ({error.path})" if error.path else ""
        print(f"iacguard: error: {side}: {error.kind}{where}: {error.first_line}",
              file=sys.stderr)
    return bool(scan.errors)


def _commits(repo: Repository, args: argparse.Namespace, refs: PullRequestRefs | None
             ) -> tuple[str, str]:
    """The head commit and the merge base of the base and the head."""
    head = repo.commit(args.head, "--head") if args.head else repo.commit("HEAD", "HEAD")
    if args.base:
        base = repo.commit(args.base, "--base")
    elif refs is not None:
        base = repo.commit(refs.base_sha, "the pull request's base")
    else:
        raise UsageError("no base to compare with: give --base REF (e.g. --base origin/main), or "
                         "run where a review platform is detected (see --platform)")
    if refs is not None and not args.head and refs.head_sha != head:
        print(f"iacguard: warning: the checkout is at {head[:12]}, the pull request's head "
              f"is {refs.head_sha[:12]}: line comments may land on the wrong lines (check out "
              "the head commit, or pass --head)", file=sys.stderr)
    return head, repo.merge_base(base, head)


def _scan_sides(plugins: Plugins, plugin_options: list[str], args: argparse.Namespace,
                repo: Repository, commits: tuple[str, str], paths: list[PurePosixPath],
                relroot: PurePosixPath) -> tuple[TreeScan, TreeScan]:
    """The head (the working tree, or `--head` exported) and the merge base (exported),
    scanned with the head's configuration."""
    head_sha, merge_base = commits
    with tempfile.TemporaryDirectory(prefix="iacguard-pr-") as tmp:
        scratch = Path(tmp).resolve()
        head_tree = Tree(_export(repo, head_sha, scratch / "head") if args.head else repo.top,
                         relroot)
        base_tree = Tree(_export(repo, merge_base, scratch / "base"), relroot)
        config = _config(args, plugin_options, head_tree, paths)
        options = LoadOptions.from_args(args)
        head = scan_tree(plugins, config, options, head_tree, paths)
        if not head.units:
            raise UsageError("nothing to scan in the head: no Terraform, Terraform plan, Helm "
                             "chart, kustomization or Kubernetes manifest found")
        for pattern in head.unmatched_excludes:
            print(f"iacguard: warning: exclude pattern {pattern!r} matched nothing",
                  file=sys.stderr)
        return head, scan_tree(plugins, config, options, base_tree, paths)


def run_pr(args: argparse.Namespace, plugins: Plugins, plugin_options: list[str],
           registry: PlatformRegistry) -> int:
    env = dict(os.environ)
    repo, paths, relroot = _repository_paths(args.paths)
    platform = _open_platform(args, registry, env)
    refs = _platform_call(platform.name, platform.refs, args, env) if platform else None
    head_sha, merge_base = _commits(repo, args, refs)
    head, base = _scan_sides(plugins, plugin_options, args, repo, (head_sha, merge_base), paths,
                             relroot)
    if _errors(head, "head") | _errors(base, "base"):
        return 2  # a crashed check on either side would make its findings look new or fixed
    files = diffs.by_head_path(_parsed(repo.diff(merge_base, head_sha if args.head else None)))
    result = classify(head, base, files)
    compared = Compared(merge_base, head_sha, working_tree=not args.head)
    report = _post(platform, result, head, compared, args, env, paths) if platform else None
    placement = placements(result, report)
    summary = summary_markdown(result, compared, placement)
    text = summary if args.format == "markdown" else classification_json(result, compared, placement)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
        text = summary
    sys.stdout.write(text)
    _tell(result, report, platform)
    return 1 if result.failing() and not args.no_fail else 0


def _parsed(text: str) -> list[diffs.FileDiff]:
    try:
        return diffs.parse(text)
    except diffs.DiffError as exc:
        raise IacguardError(f"cannot read the output of git diff: {exc}") from None


def _post(platform: ReviewPlatform, result: Classification, head: TreeScan, compared: Compared,
          args: argparse.Namespace, env: Mapping[str, str],
          paths: list[PurePosixPath]) -> PublishReport:
    comments = review_comments(result, head.catalogue)

    def summary(report: PublishReport) -> str:
        return summary_markdown(result, compared, placements(result, report))

    key = summary_key([p.as_posix() for p in paths])
    return _platform_call(platform.name, lambda: publish(
        platform, comments, current=result.current(), summary=summary, key=key,
        max_inline=args.max_comments), args, env)


def _tell(result: Classification, report: PublishReport | None,
          platform: ReviewPlatform | None) -> None:
    line = (f"iacguard pr: {len(result.new)} new ({len(result.failing())} at or above "
            f"{result.fail_on.label}), {len(result.fixed)} fixed, {len(result.pre_existing)} "
            f"pre-existing, {len(result.suppressed)} suppressed")
    if report is not None and platform is not None:
        posted = sum(o.posted != "no" for o in report.outcomes)
        line += (f"; {platform.name}: {posted} comments posted, {len(report.fixed)} marked "
                 "fixed, summary updated")
    print(line, file=sys.stderr)
