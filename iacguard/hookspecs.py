"""The hooks a plugin may implement. This module is the plugin manual.

A plugin is a module (or object) registered under the entry-point group ``iacguard``,
whose functions are marked with ``iacguard.hookimpl`` and named after these specs.
Built-in plugins are registered exactly the same way. Implementations may take fewer
arguments than the spec; hooks are always called with keyword arguments.

Order of a scan: ``iacguard_addoption`` (CLI start-up) -> ``iacguard_policy_dirs`` and
``iacguard_register_checks`` (catalogue) -> ``iacguard_collect`` per directory and file
-> ``iacguard_link`` -> checks -> ``iacguard_register_reporters`` (output).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from iacguard.checks import CheckRegistry
    from iacguard.config import Config
    from iacguard.graph import ResourceGraph
    from iacguard.loading import LoadContext, LoadResult
    from iacguard.reporting import ReporterRegistry

hookspec = pluggy.HookspecMarker("iacguard")


@hookspec
def iacguard_addoption(group: argparse._ArgumentGroup) -> None:
    """Add plugin options to ``iacguard scan`` (and ``iacguard graph``).

    Values land in ``Config.options`` under the option's ``dest``; the config file's
    ``options:`` mapping sets the same keys.

    :param group: an argparse argument group named after the plugin.
    """


@hookspec
def iacguard_policy_dirs() -> Sequence[Traversable]:
    """Directories of policy definitions this plugin contributes.

    Each holds ``<category>/<policy-name>/policy.yaml`` with ``pass/`` and ``fail/``
    fixtures beside it. Ids and names must be unique across all plugins.
    """
    return ()


@hookspec
def iacguard_register_checks(registry: CheckRegistry) -> None:
    """Register check functions by name (``registry.add(name, func, ParamsModel)``).

    A policy's ``check:`` field names one of them. Registering a name twice fails at
    start-up, naming both plugins.
    """


@hookspec(firstresult=True)
def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
    """Claim a directory or a file and load its resources, or return ``None``.

    Called for every directory (before its files) and then for every file not consumed
    by a directory claim. Stops at the first non-``None`` result. A claimed file with
    nothing of interest returns an empty ``LoadResult`` (it is then skipped quietly).
    Broken input is reported in ``LoadResult.problems`` with file and line, never raised.
    Must be a pure function of the files and ``ctx`` (the engine may run it in another
    process or serve it from a cache).

    :param path: absolute path of the directory or file.
    :param ctx: the scan root and configuration.
    """


@hookspec
def iacguard_link(graph: ResourceGraph, config: Config, root: Path) -> None:
    """Add edges between resources once everything is loaded (selectors, references, ...).

    Runs on the whole graph, so edges may cross formats (Terraform -> Helm -> Kubernetes).
    Must only add edges, never resources, and must be repeatable (the engine clears and
    re-links after a file is re-loaded).

    :param root: the scan root, which configured path globs are relative to.
    """


@hookspec
def iacguard_register_reporters(registry: ReporterRegistry) -> None:
    """Register output formats by name (``registry.add("json", render)``)."""
