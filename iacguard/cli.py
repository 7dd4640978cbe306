"""Command line: `iacguard scan|graph|plugins|policies|explain`.

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
from typing import Any

from iacguard import children
from iacguard.budget import DEFAULT_SCAN_SECONDS, DEFAULT_UNIT_SECONDS
from iacguard.config import Config, build_config, find_config_file, read_config_file
from iacguard.engine import open_session
from iacguard.errors import IacguardError
from iacguard.model import PolicyMeta, ScanResult, Severity
from iacguard.plugin import Plugins, make_plugins
from iacguard.reporting import RenderOptions

SEVERITY_NAMES = [s.label for s in Severity]


class UsageError(IacguardError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 with our own wording, never a traceback
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _comma_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser(plugins: Plugins) -> tuple[argparse.ArgumentParser, list[str]]:
    """The parser, and the option names plugins added (they go to `Config.options`)."""
    parser = _Parser(prog="iacguard", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--disable-plugin", action="append", default=[], metavar="NAME",
        help="do not load this plugin (repeatable)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    scan = sub.add_parser("scan", help="scan files and directories")
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    scan.add_argument("--format", "-f", default="text", help="output format (default: text)")
    scan.add_argument("--output", "-o", type=Path, help="write the report to FILE")
    scan.add_argument("--fail-on", choices=SEVERITY_NAMES,
                      help="lowest severity that fails the scan (default: low)")
    scan.add_argument("--no-fail", action="store_true",
                      help="exit 0 even when findings are at or above --fail-on")
    scan.add_argument("--config", type=Path, help="config file (default: .iacguard.yaml in the "
                      "first scanned directory)")
    scan.add_argument("--select", type=_comma_list, help="only these policies (ids, names or "
                      "categories, comma-separated)")
    scan.add_argument("--ignore", type=_comma_list, help="skip these policies")
    scan.add_argument("--unknowns", choices=["report", "fail", "ignore"],
                      help="what to do with values unknown before apply (default: report)")
    scan.add_argument("--exclude", action="append", metavar="GLOB",
                      help="skip paths matching GLOB, relative to the scan root (repeatable)")
    scan.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    _add_limits(scan)
    plugin_options = plugins.addoption(scan)

    sub.add_parser("plugins", help="list loaded plugins and the hooks they implement")
    policies = sub.add_parser("policies", help="list the policy catalogue")
    policies.add_argument("--format", choices=["text", "markdown"], default="text",
                          help="markdown: the catalogue reference (docs/POLICIES.md)")
    explain = sub.add_parser("explain", help="show a policy's documentation")
    explain.add_argument("policy", help="policy id or name")

    graph = sub.add_parser("graph", help="draw the resource graph with its findings")
    graph.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    graph.add_argument("--format", "-f", default="html",
                       help="a registered drawing: html (a self-contained page), dot (Graphviz), "
                       "json (nodes, edges, findings)")
    graph.add_argument("--output", "-o", type=Path, help="write to FILE")
    graph.add_argument("--config", type=Path, help="config file (default: .iacguard.yaml in the "
                       "first scanned directory)")
    graph.add_argument("--exclude", action="append", metavar="GLOB",
                       help="skip paths matching GLOB, relative to the scan root (repeatable)")
    _add_limits(graph)
    plugins.addoption(graph)
    plugins.add_commands(sub)  # type: ignore[arg-type]  # our _Parser is an ArgumentParser
    return parser, plugin_options


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unit-budget", type=float, metavar="SECONDS", dest="unit_budget_seconds",
                        help=f"total time one unit (a chart with all its values profiles, a "
                        f"kustomization, a Terraform root) may take (default: {DEFAULT_UNIT_SECONDS:g})")
    parser.add_argument("--scan-deadline", type=float, metavar="SECONDS", dest="scan_deadline_seconds",
                        help=f"after this, units not yet loaded are reported as not checked "
                        f"(PARSE004) (default: {DEFAULT_SCAN_SECONDS:g})")


def _config(args: argparse.Namespace, plugin_options: list[str], **overrides: Any) -> Config:
    """The run's configuration: the config file, then the command line on top."""
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file or directory: {path}")
    config_path = args.config or find_config_file(args.paths[0])
    file_data = read_config_file(config_path) if config_path else {}
    options = {k: getattr(args, k) for k in plugin_options
               if getattr(args, k, None) not in (None, [])}
    limits = {"unit_budget_seconds": args.unit_budget_seconds,
              "scan_deadline_seconds": args.scan_deadline_seconds}
    return build_config(file_data, {**overrides, **limits, "exclude": args.exclude, "options": options})


