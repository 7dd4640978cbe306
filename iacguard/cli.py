"""Command line: `iacguard scan|graph|plugins|policies|test-policies|explain|baseline|config`.

Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 usage or
internal error (a crashed check or loader included); 130 / 143 stopped by SIGINT / SIGTERM
(child processes killed first).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacguard import children, collector
from iacguard.budget import DEFAULT_SCAN_SECONDS, DEFAULT_UNIT_SECONDS
from iacguard.cli_options import (
    SEVERITY_NAMES,
    UsageError,
    add_gate_options,
    add_global_options,
    add_loading_options,
    add_report_options,
    add_walk_options,
    blocked_plugins,
    check_plugin_names,
    installed_plugin_names,
)
from iacguard.cli_session import loaded_session, run_config
from iacguard.cli_suppressions import (
    _add_config_file_options,
    add_baseline_command,
    add_config_command,
    add_suppression_options,
    effective_params,
)
from iacguard.config import Config, build_config
from iacguard.config_layers import effective_config
from iacguard.engine import iacguard_version, open_session
from iacguard.errors import IacguardError
from iacguard.explain import print_explanation
from iacguard.model import Severity
from iacguard.outputs import console_width, parse_outputs, report_errors, write_outputs
from iacguard.policy_docs import catalogue_json, catalogue_markdown, write_pages
from iacguard.reporting import DEFAULT_WIDTH, RenderOptions
from iacguard.testing import check_fixture, fixtures

if TYPE_CHECKING:
    from iacguard.plugin import Plugins

__all__ = ["SEVERITY_NAMES", "UsageError", "build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 with our own wording, never a traceback
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser(plugins: Plugins | None) -> tuple[argparse.ArgumentParser, list[str]]:
    """The parser, and the option names plugins added (they go to `Config.options`).

    Without `plugins` (top-level `--help`, `--version`) no plugin is imported: their
    options and commands are then not on the parser, their names are in the epilog.
    """
    epilog = None
    if plugins is None:
        epilog = (f"installed plugins: {', '.join(installed_plugin_names())} "
                  "(their options: `iacguard scan --help`; their commands: `iacguard plugins`)")
    parser = _Parser(prog="iacguard", description=__doc__.splitlines()[0], epilog=epilog)
    parser.add_argument("--version", action="version", version=f"iacguard {iacguard_version()}")
    add_global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help)
        add_global_options(p, top=False)
        return p

    scan = command("scan", "scan files and directories")
    add_walk_options(scan)
    add_report_options(scan)
    add_gate_options(scan)
    add_loading_options(scan)
    _add_limits(scan)
    add_suppression_options(scan)
    scan.add_argument("--in-context", action="store_true",
                      help="each FILE stands for what it belongs to (its Helm chart, "
                      "kustomization or Terraform root, else its folder), scanned without "
                      "subfolders from the repository root: for pre-commit's file lists")
    scan.add_argument("--policy-dir", action="append", type=Path, metavar="DIR",
                      help="add the custom policy pack in DIR (<category>/<name>/policy.yaml, "
                      "using check templates; repeatable; config: policy_dirs)")
    plugin_options = plugins.addoption(scan) if plugins is not None else []

    command("plugins", "list loaded plugins and the hooks they implement")
    policies = command("policies", "list the policy catalogue")
    policies.add_argument("--format", choices=["text", "markdown", "json"], default="text",
                          help="markdown: the catalogue reference (docs/POLICIES.md); json: "
                          "every policy's definition")
    policies.add_argument("--pages", type=Path, metavar="DIR",
                          help="write one Markdown page per policy, and an index, to DIR")
    policies.add_argument("--policy-dir", action="append", type=Path, metavar="DIR",
                          help="also list the custom policy pack in DIR (repeatable)")
    test_policies = command(
        "test-policies", "run a custom policy pack's pass/fail fixtures (# expect: ID)")
    test_policies.add_argument("directory", type=Path, metavar="DIR",
                               help="the pack: <category>/<name>/policy.yaml with pass/ fail/")
    explain = command("explain", "show a policy's documentation")
    explain.add_argument("policy", help="policy id or name (any case)")
    explain.add_argument("--format", choices=["text", "markdown"], default="text",
                         help="markdown: the raw Markdown (default: rendered for the terminal)")
    _add_config_file_options(explain)

    graph = command("graph", "draw the resource graph with its findings")
    add_walk_options(graph)
    graph.add_argument("--format", "-f", default="html",
                       help="a registered drawing: html (a self-contained page), dot (Graphviz), "
                       "json (nodes, edges, findings)")
    graph.add_argument("--output", "-o", type=Path, help="write to FILE")
    _add_config_file_options(graph, config=False)
    add_loading_options(graph)
    _add_limits(graph)
    add_config_command(sub)
    if plugins is not None:
        plugins.addoption(graph)
        add_baseline_command(sub, plugins)
        plugins.add_commands(sub)  # type: ignore[arg-type]  # our _Parser is an ArgumentParser
    return parser, plugin_options


def _render_options(args: argparse.Namespace,
                    options: dict[str, Any]) -> tuple[RenderOptions, RenderOptions]:
    """Options for the console and for files (files: no colour, a fixed width); `options`
    are the run's plugin options, which some formats read."""
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    layout: dict[str, Any] = {"quiet": args.quiet, "compact": args.compact,
                              "min_severity": Severity.parse(args.min_severity),
                              "group_by": args.group_by, "options": options}
    return (RenderOptions(color=color, width=console_width(), **layout),
            RenderOptions(color=args.color == "always", width=DEFAULT_WIDTH, **layout))


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit-budget", type=float, metavar="SECONDS", dest="unit_budget_seconds",
                        help=f"total time one unit (a chart with all its values profiles, a "
                        f"kustomization, a Terraform root) may take (default: {DEFAULT_UNIT_SECONDS:g})")
    parser.add_argument("--scan-deadline", type=float, metavar="SECONDS", dest="scan_deadline_seconds",
                        help=f"after this, units not yet loaded are reported as not checked "
                        f"(PARSE004) (default: {DEFAULT_SCAN_SECONDS:g})")


