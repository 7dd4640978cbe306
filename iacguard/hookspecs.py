"""The hooks a plugin may implement. This module is the plugin manual.

A plugin is a module (or object) registered under the entry-point group ``iacguard``,
whose functions are marked with ``iacguard.hookimpl`` and named after these specs.
Built-in plugins are registered exactly the same way. Implementations may take fewer
arguments than the spec; hooks are always called with keyword arguments.

Order of a scan: ``iacguard_addoption`` and ``iacguard_add_commands`` (CLI start-up) ->
``iacguard_policy_dirs``, ``iacguard_register_checks`` and ``iacguard_edge_kinds``
(catalogue and graph schema) -> plan: ``iacguard_claim`` per directory and file -> load:
``iacguard_load`` per claimed unit (which may call ``iacguard_render_chart`` through
``ctx.render_chart``) -> ``iacguard_link`` -> checks -> ``iacguard_register_reporters``.
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
    from iacguard.loading import ChartRequest, Claim, LoadContext, LoadResult
    from iacguard.plugin import Plugins
    from iacguard.reporting import ReporterRegistry
    from iacguard.review import PlatformRegistry

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


@hookspec
def iacguard_add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
                          plugins: Plugins) -> None:
    """Add subcommands to ``iacguard``.

    Each added parser sets ``run`` with ``set_defaults(run=func)``; ``func(args) -> int`` is
    called with the parsed arguments and returns the exit code.

    :param plugins: the loaded plugins (``--disable-plugin`` applied), for a command that
        scans (``plugins.addoption(parser)`` adds the plugins' scan options to it) or asks
        another hook (``plugins.review_platforms()``).
    """


@hookspec
def iacguard_edge_kinds() -> dict[str, str]:
    """Edge kinds this plugin draws, name -> one-line description.

    The graph refuses an edge whose kind no plugin (nor the core's well-known
    ``EdgeKind``) declared.
    """
    return {}


@hookspec(firstresult=True)
def iacguard_claim(path: Path, ctx: LoadContext) -> Claim | None:
    """Plan phase: claim a directory or a file as a unit of this loader, or return ``None``.

    Called for every directory (before its files) and for every file no claim owns. Stops
    at the first non-``None`` result. Must be cheap and read only through ``ctx.fs``: the
    engine records what a claim read, and claims again only when that changes.

    :param path: absolute path of the directory or file.
    :param ctx: the scan root, configuration and file system.
    """


@hookspec(firstresult=True)
def iacguard_load(claim: Claim, ctx: LoadContext) -> LoadResult | None:
    """Load phase: the resources of one unit this plugin claimed (``claim.loader``).

    Returns ``None`` for claims of other loaders. A claimed file with nothing of interest
    returns an empty ``LoadResult`` (it is then skipped quietly). Broken input is reported
    in ``LoadResult.problems`` with file and line, never raised. Must be a pure function of
    the claim, what it reads through ``ctx.fs`` and ``ctx.config``: the engine may run it in
    another process or serve it from a cache keyed by its recorded inputs.
    """


@hookspec(firstresult=True)
def iacguard_render_chart(request: ChartRequest, ctx: LoadContext) -> LoadResult | None:
    """Render a local Helm chart for another loader (``ctx.render_chart``).

    Returns the rendered objects and problems, or ``None`` if this plugin renders no charts.
    """


@hookspec(firstresult=True)
def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
    """Legacy one-step loader: claim *and* load a directory or file, or return ``None``.

    Asked before ``iacguard_claim`` (one-step loaders were written to claim first). Such a
    unit is loaded during the walk, so it cannot be cached or loaded in parallel; its
    ``consumed`` files are owned and ``descend`` says whether the walk goes on below a
    directory. Prefer claim + load.
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


@hookspec
def iacguard_register_review_platforms(registry: PlatformRegistry) -> None:
    """Register pull-request platforms for `iacguard pr` (``registry.add(factory)``, a
    `iacguard.review.PlatformFactory`)."""
