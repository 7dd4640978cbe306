"""`iacguard graph`: the resource graph as JSON, Graphviz DOT, or a self-contained HTML page.

All three are built from one deterministic data shape (`graph_data`): nodes sorted by id,
edges by (source, target, kind), findings in report order. The HTML page has no external
resource at all (no CDN, no fonts): the data is inlined and drawn by a small force layout
in plain JavaScript on an SVG canvas.
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
    for key in ("namespace", "variant"):
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


HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>iacguard graph</title>
<style>
  html, body { margin: 0; height: 100%; font: 13px system-ui, sans-serif; color: #222; }
  #app { display: flex; height: 100%; }
  #canvas { flex: 1; background: #fbfbfb; cursor: grab; }
  #side { width: 360px; border-left: 1px solid #ddd; padding: 10px 14px; overflow: auto;
          overflow-wrap: anywhere; }
  h1 { font-size: 15px; margin: 0 0 6px; }
  .legend span { display: inline-block; margin: 0 10px 4px 0; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
            margin-right: 4px; vertical-align: middle; }
  .finding { border-left: 3px solid #d62728; padding: 3px 8px; margin: 6px 0; background: #fff5f5; }
  .sev { font-weight: 600; text-transform: uppercase; font-size: 11px; }
  .muted { color: #777; }
  input { width: 100%; box-sizing: border-box; padding: 4px; margin: 6px 0; }
  svg text { pointer-events: none; }
  .edge-label { font-size: 8px; fill: #666; }
  .node-label { font-size: 9px; fill: #333; }
  .group-label { font-size: 13px; font-weight: 600; fill: #555; }
</style>
</head>
<body>
<div id="app">
  <svg id="canvas" xmlns="http://www.w3.org/2000/svg"></svg>
  <div id="side">
    <h1>iacguard resource graph</h1>
    <div id="summary" class="muted"></div>
    <div class="legend" id="legend"></div>
    <input id="search" placeholder="highlight: kind, name, namespace or rule id">
    <div id="details"><p class="muted">Click a resource to see it and its findings.
      Nodes ringed in red have findings. Drag to pan, wheel to zoom.</p></div>
  </div>
</div>
<script id="graph-data" type="application/json">__DATA__</script>
<script id="graph-colours" type="application/json">__COLOURS__</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var colours = JSON.parse(document.getElementById("graph-colours").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("canvas");
  var nodes = data.nodes, edges = data.edges, findings = data.findings;
  var index = {};
  nodes.forEach(function (n, i) { index[n.id] = i; });
  var links = edges.filter(function (e) { return e.source in index && e.target in index; })
    .map(function (e) { return {s: index[e.source], t: index[e.target], kind: e.kind}; });

  function colourOf(fmt) { return colours[fmt] || colours[""]; }
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) { node.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function text(s) { return document.createTextNode(s); }

  // Deterministic start: groups (variant or format) on a circle, members around them.
  var groups = {}, order = [];
  nodes.forEach(function (n, i) {
    var g = n.variant || n.format;
    if (!(g in groups)) { groups[g] = []; order.push(g); }
    groups[g].push(i);
  });
  var W = 1000, H = 800, pos = [], ring = 120 + 60 * Math.sqrt(nodes.length);
  order.forEach(function (g, gi) {
    var a = 2 * Math.PI * gi / Math.max(order.length, 1);
    var cx = W / 2 + (order.length > 1 ? ring * Math.cos(a) : 0);
    var cy = H / 2 + (order.length > 1 ? ring * Math.sin(a) : 0);
    groups[g].forEach(function (i, k) {
      var b = 2.399963 * k, r = 12 * Math.sqrt(k + 1);
      pos[i] = {x: cx + r * Math.cos(b), y: cy + r * Math.sin(b), vx: 0, vy: 0,
                group: gi, gx: cx, gy: cy};
    });
  });

  // A plain force layout: repulsion between nodes (on a grid, so it stays fast),
  // springs along edges, and a pull towards each group's centre.
  function step(alpha) {
    var cell = 110, grid = {};
    pos.forEach(function (p, i) {
      var key = Math.floor(p.x / cell) + ":" + Math.floor(p.y / cell);
      (grid[key] = grid[key] || []).push(i);
    });
    pos.forEach(function (p, i) {
      var gx = Math.floor(p.x / cell), gy = Math.floor(p.y / cell);
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          var bucket = grid[(gx + dx) + ":" + (gy + dy)];
          if (!bucket) { continue; }
          bucket.forEach(function (j) {
            if (j <= i) { return; }
            var q = pos[j], ex = p.x - q.x, ey = p.y - q.y, d2 = ex * ex + ey * ey + 0.01;
            if (d2 > cell * cell) { return; }
            var f = 2500 * alpha / d2;
            p.vx += ex * f; p.vy += ey * f; q.vx -= ex * f; q.vy -= ey * f;
          });
        }
      }
    });
    links.forEach(function (l) {
      var a = pos[l.s], b = pos[l.t], ex = b.x - a.x, ey = b.y - a.y;
      var d = Math.sqrt(ex * ex + ey * ey) + 0.01, f = (d - 90) / d * 0.05 * alpha;
      a.vx += ex * f; a.vy += ey * f; b.vx -= ex * f; b.vy -= ey * f;
    });
    pos.forEach(function (p) {
      p.vx += (p.gx - p.x) * 0.006 * alpha; p.vy += (p.gy - p.y) * 0.006 * alpha;
      p.vx *= 0.6; p.vy *= 0.6; p.x += p.vx; p.y += p.vy;
    });
  }
  for (var it = 0; it < 300; it++) { step(1 - it / 300); }

  var xs = pos.map(function (p) { return p.x; }), ys = pos.map(function (p) { return p.y; });
  // Fit the drawing (labels run to the right of their node).
  var minX = Math.min.apply(null, xs.concat([W / 2])) - 40;
  var maxX = Math.max.apply(null, xs.concat([W / 2])) + 200;
  var minY = Math.min.apply(null, ys.concat([H / 2])) - 40;
  var maxY = Math.max.apply(null, ys.concat([H / 2])) + 40;
  var view = {x: minX, y: minY, w: maxX - minX, h: maxY - minY};
  function applyView() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
  applyView();

  var defs = el("defs", {}, svg);
  var marker = el("marker", {id: "arrow", viewBox: "0 0 10 10", refX: "18", refY: "5",
                             markerWidth: "6", markerHeight: "6", orient: "auto"}, defs);
  el("path", {d: "M0,0 L10,5 L0,10 z", fill: "#999"}, marker);
  var edgeLayer = el("g", {}, svg), nodeLayer = el("g", {}, svg), groupLayer = el("g", {}, svg);
  // Each group (a Helm profile, a kustomization, a format) is named above its members.
  order.forEach(function (g) {
    var members = groups[g], sx = 0, top = Infinity;
    members.forEach(function (i) { sx += pos[i].x; top = Math.min(top, pos[i].y); });
    el("text", {x: sx / members.length, y: top - 14, "class": "group-label",
                "text-anchor": "middle"}, groupLayer).appendChild(text(g));
  });
  links.forEach(function (l) {
    var a = pos[l.s], b = pos[l.t];
    el("line", {x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: "#aaa", "stroke-width": 1,
                "marker-end": "url(#arrow)"}, edgeLayer);
    el("text", {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 2, "class": "edge-label",
                "text-anchor": "middle"}, edgeLayer).appendChild(text(l.kind));
  });
  var circles = [];
  nodes.forEach(function (n, i) {
    var p = pos[i], hit = n.findings.length > 0;
    var g = el("g", {transform: "translate(" + p.x + "," + p.y + ")", style: "cursor:pointer"}, nodeLayer);
    var c = el("circle", {r: hit ? 9 : 6, fill: colourOf(n.format),
                          stroke: hit ? "#d62728" : "#fff", "stroke-width": hit ? 3 : 1}, g);
    var title = el("title", {}, g);
    title.appendChild(text(n.label + (hit ? "\\n" + n.findings.map(function (k) {
      return findings[k].rule_id + " " + findings[k].message; }).join("\\n") : "")));
    el("text", {x: 11, y: 3, "class": "node-label"}, g).appendChild(text(n.kind + "/" + n.name));
    g.addEventListener("click", function (ev) { ev.stopPropagation(); show(i); });
    circles.push(c);
  });

  function row(parent, label, value) {
    var p = document.createElement("div");
    var b = document.createElement("b"); b.appendChild(text(label + ": "));
    p.appendChild(b); p.appendChild(text(value)); parent.appendChild(p);
  }
  function show(i) {
    var n = nodes[i], box = document.getElementById("details");
    box.textContent = "";
    var h = document.createElement("h1"); h.appendChild(text(n.label)); box.appendChild(h);
    row(box, "kind", n.kind); row(box, "format", n.format);
    if (n.namespace) { row(box, "namespace", n.namespace); }
    if (n.variant) { row(box, "variant", n.variant); }
    row(box, "defined at", n.location); row(box, "id", n.id);
    var out = links.filter(function (l) { return l.s === i || l.t === i; });
    out.forEach(function (l) {
      var other = nodes[l.s === i ? l.t : l.s];
      row(box, l.s === i ? "→ " + l.kind : "← " + l.kind, other.label);
    });
    var head = document.createElement("h1");
    head.appendChild(text(n.findings.length + " finding(s)")); box.appendChild(head);
    n.findings.forEach(function (k) {
      var f = findings[k], d = document.createElement("div"); d.className = "finding";
      var s = document.createElement("span"); s.className = "sev";
      s.appendChild(text(f.severity + " " + f.rule_id + " ")); d.appendChild(s);
      d.appendChild(text(f.message));
      var loc = document.createElement("div"); loc.className = "muted";
      loc.appendChild(text(f.location)); d.appendChild(loc); box.appendChild(d);
    });
    circles.forEach(function (c, j) { c.setAttribute("opacity", j === i ? 1 : 0.35); });
  }
  svg.addEventListener("click", function () {
    circles.forEach(function (c) { c.setAttribute("opacity", 1); });
  });

  document.getElementById("search").addEventListener("input", function (ev) {
    var q = ev.target.value.toLowerCase();
    nodes.forEach(function (n, i) {
      var hay = (n.label + " " + n.kind + " " + (n.namespace || "") + " " +
                 n.findings.map(function (k) { return findings[k].rule_id; }).join(" ")).toLowerCase();
      circles[i].setAttribute("opacity", !q || hay.indexOf(q) >= 0 ? 1 : 0.15);
    });
  });

  var drag = null;
  svg.addEventListener("mousedown", function (ev) { drag = {x: ev.clientX, y: ev.clientY}; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    var k = view.w / svg.clientWidth;
    view.x -= (ev.clientX - drag.x) * k; view.y -= (ev.clientY - drag.y) * k;
    drag = {x: ev.clientX, y: ev.clientY}; applyView();
  });
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var f = ev.deltaY > 0 ? 1.15 : 1 / 1.15, r = svg.getBoundingClientRect();
    var mx = view.x + (ev.clientX - r.left) / r.width * view.w;
    var my = view.y + (ev.clientY - r.top) / r.height * view.h;
    view.x = mx - (mx - view.x) * f; view.y = my - (my - view.y) * f;
    view.w *= f; view.h *= f; applyView();
  }, {passive: false});

  var formats = {};
  nodes.forEach(function (n) { formats[n.format] = (formats[n.format] || 0) + 1; });
  var legend = document.getElementById("legend");
  Object.keys(formats).sort().forEach(function (fmt) {
    var s = document.createElement("span"), w = document.createElement("i");
    w.className = "swatch"; w.style.background = colourOf(fmt);
    s.appendChild(w); s.appendChild(text(fmt + " (" + formats[fmt] + ")")); legend.appendChild(s);
  });
  // `#node=<id>` in the address opens that resource (links from reports, screenshots).
  var wanted = decodeURIComponent((location.hash.match(/^#node=(.*)$/) || [])[1] || "");
  if (wanted in index) { show(index[wanted]); }
  var withFindings = nodes.filter(function (n) { return n.findings.length; }).length;
  document.getElementById("summary").textContent = nodes.length + " resources, " + links.length +
    " edges, " + findings.length + " findings (" + withFindings + " resources with findings)";
})();
</script>
</body>
</html>
"""


def _inline_json(value: Any) -> str:
    # Inside <script>, "</" would end the element early: escape it (valid JSON either way).
    return json.dumps(value, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")


def render_html(data: dict[str, Any]) -> str:
    colours = {**FORMAT_COLOURS, "": FALLBACK_COLOUR}
    return HTML_TEMPLATE.replace("__COLOURS__", _inline_json(colours)).replace(
        "__DATA__", _inline_json(data))


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