def _emit(text: str, output: Path | None, result: ScanResult) -> None:
    """Write the report (to `output` or stdout) and each internal error to stderr."""
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    for error in result.errors:
        where = f" ({error.path})" if error.path else ""
        print(f"iacguard: error: {error.kind}{where}: {error.message.splitlines()[0]}",
              file=sys.stderr)


def _run_scan(args: argparse.Namespace, plugins: Plugins, plugin_options: list[str]) -> int:
    config = _config(args, plugin_options, fail_on=args.fail_on, select=args.select,
                     ignore=args.ignore, unknowns=args.unknowns)
    reporters = plugins.register_reporters()
    if args.format not in reporters.names():
        raise UsageError(f"unknown format {args.format!r} (one of: {', '.join(reporters.names())})")
    session = open_session(plugins, config, args.paths)
    session.load(args.paths)
    result, _ = session.check()
    stream_is_tty = args.output is None and sys.stdout.isatty()
    color = args.color == "always" or (
        args.color == "auto" and stream_is_tty and not os.environ.get("NO_COLOR")
    )
    _emit(reporters.get(args.format)(result, RenderOptions(color=color)), args.output, result)
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


def catalogue_markdown(catalogue: list[PolicyMeta]) -> str:
    """The policy reference, generated from the catalogue (one text for every surface)."""
    lines = ["# Policy catalogue", "", "Generated by `iacguard policies --format markdown`; "
             "edit the `policy.yaml` files, not this page.", "",
             "| id | name | category | severity | title |", "|---|---|---|---|---|"]
    for meta in catalogue:
        off = " (off by default)" if not meta.enabled else ""
        lines.append(f"| [{meta.id}](#{meta.id.lower()}) | `{meta.name}` | {meta.category} | "
                     f"{meta.severity.label} | {meta.title}{off} |")
    for meta in catalogue:
        lines += ["", f"## {meta.id}", "", f"**{meta.name}** — {meta.title}. Category "
                  f"`{meta.category}`, severity `{meta.severity.label}`.", "",
                  "### Why is this bad?", "", meta.rationale.strip(), "", "### Remediation", "",
                  meta.remediation.strip()]
        if meta.params:
            lines += ["", "### Parameters (defaults)", ""]
            lines += [f"- `{name}`: `{value!r}`" for name, value in meta.params.items()]
        if meta.references:
            lines += ["", "### References", ""] + [f"- <{ref}>" for ref in meta.references]
    return "\n".join(lines) + "\n"


def _run_policies(plugins: Plugins, fmt: str) -> int:
    session = open_session(plugins, build_config({}, {}), [Path.cwd()])
    if fmt == "markdown":
        sys.stdout.write(catalogue_markdown(session.catalogue))
        return 0
    for meta in session.catalogue:
        flag = "" if meta.enabled else "  (off by default)"
        print(f"{meta.id:<9} {meta.severity.label:<9} {meta.category:<22} {meta.name}{flag}")
    return 0


def _run_explain(plugins: Plugins, key: str) -> int:
    session = open_session(plugins, build_config({}, {}), [Path.cwd()])
    meta = next((p for p in session.catalogue if key in (p.id, p.name, *p.aliases)), None)
    if meta is None:
        raise UsageError(f"no policy {key!r} (see `iacguard policies`)")
    print(f"{meta.id} {meta.name} — {meta.title}")
    print(f"category: {meta.category}   severity: {meta.severity.label}")
    print(f"\n## Why is this bad?\n{meta.rationale.strip()}")
    print(f"\n## Remediation\n{meta.remediation.strip()}")
    if meta.params:
        print("\n## Parameters (defaults)")
        for name, value in meta.params.items():
            print(f"  {name}: {value!r}")
    if meta.references:
        print("\n## References")
        for ref in meta.references:
            print(f"  {ref}")
    return 0


def _run_graph(args: argparse.Namespace, plugins: Plugins, plugin_options: list[str]) -> int:
    drawings = plugins.register_reporters()
    if args.format not in drawings.drawing_names():
        raise UsageError(f"unknown graph format {args.format!r} "
                         f"(one of: {', '.join(drawings.drawing_names())})")
    session = open_session(plugins, _config(args, plugin_options), args.paths)
    session.load(args.paths)
    result, graph = session.check()
    _emit(drawings.drawing(args.format)(graph, result), args.output, result)
    return 2 if result.errors else 0


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
        blocked = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--disable-plugin"]
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
            return _run_policies(plugins, args.format)
        if args.command == "explain":
            return _run_explain(plugins, args.policy)
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
