"""The Terraform plan plugin: `terraform show -json` documents as a loader ("terraform-plan"),
its options and the `run-task` command (a Terraform Cloud / Enterprise run task service).

Plan resources have format `terraform` and the HCL loader's shape, so the Terraform linker
draws their REFERENCES edges and every Terraform policy runs on them unchanged.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from iacguard.loading import Claim, LoadContext, LoadResult
from iacguard.plugin import hookimpl
from iacguard_plan import claim as claiming
from iacguard_plan.load import load_plan

LOADER = "terraform-plan"


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
    return Claim(loader=LOADER, path=path, owns=(path,), descend=False)


@hookimpl
def iacguard_load(claim: Claim, ctx: LoadContext) -> LoadResult | None:
    if claim.loader != LOADER:
        return None
    return load_plan(claim.path, ctx)


@hookimpl(tryfirst=True)
def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
    """The legacy one-step hook the current engine calls: claim, then load."""
    found = iacguard_claim(path, ctx)
    return iacguard_load(found, ctx) if found is not None else None
