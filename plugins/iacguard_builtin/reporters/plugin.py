"""Registers the built-in output formats, and the options they take."""

from __future__ import annotations

import argparse

from iacguard.plugin import hookimpl
from iacguard.reporting import ReporterRegistry
from iacguard_builtin.reporters import (
    conftest_report,
    github_report,
    graph_render,
    json_report,
    markdown_report,
    rdjson_report,
    sarif_report,
    text_report,
)


@hookimpl
def iacguard_addoption(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--sarif-category", dest=sarif_report.CATEGORY_OPTION, metavar="NAME",
                       help="the SARIF run's category (automationDetails.id NAME/): uploads "
                       "with different categories are kept side by side in GitHub code "
                       f"scanning (default: {sarif_report.DEFAULT_CATEGORY})")


@hookimpl
def iacguard_register_reporters(registry: ReporterRegistry) -> None:
    registry.add("text", text_report.render)
    registry.add("json", json_report.render)
    registry.add("sarif", sarif_report.render)
    registry.add("conftest", conftest_report.render)
    registry.add("markdown", markdown_report.render)
    registry.add("rdjson", rdjson_report.render)
    registry.add("github", github_report.render)
    for fmt in ("html", "dot", "json"):
        registry.add_drawing(fmt, graph_render.drawing(fmt))
