"""Plugin manager: entry points in, typed calls out. Nothing is loaded at import time."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

import pluggy

from iacguard import hookspecs
from iacguard.checks import CheckRegistry
from iacguard.config import Config
from iacguard.errors import PluginLoadError
from iacguard.graph import ResourceGraph
from iacguard.loading import ChartRequest, Claim, LoadContext, LoadResult
from iacguard.reporting import ReporterRegistry
from iacguard.review import PlatformRegistry

ENTRY_POINT_GROUP = "iacguard"
hookimpl = pluggy.HookimplMarker("iacguard")


@dataclass(frozen=True)
class PluginInfo:
    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...]


class Plugins:
    """A typed facade over the pluggy manager: one method per hook."""

    def __init__(self, pm: pluggy.PluginManager, origins: dict[str, tuple[str, str]]) -> None:
        self.pm = pm
        self._origins = origins  # plugin name -> (distribution, version)

    def addoption(self, parser: argparse.ArgumentParser) -> list[str]:
        """Let plugins add options; returns the `dest` names they added."""
        before = {a.dest for a in parser._actions}
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda np: str(np[0])):
            impl = getattr(plugin, "iacguard_addoption", None)
            if impl is not None:
                impl(group=parser.add_argument_group(f"{name} plugin"))
        return sorted({a.dest for a in parser._actions} - before)

    def policy_dirs(self) -> list[Traversable]:
        dirs: list[Traversable] = []
        for contributed in self.pm.hook.iacguard_policy_dirs():
            dirs.extend(contributed)
        return dirs

    def register_checks(self) -> CheckRegistry:
        registry = CheckRegistry()
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda np: str(np[0])):
            impl = getattr(plugin, "iacguard_register_checks", None)
            if impl is not None:
                registry.current_plugin = str(name)
                impl(registry=registry)
        return registry

    def claim(self, path: Path, ctx: LoadContext) -> Claim | None:
        claim: Claim | None = self.pm.hook.iacguard_claim(path=path, ctx=ctx)
        return claim

    def load(self, claim: Claim, ctx: LoadContext) -> LoadResult | None:
        result: LoadResult | None = self.pm.hook.iacguard_load(claim=claim, ctx=ctx)
        return result

    def collect(self, path: Path, ctx: LoadContext) -> LoadResult | None:
        result: LoadResult | None = self.pm.hook.iacguard_collect(path=path, ctx=ctx)
        return result

    def render_chart(self, request: ChartRequest, ctx: LoadContext) -> LoadResult | None:
        result: LoadResult | None = self.pm.hook.iacguard_render_chart(request=request, ctx=ctx)
        return result

    def edge_kinds(self) -> dict[str, str]:
        kinds: dict[str, str] = {}
        for declared in self.pm.hook.iacguard_edge_kinds():
            kinds.update(declared)
        return kinds

    def add_commands(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        self.pm.hook.iacguard_add_commands(subparsers=subparsers, plugins=self)

    def link(self, graph: ResourceGraph, config: Config, root: Path) -> None:
        self.pm.hook.iacguard_link(graph=graph, config=config, root=root)

    def register_reporters(self) -> ReporterRegistry:
        registry = ReporterRegistry()
        self.pm.hook.iacguard_register_reporters(registry=registry)
        return registry

    def review_platforms(self) -> PlatformRegistry:
        registry = PlatformRegistry()
        self.pm.hook.iacguard_register_review_platforms(registry=registry)
        return registry

    def culprit(self, exc: BaseException) -> str | None:
        """The plugin whose hook implementation raised `exc`: the innermost traceback frame
        that runs a registered hook implementation (a Terraform load that asked Helm to
        render names Helm when Helm's render hook raised)."""
        owners = {impl.function.__code__: impl.plugin_name
                  for _, plugin in self.pm.list_name_plugin()
                  for caller in self.pm.get_hookcallers(plugin) or ()
                  for impl in caller.get_hookimpls() if hasattr(impl.function, "__code__")}
        frames = [f for f, _ in traceback.walk_tb(exc.__traceback__)]
        return next((owners[f.f_code] for f in reversed(frames) if f.f_code in owners), None)

    def describe(self) -> list[PluginInfo]:
        infos = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:  # blocked
                continue
            dist, version = self._origins.get(str(name), ("(registered in code)", ""))
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            infos.append(PluginInfo(str(name), dist, version, hooks))
        return sorted(infos, key=lambda i: i.name)


def make_plugins(
    extra: Iterable[object] = (), *, blocked: Iterable[str] = (), entry_points: bool = True
) -> Plugins:
    """Load plugins from the ``iacguard`` entry-point group (and `extra`, for tests).

    `blocked` names plugins not to load (``--disable-plugin``). Set
    ``IACGUARD_TRACE_PLUGINS=1`` to print every hook call to stderr.
    """
    pm = pluggy.PluginManager("iacguard")
    pm.add_hookspecs(hookspecs)
    origins: dict[str, tuple[str, str]] = {}
    for name in blocked:
        pm.set_blocked(name)
    if entry_points:
        for ep in sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
        ):
            if pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginLoadError(ep.name, exc) from exc
            pm.register(plugin, name=ep.name)
            if ep.dist is not None:
                origins[ep.name] = (ep.dist.metadata["Name"], ep.dist.version)
    for plugin in extra:
        pm.register(plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginLoadError(str(exc.plugin), exc) from exc
    if os.environ.get("IACGUARD_TRACE_PLUGINS"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return Plugins(pm, origins)
