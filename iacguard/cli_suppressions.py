"""Command line for suppressions and configuration: `baseline create|update`, `config
show|schema`, and the scan options `--baseline`, `--report-unused-suppressions`, `--org-config`.

Kept apart from `cli.py`'s scan so each surface stays one concern; `cli.py` wires them in.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from iacguard import baseline
from iacguard.config import config_schema
from iacguard.config_layers import ORG_CONFIG_ENV, EffectiveConfig, effective_config
from iacguard.engine import Session, open_session
from iacguard.errors import IacguardError
from iacguard.model import PolicyMeta, Severity
from iacguard.plugin import Plugins

CONFIG_HELP = ("config file (default: the nearest .iacguard.yaml, or pyproject.toml with "
               "[tool.iacguard], from the first path up to the repository root)")


def _add_config_file_options(parser: argparse.ArgumentParser, config: bool = True) -> None:
    if config:
        parser.add_argument("--config", type=Path, help=CONFIG_HELP)
    parser.add_argument("--org-config", type=Path, metavar="FILE",
                        help=f"organisation config whose suppression rules and fail_on the "
                        f"repository's config cannot loosen (default: ${ORG_CONFIG_ENV})")


def add_suppression_options(scan: argparse.ArgumentParser) -> None:
    """--baseline, --report-unused-suppressions and the config-file options: every command
    that gates on findings (`scan`, plugins' commands such as `pr`) takes them from here."""
    scan.add_argument("--baseline", type=Path, metavar="FILE",
                      help="report and gate only findings not in this baseline "
                      "(`iacguard baseline create`); baselined ones are shown as suppressed")
    scan.add_argument("--report-unused-suppressions", action="store_true",
                      help="report inline suppressions and baseline entries that matched "
                      "nothing (unused-suppression findings, which can fail the gate)")
    _add_config_file_options(scan, config=False)


# -- baseline ---------------------------------------------------------------------------------
def add_baseline_command(sub: Any, plugins: Plugins) -> None:
    command = sub.add_parser("baseline", help="accept today's findings: gate only on new ones")
    actions = command.add_subparsers(dest="baseline_command", required=True,
                                     parser_class=type(command))
    create = actions.add_parser("create", help="write the current findings to a baseline file")
    create.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    create.add_argument("--output", "-o", type=Path, required=True, metavar="FILE")
    update = actions.add_parser("update", help="drop the entries of fixed findings (adds none)")
    update.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    update.add_argument("--baseline", "-b", type=Path, required=True, metavar="FILE",
                        help="the baseline to update in place (or write to --output)")
    update.add_argument("--output", "-o", type=Path, metavar="FILE")
    for parser in (create, update):
        _add_config_file_options(parser)
        parser.add_argument("--exclude", action="append", metavar="GLOB",
                            help="skip paths matching GLOB, relative to the scan root")
        names = plugins.addoption(parser)
        parser.set_defaults(run=lambda a, names=names: run_baseline(a, plugins, names))


def _scan(args: argparse.Namespace, plugins: Plugins, names: list[str]) -> Session:
    for path in args.paths:
        if not path.exists():
            raise IacguardError(f"no such file or directory: {path}")
    options = {k: getattr(args, k) for k in names if getattr(args, k, None) not in (None, [])}
    config = effective_config(args.paths[0], config_file=args.config, org_file=args.org_config,
                              overrides={"exclude": args.exclude, "options": options}).config
    session = open_session(plugins, config, args.paths)
    session.load(args.paths)
    return session


def run_baseline(args: argparse.Namespace, plugins: Plugins, names: list[str]) -> int:
    session = _scan(args, plugins, names)
    result, _ = session.check()
    if result.errors:
        for error in result.errors:
            print(f"iacguard: error: {error.kind}: {error.first_line}", file=sys.stderr)
        return 2
    if args.baseline_command == "create":
        written = baseline.create(result.findings, session.root)
        args.output.write_text(baseline.dumps(written), encoding="utf-8")
        print(f"baseline {args.output}: {len(written.entries)} findings accepted", file=sys.stderr)
        return 0
    old = baseline.read(args.baseline)
    kept, dropped = baseline.update(old, result.findings)
    target = args.output or args.baseline
    target.write_text(baseline.dumps(kept), encoding="utf-8")
    print(f"baseline {target}: {len(kept.entries)} kept, {len(dropped)} fixed and dropped",
          file=sys.stderr)
    return 0


# -- config -----------------------------------------------------------------------------------
def add_config_command(sub: Any) -> None:
    command = sub.add_parser("config", help="the effective configuration and its JSON Schema")
    actions = command.add_subparsers(dest="config_command", required=True,
                                     parser_class=type(command))
    show = actions.add_parser("show", help="print the effective configuration and where each "
                              "value came from")
    show.add_argument("path", nargs="?", type=Path, default=Path("."),
                      help="where the scan would start (default: .)")
    show.add_argument("--format", choices=["text", "json"], default="text")
    _add_config_file_options(show)
    show.set_defaults(run=run_config_show)
    schema = actions.add_parser("schema", help="print the JSON Schema of the config file")
    schema.set_defaults(run=lambda _a: _print_schema())


def _print_schema() -> int:
    sys.stdout.write(json.dumps(config_schema(), indent=2, sort_keys=True) + "\n")
    return 0


def _leaves(data: dict[str, Any]) -> dict[str, Any]:
    """Top-level keys, and one level below for the sections merged entry by entry."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("policies", "options", "suppressions") and isinstance(value, dict) and value:
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def _plain(effective: EffectiveConfig) -> dict[str, Any]:
    """The configuration as the file would write it (severities by name)."""
    data = effective.config.model_dump(mode="json")
    data["fail_on"] = effective.config.fail_on.label
    for settings in data["policies"].values():
        if settings.get("severity") is not None:
            settings["severity"] = Severity(settings["severity"]).label
    return data


def show_lines(effective: EffectiveConfig) -> list[str]:
    leaves = _leaves(_plain(effective))
    width = max(len(k) for k in leaves) + 2
    lines = []
    for key, value in leaves.items():
        source = effective.sources.get(key, "default")
        lines.append(f"{key + ':':<{width}}{json.dumps(value, sort_keys=True)}    # {source}")
    return lines


def run_config_show(args: argparse.Namespace) -> int:
    effective = effective_config(args.path, config_file=args.config, org_file=args.org_config)
    if args.format == "json":
        sys.stdout.write(json.dumps({"config": _plain(effective), "sources": effective.sources,
                                     "files": [str(f) for f in effective.files]},
                                    indent=2, sort_keys=True) + "\n")
        return 0
    files = ", ".join(str(f) for f in effective.files) or "none (defaults)"
    print(f"# configuration files: {files}")
    print("\n".join(show_lines(effective)))
    return 0


# -- explain ----------------------------------------------------------------------------------
def effective_params(session: Session, meta: PolicyMeta) -> dict[str, tuple[Any, Any]]:
    """Each parameter's effective value (the catalogue default with the configuration on
    top, validated) and its default."""
    settings: dict[str, Any] = {}
    for key in (meta.id, meta.name):
        if key in session.config.policies:
            settings.update(session.config.policies[key].params)
    params = session.checks.validate_params(meta, settings)
    values = params.model_dump(mode="json")
    return {name: (values.get(name, default), default) for name, default in meta.params.items()}
