"""Adds `iacguard pr`: the findings a change adds, each on the changed line that causes it,
posted through a registered review platform (`iacguard.review`) or printed.

The platforms themselves (GitHub, GitLab, ...) are other plugins: this one decides what to
say (`classify`, `anchors`, `render`) and hands it to `iacguard.review.publish`.
"""

from __future__ import annotations

import argparse

from iacguard.plugin import Plugins, hookimpl
from iacguard_builtin.review.command import add_pr_command


@hookimpl
def iacguard_add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
                          plugins: Plugins) -> None:
    add_pr_command(subparsers, plugins)
