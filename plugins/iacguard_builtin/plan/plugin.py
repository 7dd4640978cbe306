"""The Terraform plan plugin: `terraform show -json` documents as a loader ("terraform-plan"),
its options and the `run-task` command (a Terraform Cloud / Enterprise run task service).

Plan resources have format `terraform` and the HCL loader's shape, so the Terraform linker
draws their REFERENCES edges and every Terraform policy runs on them unchanged.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from iacguard.comments import comments_read
from iacguard.loading import Claim, LoadContext, LoadResult
from iacguard.plugin import hookimpl
from iacguard_builtin.plan import claim as claiming
from iacguard_builtin.plan.load import config_dir, load_plan
from iacguard_builtin.terraform import api as terraform

LOADER = "terraform-plan"
HMAC_ENV = "IACGUARD_RUN_TASK_HMAC_KEY"


@hookimpl
def iacguard_addoption(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--config-dir", dest="plan_config_dir", metavar="DIR",
                       help="Terraform configuration a plan JSON was made from (default: the "
                            "plan's directory), to point findings at .tf lines")
    group.add_argument("--only-changes", dest="plan_only_changes", action="store_true",
                       default=None,
                       help="check only the resources a plan creates, updates or replaces")


@hookimpl(tryfirst=True)
def iacguard_claim(path: Path, ctx: LoadContext) -> Claim | None:
    if not ctx.fs.is_file(path) or not claiming.is_plan_candidate(path, ctx.fs):
        return None
    # A plan stands for the configuration it was made from: that root is checked through
    # the plan (planned values, findings mapped to its .tf lines), not a second time as HCL.
    source = config_dir(path, ctx)
    owns = (path, source) if source is not None and terraform.has_configuration(source, ctx) \
        else (path,)
    return Claim(loader=LOADER, path=path, owns=owns, descend=False)


@hookimpl
def iacguard_load(claim: Claim, ctx: LoadContext) -> LoadResult | None:
    if claim.loader != LOADER:
        return None
    result = load_plan(claim.path, ctx)
    # the HCL the plan was mapped to: suppressions written there apply to the plan's findings
    result.comments = comments_read(ctx)
    return result




@hookimpl
def iacguard_add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run_task = subparsers.add_parser("run-task", help="Terraform Cloud / Enterprise run task")
    commands = run_task.add_subparsers(dest="run_task_command", required=True)
    serve = commands.add_parser("serve", help="serve run-task requests over HTTP")
    serve.add_argument("--host", default=os.environ.get("IACGUARD_RUN_TASK_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("IACGUARD_RUN_TASK_PORT", "8080")))
    serve.add_argument("--config", type=Path, help="iacguard configuration file for every scan")
    serve.add_argument("--fail-on", default=os.environ.get("IACGUARD_FAIL_ON"),
                       help="lowest severity that fails the task (default: low)")
    serve.set_defaults(run=run_task_serve)


def run_task_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; the HMAC key comes from $IACGUARD_RUN_TASK_HMAC_KEY."""
    from iacguard.config import build_config, read_config_file
    from iacguard.plugin import make_plugins
    from iacguard_builtin.plan.server import RunTaskApp, Settings, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    file_data = read_config_file(args.config) if args.config else {}
    config = build_config(file_data, {"fail_on": args.fail_on})
    settings = Settings(config=config, hmac_key=os.environ.get(HMAC_ENV) or None)
    serve(RunTaskApp(make_plugins(), settings), args.host, args.port)
    return 0
