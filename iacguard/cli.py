"""Command line: `iacguard scan|graph|plugins|policies|explain`.

Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 usage or
internal error (a crashed check or loader included).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iacguard.cli_options import (
    SEVERITY_NAMES,
    UsageError,
    add_gate_options,
    add_global_options,
    add_report_options,
    add_walk_options,
    blocked_plugins,
    check_plugin_names,
    installed_plugin_names,
)
from iacguard.cli_session import loaded_session, run_config
from iacguard.config import build_config
from iacguard.engine import iacguard_version, open_session
from iacguard.errors import IacguardError
from iacguard.explain import print_explanation
from iacguard.model import PolicyMeta, Severity
from iacguard.outputs import console_width, parse_outputs, report_errors, write_outputs
from iacguard.reporting import DEFAULT_WIDTH, RenderOptions

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
    plugin_options = plugins.addoption(scan) if plugins is not None else []

    command("plugins", "list loaded plugins and the hooks they implement")
    policies = command("policies", "list the policy catalogue")
    policies.add_argument("--format", choices=["text", "markdown"], default="text",
                          help="markdown: the catalogue reference (docs/POLICIES.md)")
    explain = command("explain", "show a policy's documentation")
    explain.add_argument("policy", help="policy id or name (any case)")
    explain.add_argument("--format", choices=["text", "markdown"], default="text",
                         help="markdown: the raw Markdown (default: rendered for the terminal)")

    graph = command("graph", "draw the resource graph with its findings")
    add_walk_options(graph)
    graph.add_argument("--format", "-f", default="html",
                       help="a registered drawing: html (a self-contained page), dot (Graphviz), "
                       "json (nodes, edges, findings)")
    graph.add_argument("--output", "-o", type=Path, help="write to FILE")
    if plugins is not None:
        plugins.addoption(graph)
        plugins.add_commands(sub)  # type: ignore[arg-type]  # our _Parser is an ArgumentParser
    return parser, plugin_options


def _render_options(args: argparse.Namespace) -> tuple[RenderOptions, RenderOptions]:
    """Options for the console and for files (files: no colour, a fixed width)."""
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    layout: dict[str, Any] = {"quiet": args.quiet, "compact": args.compact,
                              "min_severity": Severity.parse(args.min_severity),
                              "group_by": args.group_by}
    return (RenderOptions(color=color, width=console_width(), **layout),
            RenderOptions(color=args.color == "always", width=DEFAULT_WIDTH, **layout))


def _run_scan(args: argparse.Namespace, plugins: Plugins, plugin_options: list[str]) -> int:
    config = run_config(args, plugin_options, fail_on=args.fail_on, select=args.select,
                        ignore=args.ignore, unknowns=args.unknowns)
    reporters = plugins.register_reporters()
    outputs = parse_outputs(args.output or [], args.format, reporters.names())
    session = loaded_session(args, plugins, config)
    result, _ = session.check()
    console, files = _render_options(args)
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


def _run_explain(plugins: Plugins, key: str, fmt: str) -> int:
    session = open_session(plugins, build_config({}, {}), [Path.cwd()])
    wanted = key.strip().lower()
    meta = next((p for p in session.catalogue
                 if wanted in (p.id.lower(), p.name, *(a.lower() for a in p.aliases))), None)
    if meta is None:
        from iacguard.config_errors import did_you_mean

        names = [k for p in session.catalogue for k in (p.id, p.name)]
        raise UsageError(f"no policy {key!r}{did_you_mean(key, names)} (see `iacguard policies`)")
    print_explanation(meta, fmt)
    return 0


def _run_graph(args: argparse.Namespace, plugins: Plugins, plugin_options: list[str]) -> int:
    drawings = plugins.register_reporters()
    if args.format not in drawings.drawing_names():
        raise UsageError(f"unknown graph format {args.format!r} "
                         f"(one of: {', '.join(drawings.drawing_names())})")
    session = loaded_session(args, plugins, run_config(args, plugin_options))
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


def main(argv: Sequence[str] | None = None) -> int:
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
            return _run_policies(plugins, args.format)
        if args.command == "explain":
            return _run_explain(plugins, args.policy, args.format)
        code: int = args.run(args)  # a plugin's command (`iacguard_add_commands`)
        return code
    except IacguardError as exc:
        print(f"iacguard: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `iacguard ... | head`: the reader left, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 2


if __name__ == "__main__":
    sys.exit(main())
