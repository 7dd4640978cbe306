"""Command line: `iacguard scan|graph|plugins|policies|test-policies|explain|baseline|config`.

Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 usage or
internal error (a crashed check or loader included).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iacguard.baseline import read as read_baseline
from iacguard.cli_suppressions import (
    CONFIG_HELP,
    _add_config_file_options,
    _add_suppression_options,
    add_baseline_command,
    add_config_command,
    effective_params,
)
from iacguard.config import Config, build_config
from iacguard.config_layers import effective_config
from iacguard.engine import open_session
from iacguard.errors import IacguardError
from iacguard.model import PolicyMeta, ScanResult, Severity
from iacguard.plugin import Plugins, make_plugins
from iacguard.policy_docs import catalogue_json, catalogue_markdown, write_pages
from iacguard.reporting import RenderOptions
from iacguard.testing import check_fixture, fixtures

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
    scan.add_argument("--config", type=Path, help=CONFIG_HELP)
    scan.add_argument("--select", type=_comma_list, help="only these policies (ids, names or "
                      "categories, comma-separated)")
    scan.add_argument("--ignore", type=_comma_list, help="skip these policies")
    scan.add_argument("--unknowns", choices=["report", "fail", "ignore"],
                      help="what to do with values unknown before apply (default: report)")
    scan.add_argument("--exclude", action="append", metavar="GLOB",
                      help="skip paths matching GLOB, relative to the scan root (repeatable)")
    scan.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    _add_suppression_options(scan)
    scan.add_argument("--policy-dir", action="append", type=Path, metavar="DIR",
                      help="add the custom policy pack in DIR (<category>/<name>/policy.yaml, "
                      "using check templates; repeatable; config: policy_dirs)")
    plugin_options = plugins.addoption(scan)

    sub.add_parser("plugins", help="list loaded plugins and the hooks they implement")
    policies = sub.add_parser("policies", help="list the policy catalogue")
    policies.add_argument("--format", choices=["text", "markdown", "json"], default="text",
                          help="markdown: the catalogue reference (docs/POLICIES.md); json: "
                          "every policy's definition")
    policies.add_argument("--pages", type=Path, metavar="DIR",
                          help="write one Markdown page per policy, and an index, to DIR")
    policies.add_argument("--policy-dir", action="append", type=Path, metavar="DIR",
                          help="also list the custom policy pack in DIR (repeatable)")
    test_policies = sub.add_parser(
        "test-policies", help="run a custom policy pack's pass/fail fixtures (# expect: ID)")
    test_policies.add_argument("directory", type=Path, metavar="DIR",
                               help="the pack: <category>/<name>/policy.yaml with pass/ fail/")
    explain = sub.add_parser("explain", help="show a policy's documentation")
    explain.add_argument("policy", help="policy id or name")
    _add_config_file_options(explain)

    graph = sub.add_parser("graph", help="draw the resource graph with its findings")
    graph.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    graph.add_argument("--format", "-f", default="html",
                       help="a registered drawing: html (a self-contained page), dot (Graphviz), "
                       "json (nodes, edges, findings)")
    graph.add_argument("--output", "-o", type=Path, help="write to FILE")
    graph.add_argument("--config", type=Path, help=CONFIG_HELP)
    graph.add_argument("--exclude", action="append", metavar="GLOB",
                       help="skip paths matching GLOB, relative to the scan root (repeatable)")
    _add_config_file_options(graph, config=False)
    plugins.addoption(graph)
    add_baseline_command(sub, plugins)
    add_config_command(sub)
    plugins.add_commands(sub)  # type: ignore[arg-type]  # our _Parser is an ArgumentParser
    return parser, plugin_options


def _config(args: argparse.Namespace, plugin_options: list[str], **overrides: Any) -> Config:
    """The run's configuration: org config, the repository's config, the command line."""
    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file or directory: {path}")
    options = {k: getattr(args, k) for k in plugin_options
               if getattr(args, k, None) not in (None, [])}
    if getattr(args, "report_unused_suppressions", False):
        overrides["suppressions"] = {"report_unused": True}
    config = effective_config(args.paths[0], config_file=args.config,
                            org_file=getattr(args, "org_config", None),
                            overrides={**overrides, "exclude": args.exclude,
                                       "options": options}).config
    extra = [str(d.resolve()) for d in getattr(args, "policy_dir", None) or []]
    return config.model_copy(update={"policy_dirs": [*config.policy_dirs, *extra]}) if extra else config


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
    if args.baseline is not None:
        session.baseline, session.baseline_file = read_baseline(args.baseline), args.baseline
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


def explain_text(meta: PolicyMeta, effective: dict[str, tuple[Any, Any]] | None = None) -> str:
    """A policy's documentation, as `iacguard explain` prints it (and editors show it);
    `effective` gives (value, default) per parameter when configuration set some."""
    lines = [f"{meta.id} {meta.name} — {meta.title}",
             f"category: {meta.category}   severity: {meta.severity.label}",
             f"\n## Why is this bad?\n{meta.rationale.strip()}",
             f"\n## Remediation\n{meta.remediation.strip()}"]
    if meta.params and effective is None:
        lines.append("\n## Parameters (defaults)")
        lines += [f"  {name}: {value!r}" for name, value in meta.params.items()]
    elif meta.params and effective is not None:
        lines.append("\n## Parameters (effective; default in brackets when configured)")
        for name, (value, default) in effective.items():
            note = "" if value == default else f"  [default {default!r}]"
            lines.append(f"  {name}: {value!r}{note}")
    if meta.references:
        lines.append("\n## References")
        lines += [f"  {ref}" for ref in meta.references]
    return "\n".join(lines) + "\n"


def _run_explain(plugins: Plugins, args: argparse.Namespace) -> int:
    key = args.policy
    config = effective_config(Path.cwd(), config_file=args.config, org_file=args.org_config).config
    session = open_session(plugins, config, [Path.cwd()])
    meta = next((p for p in session.catalogue if key in (p.id, p.name, *p.aliases)), None)
    if meta is None:
        raise UsageError(f"no policy {key!r} (see `iacguard policies`)")
    sys.stdout.write(explain_text(meta, effective_params(session, meta)))
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


def main(argv: Sequence[str] | None = None) -> int:
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
    except KeyboardInterrupt:
        return 2


if __name__ == "__main__":
    sys.exit(main())
