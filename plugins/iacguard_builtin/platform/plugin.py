"""The platform plugin: cross-format edges and the policies that need them."""

from __future__ import annotations

from pathlib import Path

from iacguard.checks import CheckRegistry
from iacguard.config import Config
from iacguard.graph import ResourceGraph
from iacguard.plugin import hookimpl
from iacguard_builtin.platform import checks, link


@hookimpl
def iacguard_link(graph: ResourceGraph, config: Config, root: Path) -> None:
    link.link(graph, config, root)


@hookimpl
def iacguard_register_checks(registry: CheckRegistry) -> None:
    registry.add("service-exposed-on-public-nodes", checks.service_exposed_on_public_nodes,
                 checks.ExposedOnPublicNodesParams)
