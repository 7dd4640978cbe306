"""`iacguard graph`: the resource graph as JSON, Graphviz DOT, or a self-contained HTML page.

All three are built from one deterministic data shape (`graph_data`): nodes sorted by id,
edges by (source, target, kind), findings in report order. The HTML page has no external
resource at all (no CDN, no fonts): the data and the vendored cytoscape.js are inlined
(`graph_html`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iacguard.findings import graph_secrets, masked
from iacguard.graph import ResourceGraph
from iacguard.model import Finding, Resource, ScanResult
from iacguard_builtin.reporters import graph_html

FORMATS = ("dot", "html", "json")
# Colour per resource format (the HTML legend and DOT fill colours share it).
FORMAT_COLOURS = {
    "kubernetes": "#4e79a7",
    "helm": "#59a14f",
    "kustomize": "#b07aa1",
    "terraform": "#f28e2b",
    "terraform-plan": "#e15759",
}
FALLBACK_COLOUR = "#9c755f"


def colour(fmt: str) -> str:
    return FORMAT_COLOURS.get(fmt, FALLBACK_COLOUR)


def _rel(path: str, root: str) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:
        return path


def _finding(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "severity": finding.severity.label,
        "message": finding.message,
        "resource": finding.resource.id,
        "location": f"{loc.path}:{loc.start_line}",
        "context": dict(sorted(finding.context.items())),
    }


def _node(resource: Resource, root: str, findings: list[int], secrets: list[str]) -> dict[str, Any]:
    # Names and ids built from sensitive values are masked as findings mask them, so that
    # a node's id still matches its findings' resource ids.
    node: dict[str, Any] = {
        "id": masked(resource.id, secrets),
        "kind": resource.kind,
        "name": masked(resource.name, secrets),
        "format": resource.format,
        "label": masked(resource.address or f"{resource.kind}/{resource.name}", secrets),
        "location": f"{_rel(resource.origin.file, root)}:{resource.origin.start_line}",
        "findings": findings,
    }
    for key in ("namespace", "variant", "scope"):
        value = getattr(resource, key)
        if value:
            node[key] = masked(value, secrets)
    return node


def graph_data(graph: ResourceGraph, result: ScanResult) -> dict[str, Any]:
    """Nodes, edges and findings; findings are referenced from nodes by index."""
    findings = [_finding(f) for f in result.findings]
    by_resource: dict[str, list[int]] = {}
    for index, finding in enumerate(result.findings):
        by_resource.setdefault(finding.resource.id, []).append(index)
    secrets = graph_secrets(graph.resources())
    ids = {r.id: masked(r.id, secrets) for r in graph.resources()}
    nodes = [_node(r, result.root, by_resource.get(ids[r.id], []), secrets)
             for r in sorted(graph.resources(), key=lambda r: r.id)]
    edges = sorted(
        ({"source": ids.get(e.source, e.source), "target": ids.get(e.target, e.target),
          "kind": str(e.kind)} for e in graph.edges()),
        key=lambda e: (e["source"], e["target"], e["kind"]),
    )
    return {"root": result.root, "nodes": nodes, "edges": edges, "findings": findings}


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(data: dict[str, Any]) -> str:
    findings = data["findings"]
    lines = ["digraph iacguard {", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, '
             'fontcolor="white"];', '  edge [fontname="Helvetica", fontsize=8, color="#777777"];']
    groups: dict[str, list[dict[str, Any]]] = {}
    for node in data["nodes"]:
        groups.setdefault(node.get("variant", ""), []).append(node)
    for cluster, (variant, nodes) in enumerate(sorted(groups.items())):
        indent = "  "
        if variant:
            lines.append(f"  subgraph cluster_{cluster} {{")
            lines.append(f"    label={_dot_string(variant)}; style=dashed; color=\"#999999\";")
            indent = "    "
        for node in nodes:
            attrs = [f"label={_dot_string(node['kind'] + chr(10) + node['name'])}",
                     f"fillcolor={_dot_string(colour(node['format']))}"]
            hits = [findings[i] for i in node["findings"]]
            tooltip = node["location"]
            if hits:
                attrs += ['color="#d62728"', "penwidth=3"]
                tooltip += "".join(f"\n{h['rule_id']} {h['message']}" for h in hits)
            attrs.append(f"tooltip={_dot_string(tooltip)}")
            lines.append(f"{indent}{_dot_string(node['id'])} [{', '.join(attrs)}];")
        if variant:
            lines.append("  }")
    for edge in data["edges"]:
        lines.append(f"  {_dot_string(edge['source'])} -> {_dot_string(edge['target'])} "
                     f"[label={_dot_string(edge['kind'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_html(data: dict[str, Any]) -> str:
    return graph_html.render_html(data, {**FORMAT_COLOURS, "": FALLBACK_COLOUR})


def render(graph: ResourceGraph, result: ScanResult, fmt: str) -> str:
    data = graph_data(graph, result)
    if fmt == "json":
        return render_json(data)
    if fmt == "dot":
        return render_dot(data)
    if fmt == "html":
        return render_html(data)
    raise ValueError(f"unknown graph format {fmt!r} (one of: {', '.join(FORMATS)})")


def drawing(fmt: str) -> Callable[[ResourceGraph, ScanResult], str]:
    """The `iacguard graph --format FMT` drawing, as registered with the reporters."""
    return lambda graph, result: render(graph, result, fmt)
