"""The command line's shared options and their checks: what `scan` and `graph` accept,
global options accepted before or after the subcommand, and the names they must match."""

from __future__ import annotations

import argparse
import importlib.metadata
from collections.abc import Sequence
from pathlib import Path

from iacguard.config_errors import did_you_mean
from iacguard.errors import IacguardError
from iacguard.model import Severity
from iacguard.plugin import ENTRY_POINT_GROUP

SEVERITY_NAMES = [s.label for s in Severity]
STDIN = "-"


class UsageError(IacguardError):
    pass


def comma_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """On the top parser and on every subcommand (so `scan --disable-plugin x` works too);
    on subcommands the default is left unset, not to overwrite the top parser's value."""
    default: list[str] | str = [] if top else argparse.SUPPRESS
    parser.add_argument("--disable-plugin", action="append", default=default, metavar="NAME",
                        help="do not load this plugin (repeatable; names: `iacguard plugins`)")


def add_walk_options(parser: argparse.ArgumentParser) -> None:
    """What to read: shared by `scan` and `graph`."""
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="files and directories to scan; `-` reads a manifest from stdin")
    parser.add_argument("--config", type=Path, help="config file (default: .iacguard.yaml in the "
                        "first scanned directory)")
    add_path_filters(parser)


def add_path_filters(parser: argparse.ArgumentParser) -> None:
    """Which of the walked paths are skipped: shared by `scan`, `graph` and `pr`."""
    parser.add_argument("--exclude", action="append", metavar="PATTERN",
                        help="skip paths matching PATTERN, with .gitignore semantics, relative to "
                        "the scan root (`deploy/`, `**/test`, `*.tfvars`; repeatable)")
    parser.add_argument("--no-gitignore", dest="gitignore", action="store_false", default=None,
                        help="also scan what .gitignore files ignore")


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """How `scan` reports: formats, outputs and the text report's layout."""
    parser.add_argument("--format", "-f", default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", action="append", metavar="[FORMAT=]FILE",
                        help="where a report goes: FORMAT=FILE, FILE (in --format) or FORMAT "
                        "alone for the console; repeatable, e.g. "
                        "`-o sarif=results.sarif -o text`")
    layout = parser.add_argument_group("text report")
    layout.add_argument("--quiet", "-q", action="store_true",
                        help="only the summary and the findings at or above --fail-on")
    layout.add_argument("--compact", action="store_true",
                        help="one line per finding: path:line: severity RULE message")
    layout.add_argument("--min-severity", choices=SEVERITY_NAMES, default="info",
                        help="do not show findings below this (display only: the exit code "
                        "follows --fail-on)")
    layout.add_argument("--group-by", choices=["severity", "file"], default="severity",
                        help="list findings by severity and rule (default) or by file")
    parser.add_argument("--color", choices=["auto", "always", "never"], default="auto")


def add_gate_options(parser: argparse.ArgumentParser) -> None:
    """What fails the scan and which policies run."""
    parser.add_argument("--fail-on", choices=SEVERITY_NAMES,
                        help="lowest severity that fails the scan (default: low)")
    parser.add_argument("--no-fail", action="store_true",
                        help="exit 0 even when findings are at or above --fail-on")
    parser.add_argument("--select", type=comma_list, help="only these policies (ids, names or "
                        "categories, comma-separated, any case)")
    parser.add_argument("--ignore", type=comma_list, help="skip these policies")
    parser.add_argument("--unknowns", choices=["report", "fail", "ignore"],
                        help="what to do with values unknown before apply (default: report)")


def blocked_plugins(argv: Sequence[str]) -> list[str]:
    """`--disable-plugin NAME` / `--disable-plugin=NAME` anywhere on the line: plugins are
    loaded before the line is parsed (they add options to it)."""
    blocked: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--disable-plugin" and i + 1 < len(argv):
            blocked.append(argv[i + 1])
        elif arg.startswith("--disable-plugin="):
            blocked.append(arg.partition("=")[2])
    return blocked


def installed_plugin_names() -> list[str]:
    """Names of the plugins the entry points register (without loading them)."""
    return sorted({ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)})


def check_plugin_names(blocked: list[str]) -> None:
    known = installed_plugin_names()
    for name in blocked:
        if name not in known:
            raise UsageError(f"--disable-plugin: no plugin {name!r}{did_you_mean(name, known)} "
                             f"(installed: {', '.join(known)})")


def check_paths(paths: list[Path]) -> None:
    if sum(1 for p in paths if str(p) == STDIN) > 1:
        raise UsageError("`-` (stdin) can be given once")
    for path in paths:
        if str(path) != STDIN and not path.exists():
            raise UsageError(f"no such file or directory: {path}")


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be a positive integer, not {value!r}")
    return jobs


def add_loading_options(parser: argparse.ArgumentParser) -> None:
    """How units are loaded: the process pool and the cache of loaded units."""
    from iacguard.cache import default_cache_dir
    from iacguard.parallel import default_jobs

    parser.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                        help=f"load units in N processes (default: the CPU count, {default_jobs()})")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR",
                        help=f"cache of loaded units (default: {default_cache_dir()})")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the cache of loaded units")