def _run_scan(args: argparse.Namespace, plugins: Plugins, plugin_options: list[str]) -> int:
    config = run_config(args, plugin_options, fail_on=args.fail_on, select=args.select,
                        ignore=args.ignore, unknowns=args.unknowns)
    reporters = plugins.register_reporters()
    outputs = parse_outputs(args.output or [], args.format, reporters.names())
    with collector.batch() as collection:
        session = loaded_session(args, plugins, config)
        collection.settle()
        result, _ = session.check()
        console, files = _render_options(args, config.options)
        write_outputs(outputs, reporters, result, console, files)
    report_errors(result)
    code = result.exit_code()
    if code == 1 and args.no_fail:
        return 0
    return code


def _run_plugins(plugins: Plugins) -> int:
    for info in plugins.describe():
        origin = f"{info.distribution} {info.version}".strip()
        print(f"{info.name:<16} {origin}")
        for hook in info.hooks:
            print(f"    {hook}")
    return 0


def _catalogue_config(policy_dirs: list[Path] | None) -> Config:
    return build_config({}, {"policy_dirs": [str(d) for d in policy_dirs or []]})


def _run_policies(plugins: Plugins, args: argparse.Namespace) -> int:
    session = open_session(plugins, _catalogue_config(args.policy_dir), [Path.cwd()])
    if args.pages is not None:
        for written in write_pages(session.catalogue, args.pages):
            print(written)
        return 0
    if args.format == "markdown":
        sys.stdout.write(catalogue_markdown(session.catalogue))
        return 0
    if args.format == "json":
        sys.stdout.write(catalogue_json(session.catalogue))
        return 0
    for meta in session.catalogue:
        flag = "" if meta.enabled else "  (off by default)"
        print(f"{meta.id:<9} {meta.severity.label:<9} {meta.category:<22} {meta.name}{flag}")
    return 0


