"""Registers the built-in output formats."""

from __future__ import annotations

from iacguard.plugin import hookimpl
from iacguard.reporting import ReporterRegistry
from iacguard_reporters import (
    conftest_report,
    graph_render,
    json_report,
    markdown_report,
    sarif_report,
    text_report,
)


@hookimpl
def iacguard_register_reporters(registry: ReporterRegistry) -> None:
    registry.add("text", text_report.render)
    registry.add("json", json_report.render)
    registry.add("sarif", sarif_report.render)
    registry.add("conftest", conftest_report.render)
    registry.add("markdown", markdown_report.render)
    for fmt in ("html", "dot", "json"):
        registry.add_drawing(fmt, graph_render.drawing(fmt))
