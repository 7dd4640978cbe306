"""`iacguard graph --format html`: one self-contained page drawn by cytoscape.js (vendored
under `vendor/`, inlined: nothing is fetched, the page works offline).

What a real estate needs: the page opens on the resources with findings and their
neighbours (clicking a resource expands its neighbours), each deployment scope is one
group, search zooms to its matches, and a size guard keeps the drawing responsive (views
up to `FORCE_LAYOUT_MAX` resources get cytoscape's force-directed `cose` layout, larger
ones a packed layout per scope; "show all" is offered up to `SHOW_ALL_MAX`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

FORCE_LAYOUT_MAX = 300
SHOW_ALL_MAX = 5000


@cache
def cytoscape_js() -> str:
    return (files("iacguard_builtin.reporters") / "vendor" / "cytoscape.min.js").read_text(encoding="utf-8")


def _inline_json(value: Any) -> str:
    # Inside <script>, "</" would end the element early: escape it (valid JSON either way).
    return json.dumps(value, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")


HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>iacguard graph</title>
<style>
  html, body { margin: 0; height: 100%; font: 13px system-ui, sans-serif; color: #222; }
  #app { display: flex; height: 100%; }
  #canvas { flex: 1; background: #fbfbfb; min-width: 0; }
  #side { width: 380px; border-left: 1px solid #ddd; padding: 10px 14px; overflow: auto;
          overflow-wrap: anywhere; }
  h1 { font-size: 15px; margin: 0 0 6px; }
  .legend span { display: inline-block; margin: 0 10px 4px 0; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
            margin-right: 4px; vertical-align: middle; }
  .finding { border-left: 3px solid #d62728; padding: 3px 8px; margin: 6px 0; background: #fff5f5; }
  .sev { font-weight: 600; text-transform: uppercase; font-size: 11px; }
  .muted { color: #777; }
  input { width: 100%; box-sizing: border-box; padding: 4px; margin: 6px 0; }
  button { margin: 0 6px 6px 0; }
</style>
</head>
<body>
<div id="app">
  <div id="canvas"></div>
  <div id="side">
    <h1>iacguard resource graph</h1>
    <div id="summary" class="muted"></div>
    <div id="view" class="muted"></div>
    <div class="legend" id="legend"></div>
    <button id="show-findings">Findings first</button><button id="show-all">Show all</button>
    <input id="search" placeholder="search: kind, name, namespace or rule id (Enter zooms)">
    <div id="matches" class="muted"></div>
    <div id="details"><p class="muted">Click a resource to see its findings and expand its
      neighbours. Resources ringed in red have findings; boxes are deployment scopes.
      Drag to pan, wheel to zoom.</p></div>
    <div id="status" hidden></div>
  </div>
</div>
<script id="graph-data" type="application/json">__DATA__</script>
<script id="graph-colours" type="application/json">__COLOURS__</script>
<script>
__CYTOSCAPE__
;(function () {
  "use strict";
  var FORCE_LAYOUT_MAX = __FORCE_MAX__, SHOW_ALL_MAX = __SHOW_ALL_MAX__;
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var colours = JSON.parse(document.getElementById("graph-colours").textContent);
  var nodes = data.nodes, edges = data.edges, findings = data.findings;
  var byId = {}, neighbours = {};
  nodes.forEach(function (n) { byId[n.id] = n; neighbours[n.id] = []; });
  var links = edges.filter(function (e) { return e.source in byId && e.target in byId; });
  links.forEach(function (e) {
    neighbours[e.source].push(e.target); neighbours[e.target].push(e.source);
  });
  var SEV = ["info", "low", "medium", "high", "critical"];
  function worst(n) {
    var w = -1;
    n.findings.forEach(function (i) { w = Math.max(w, SEV.indexOf(findings[i].severity)); });
    return w;
  }
  function colourOf(fmt) { return colours[fmt] || colours[""]; }
  function scopeOf(n) { return n.scope || n.variant || n.format; }

  var cy = cytoscape({
    container: document.getElementById("canvas"),
    wheelSensitivity: 0.3, minZoom: 0.02, maxZoom: 4,
    style: [
      {selector: "node", style: {"background-color": "data(colour)", "label": "data(label)",
        "font-size": 9, "text-valign": "bottom", "text-margin-y": 3, "width": 18, "height": 18,
        "min-zoomed-font-size": 7, "text-max-width": 140, "text-wrap": "ellipsis"}},
      {selector: "node.hit", style: {"border-width": 3, "border-color": "#d62728"}},
      {selector: "node.critical", style: {"border-color": "#7b1fa2", "width": 24, "height": 24}},
      {selector: "node.match", style: {"background-color": "#ffd400", "border-width": 3,
        "border-color": "#222"}},
      {selector: ":parent", style: {"background-color": "#eef1f5", "background-opacity": 0.6,
        "border-color": "#b8c0cc", "border-width": 1, "label": "data(label)", "font-size": 12,
        "font-weight": 600, "text-valign": "top", "color": "#555", "padding": 12,
        "shape": "round-rectangle"}},
      {selector: "edge", style: {"width": 1, "line-color": "#aaa", "target-arrow-color": "#aaa",
        "target-arrow-shape": "triangle", "arrow-scale": 0.6, "curve-style": "bezier",
        "label": "data(kind)", "font-size": 7, "color": "#777", "min-zoomed-font-size": 8}}
    ]
  });

  var shown = {};
  function element(n) {
    var w = worst(n), classes = [];
    if (n.findings.length) { classes.push("hit"); }
    if (w === 4) { classes.push("critical"); }
    return {group: "nodes", data: {id: n.id, label: n.label, colour: colourOf(n.format),
      parent: "scope:" + scopeOf(n)}, classes: classes.join(" ")};
  }
  function add(ids) {
    var added = [];
    ids.forEach(function (id) {
      if (shown[id]) { return; }
      shown[id] = true;
      var n = byId[id], parent = "scope:" + scopeOf(n);
      if (cy.getElementById(parent).empty()) {
        added.push({group: "nodes", data: {id: parent, label: scopeOf(n)}});
      }
      added.push(element(n));
    });
    links.forEach(function (e, i) {
      var id = "edge:" + i;
      if (shown[e.source] && shown[e.target] && cy.getElementById(id).empty() &&
          (ids.indexOf(e.source) >= 0 || ids.indexOf(e.target) >= 0)) {
        added.push({group: "edges", data: {id: id, source: e.source, target: e.target, kind: e.kind}});
      }
    });
    cy.add(added);
  }
  // Large views: scopes packed in rows, each scope's members on a grid (fast, no overlap).
  function packed() {
    var x = 0, y = 0, rowHeight = 0, step = 80, gap = 80, area = 0, positions = {};
    var parents = cy.nodes(":parent").sort(function (a, b) { return a.id() < b.id() ? -1 : 1; });
    parents.forEach(function (p) {
      var side = Math.ceil(Math.sqrt(p.children().length)) * step + gap;
      area += side * side;
    });
    var width = Math.max(1200, Math.sqrt(area * 1.6));  // about the shape of a screen
    parents.forEach(function (p) {
      var kids = p.children().sort(function (a, b) { return a.id() < b.id() ? -1 : 1; });
      var cols = Math.max(1, Math.ceil(Math.sqrt(kids.length)));
      var w = cols * step, h = Math.ceil(kids.length / cols) * step;
      if (x > 0 && x + w > width) { x = 0; y += rowHeight + gap; rowHeight = 0; }
      kids.forEach(function (k, i) {
        positions[k.id()] = {x: x + (i % cols) * step, y: y + Math.floor(i / cols) * step};
      });
      x += w + gap; rowHeight = Math.max(rowHeight, h);
    });
    return {name: "preset", positions: function (n) { return positions[n.id()] || {x: 0, y: 0}; },
            fit: true, padding: 30, animate: false};
  }
  function layout() {
    var count = cy.nodes().not(":parent").length;
    var options = count <= FORCE_LAYOUT_MAX
      ? {name: "cose", animate: false, randomize: false, fit: true, padding: 30,
         nodeRepulsion: function () { return 8000; }, idealEdgeLength: function () { return 60; },
         numIter: 1500}
      : packed();
    cy.layout(options).run();
    report();
  }
  function view(ids, label) {
    cy.elements().remove();
    shown = {};
    add(ids);
    cy.nodes().forEach(function (n) { if (!n.isParent() && !n.position().x) {
      // deterministic start for the force layout: spread by index
      var i = n.id().length * 37 % 997; n.position({x: (i % 40) * 30, y: Math.floor(i / 40) * 30});
    }});
    document.getElementById("view").textContent = label + ": showing " +
      cy.nodes().not(":parent").length + " of " + nodes.length;
    layout();
  }
  function findingsFirst() {
    var ids = {};
    nodes.forEach(function (n) {
      if (n.findings.length) { ids[n.id] = true; neighbours[n.id].forEach(function (m) { ids[m] = true; }); }
    });
    var list = Object.keys(ids).sort();
    if (!list.length) { list = nodes.slice(0, SHOW_ALL_MAX).map(function (n) { return n.id; }); }
    view(list, "findings first");
  }
  function showAll() {
    if (nodes.length > SHOW_ALL_MAX) {
      document.getElementById("view").textContent = nodes.length + " resources are more than " +
        SHOW_ALL_MAX + " drawn at once: search or expand from findings instead";
      return;
    }
    view(nodes.map(function (n) { return n.id; }), "all resources");
  }
  function report() {  // what the page drew, for people and for the headless test
    var bb = cy.nodes().not(":parent").renderedBoundingBox();
    var status = document.getElementById("status");
    status.setAttribute("data-drawn", String(cy.nodes().not(":parent").length));
    status.setAttribute("data-groups", String(cy.nodes(":parent").length));
    status.setAttribute("data-bbox", [bb.x1, bb.y1, bb.w, bb.h].map(Math.round).join(" "));
    status.setAttribute("data-viewport", [cy.width(), cy.height()].join(" "));
  }

  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } }
  function line(parent, tag, textValue, cls) {
    var el = document.createElement(tag);
    el.textContent = textValue;
    if (cls) { el.className = cls; }
    parent.appendChild(el);
    return el;
  }
  function show(n) {
    var box = document.getElementById("details");
    clear(box);
    line(box, "h1", n.label);
    line(box, "div", n.kind + " · " + n.format + (n.namespace ? " · ns " + n.namespace : "") +
         " · scope " + scopeOf(n), "muted");
    line(box, "div", n.location, "muted");
    if (!n.findings.length) { line(box, "p", "No findings.", "muted"); }
    n.findings.forEach(function (i) {
      var f = findings[i], div = line(box, "div", "", "finding");
      line(div, "span", f.severity + " ", "sev");
      line(div, "span", f.rule_id + " " + f.rule_name);
      line(div, "div", f.message);
      line(div, "div", f.location, "muted");
    });
  }
  cy.on("tap", "node", function (evt) {
    var node = evt.target;
    if (node.isParent()) { return; }
    show(byId[node.id()]);
    var hidden = neighbours[node.id()].filter(function (m) { return !shown[m]; });
    if (hidden.length) { add(hidden); layout(); }
  });
  function search(zoom) {
    var q = document.getElementById("search").value.trim().toLowerCase();
    cy.nodes().removeClass("match");
    if (!q) { document.getElementById("matches").textContent = ""; return; }
    var hits = nodes.filter(function (n) {
      var hay = [n.kind, n.name, n.namespace || "", n.label].join(" ").toLowerCase();
      return hay.indexOf(q) >= 0 || n.findings.some(function (i) {
        return findings[i].rule_id.toLowerCase() === q; });
    }).map(function (n) { return n.id; });
    var missing = hits.filter(function (id) { return !shown[id]; });
    if (missing.length && missing.length + cy.nodes().length <= SHOW_ALL_MAX) { add(missing); layout(); }
    var matched = cy.collection();
    hits.forEach(function (id) { matched = matched.union(cy.getElementById(id)); });
    matched.addClass("match");
    document.getElementById("matches").textContent = hits.length + " matches";
    if (zoom && matched.length) { cy.animate({fit: {eles: matched, padding: 60}, duration: 300}); }
  }
  var searchBox = document.getElementById("search");
  searchBox.addEventListener("input", function () { search(false); });
  searchBox.addEventListener("keydown", function (e) { if (e.key === "Enter") { search(true); } });
  document.getElementById("show-all").addEventListener("click", showAll);
  document.getElementById("show-findings").addEventListener("click", findingsFirst);

  var legend = document.getElementById("legend");
  Object.keys(colours).filter(function (k) { return k; }).sort().forEach(function (fmt) {
    var span = line(legend, "span", "");
    var sw = line(span, "span", "", "swatch");
    sw.style.background = colours[fmt];
    span.appendChild(document.createTextNode(fmt));
  });
  document.getElementById("summary").textContent = nodes.length + " resources, " + links.length +
    " edges, " + findings.length + " findings";
  findingsFirst();
  window.iacguardGraph = {cy: cy, search: search, showAll: showAll, findingsFirst: findingsFirst};
})();
</script>
</body>
</html>
"""


def render_html(data: dict[str, Any], colours: dict[str, str]) -> str:
    return (HTML_TEMPLATE
            .replace("__FORCE_MAX__", str(FORCE_LAYOUT_MAX))
            .replace("__SHOW_ALL_MAX__", str(SHOW_ALL_MAX))
            .replace("__CYTOSCAPE__", cytoscape_js())
            .replace("__COLOURS__", _inline_json(colours))
            .replace("__DATA__", _inline_json(data)))  # last: nothing in the data is substituted