def _run_test_policies(plugins: Plugins, directory: Path) -> int:
    """Run a custom pack's fixtures; exit 1 when any fixture disagrees with its marks."""
    if not directory.is_dir():
        raise UsageError(f"no such policy directory: {directory}")
    root = directory.resolve()
    session = open_session(plugins, _catalogue_config([root]), [Path.cwd()])
    pack = [p for p in session.catalogue
            if p.directory is not None and Path(p.directory).is_relative_to(root)]
    runs = [check_fixture(plugins, f, [root]) for f in fixtures(pack)]
    for run in runs:
        fixture = run.fixture
        shown = fixture.path.relative_to(root).as_posix()
        print(f"{'ok  ' if run.passed else 'FAIL'} {fixture.policy.id} {shown}")
        for path, line, rule in sorted(run.missing):
            print(f"     expected {rule} at {path}:{line}, not reported")
        for path, line, rule in sorted(run.unexpected):
            print(f"     reported {rule} at {path}:{line}, not marked")
    no_fixtures = sorted(p.id for p in pack if not any(r.fixture.policy.id == p.id for r in runs))
    for pid in no_fixtures:
        print(f"FAIL {pid} has no pass/ or fail/ fixtures")
    failed = sum(not r.passed for r in runs) + len(no_fixtures)
    print(f"{len(pack)} policies, {len(runs)} fixtures, {failed} failed")
    return 1 if failed or not pack else 0


def _run_explain(plugins: Plugins, args: argparse.Namespace) -> int:
    config = effective_config(Path.cwd(), config_file=args.config, org_file=args.org_config).config
    session = open_session(plugins, config, [Path.cwd()])
    wanted = args.policy.strip().lower()
    meta = next((p for p in session.catalogue
                 if wanted in (p.id.lower(), p.name, *(a.lower() for a in p.aliases))), None)
    if meta is None:
        from iacguard.config_errors import did_you_mean

        names = [k for p in session.catalogue for k in (p.id, p.name)]
        raise UsageError(f"no policy {args.policy!r}{did_you_mean(args.policy, names)} "
                         "(see `iacguard policies`)")
    print_explanation(meta, args.format, effective_params(session, meta))
    return 0


def _run_graph(args: argparse.Namespace, plugins: Plugins, plugin_options: list[str]) -> int:
    drawings = plugins.register_reporters()
    if args.format not in drawings.drawing_names():
        raise UsageError(f"unknown graph format {args.format!r} "
                         f"(one of: {', '.join(drawings.drawing_names())})")
    with collector.batch() as collection:
        session = loaded_session(args, plugins, run_config(args, plugin_options))
        collection.settle()
        result, graph = session.check()
        text = drawings.drawing(args.format)(graph, result)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    report_errors(result)
    return 2 if result.errors else 0


def _names_a_command(argv: list[str]) -> bool:
    """Whether the line has a word that is not an option (or an option's value)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--disable-plugin":
            skip = True
        elif not arg.startswith("-"):
            return True
    return False


class _Stopped(BaseException):
    """SIGINT or SIGTERM: unwinds the scan (no plugin's `except Exception` catches it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, _frame: object) -> None:
    children.kill_all()  # first: a render worker must not outlive us, whatever follows
    raise _Stopped(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; on SIGINT/SIGTERM kill the children and exit 130/143 with one line."""
    watched = (signal.SIGINT, signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    previous = {s: signal.signal(s, _on_signal) for s in watched}
    try:
        return _main(argv)
    except (_Stopped, KeyboardInterrupt) as stop:
        signum = stop.signum if isinstance(stop, _Stopped) else signal.SIGINT
        children.kill_all()
        print(f"iacguard: stopped by {signal.Signals(signum).name}; nothing reported",
              file=sys.stderr)
        return 128 + signum
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not _names_a_command(argv):  # `--help`, `--version`: no plugin is imported
            build_parser(None)[0].parse_args(argv)
        blocked = blocked_plugins(argv)
        check_plugin_names(blocked)
        from iacguard.plugin import make_plugins

        plugins = make_plugins(blocked=blocked)
        parser, plugin_options = build_parser(plugins)
        args = parser.parse_args(argv)
        if args.command == "scan":
            return _run_scan(args, plugins, plugin_options)
        if args.command == "graph":
            return _run_graph(args, plugins, plugin_options)
        if args.command == "plugins":
            return _run_plugins(plugins)
        if args.command == "policies":
            return _run_policies(plugins, args)
        if args.command == "test-policies":
            return _run_test_policies(plugins, args.directory)
        if args.command == "explain":
            return _run_explain(plugins, args)
        code: int = args.run(args)  # a plugin's command (`iacguard_add_commands`)
        return code
    except IacguardError as exc:
        print(f"iacguard: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `iacguard ... | head`: the reader left, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
