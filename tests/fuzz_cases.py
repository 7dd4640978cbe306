"""Fuzz targets shared by the property tests (`tests/robust/test_fuzz.py`, a small example
budget in every run) and the campaign (`benchmarks/fuzz.py`, as long as you like).

Each target is a hypothesis strategy for a small tree of files, one per loader. Every case
is scanned beside a good file, and `violations()` lists what broke an invariant:
- no exception escapes a loader or a check (no `loader-crashed` / `check-crashed`);
- every output format renders, and the machine-readable ones parse;
- two scans of the same files give byte-identical JSON;
- the good file beside the bad one keeps its findings.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.model import ScanResult
from iacguard.plugin import Plugins
from iacguard.reporting import RenderOptions

Files = dict[str, str]
GOOD = ("good.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n  containers:\n"
        "  - {name: c, image: nginx:1.25, securityContext: {privileged: true}}\n")
GOOD_RULE = "PSC001"

# -- values of the wrong type everywhere ----------------------------------------------------
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40),
                    st.floats(allow_nan=False, allow_infinity=False), _text,
                    st.sampled_from(["", "0", "true", "*", "0.0.0.0/0", "-1", "1e999", "null",
                                     "~", "{{ .Values.x }}", "${var.x}", "..", "/etc/passwd"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)), max_leaves=12)


def _yaml(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)  # JSON is YAML: any value, exactly written


# Hostile shapes mixed in now and then: nesting past every parser's stack, long strings.
deep = st.sampled_from([0, 0, 0, 0, 40, 1500, 20000])
long_text = st.sampled_from(["", "", "a" * 6000, "{{" * 500, "${" * 500, "\\" * 3000])


def _nested(value: Any, depth: int) -> str:
    return "[" * depth + json.dumps(value, ensure_ascii=False) + "]" * depth


KINDS = ["Pod", "Deployment", "Service", "Ingress", "NetworkPolicy", "Role", "ClusterRoleBinding",
         "DaemonSet", "CronJob", "Secret", "ServiceAccount", "List", "Namespace"]
FIELDS = ["metadata", "spec", "template", "containers", "securityContext", "ports", "rules",
          "subjects", "items", "data", "volumes", "hostPath", "selector", "ingress", "egress"]


@st.composite
def kubernetes_yaml(draw: st.DrawFn) -> Files:
    """Kubernetes-shaped documents whose fields hold values of any type."""
    def shaped(depth: int) -> Any:
        if depth == 0:
            return draw(values)
        keys = draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True))
        return {k: draw(st.one_of(values, st.just(None))) if draw(st.booleans()) else shaped(depth - 1)
                for k in keys}
    docs = []
    for _ in range(draw(st.integers(1, 3))):
        doc = shaped(3)
        if isinstance(doc, dict):
            doc["apiVersion"] = draw(st.sampled_from(["v1", "apps/v1", "networking.k8s.io/v1", 3, None]))
            doc["kind"] = draw(st.one_of(st.sampled_from(KINDS), values))
        if isinstance(doc, dict) and (depth := draw(deep)):
            docs.append(_yaml({k: v for k, v in doc.items() if k != "spec"})[:-1]
                        + ', "spec": ' + _nested(draw(long_text), depth) + "}")
            continue
        docs.append(_yaml(doc))
    text = "\n---\n".join(docs)
    if draw(st.booleans()):  # raw damage: a cut, a tab, a stray character
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", "\t", ":", "- ", "&a *a", "\x00", "'"])) + text[cut:]
    return {"bad.yaml": text}


FUNCTIONS = ["regex", "regexall", "replace", "parseint", "format", "cidrsubnet", "lookup", "element",
             "join", "split", "jsondecode", "yamldecode", "tostring", "tonumber", "base64decode",
             "range", "flatten", "merge", "try", "can", "length", "file", "templatefile", "substr"]


@st.composite
def hcl_fragments(draw: st.DrawFn) -> Files:
    """Terraform: locals and resources built from literals, calls and references."""
    def literal() -> str:
        return draw(st.one_of(
            st.integers(-10**6, 10**6).map(str), _text.map(json.dumps), st.sampled_from(
                ["true", "null", "[]", "{}", '"(a+)+$"', '"/(a)/"', '"0.0.0.0/0"', "var.v",
                 "local.a", "local.b", "aws_instance.x.id", "each.key", "count.index"])))

    def expr(depth: int) -> str:
        if depth == 0 or draw(st.booleans()):
            return literal()
        fn = draw(st.sampled_from(FUNCTIONS))
        args = ", ".join(expr(depth - 1) for _ in range(draw(st.integers(0, 3))))
        shape = draw(st.sampled_from(["call", "list", "cond", "for", "template"]))
        if shape == "list":
            return f"[{args}]"
        if shape == "cond":
            return f"{expr(depth - 1)} ? {expr(depth - 1)} : {expr(depth - 1)}"
        if shape == "for":
            return f"[for k, v in {expr(depth - 1)} : {expr(depth - 1)}]"
        if shape == "template":
            return json.dumps("x${" + expr(depth - 1) + "}y")
        return f"{fn}({args})"

    lines = ['variable "v" {', f"  default = {expr(2)}",
             f"  sensitive = {draw(st.sampled_from(['true', 'false']))}", "}",
             f"locals {{ deep = {_nested(draw(long_text), min(draw(deep), 300))} }}",
             "locals {", f"  a = {expr(3)}", f"  b = {expr(3)}", "}",
             'resource "aws_security_group" "x" {',
             f"  count = {draw(st.sampled_from(['1', '0', 'local.a', '-1']))}",
             "  ingress {", f"    from_port = {expr(2)}", f"    cidr_blocks = [{expr(2)}]", "  }", "}",
             'resource "kubernetes_service" "s" {', "  metadata {", f"    name = {expr(2)}", "  }",
             "  spec {", f"    type = {expr(1)}", "  }", "}"]
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", "{", "}", '"', "${", "\n}\n", "#"])) + text[cut:]
    return {"tf/main.tf": text}


@st.composite
def plan_json(draw: st.DrawFn) -> Files:
    """Terraform plan JSON with resources of the wrong shape."""
    def resource() -> Any:
        return draw(st.one_of(values, st.fixed_dictionaries({
            "address": st.one_of(st.sampled_from(["aws_security_group.x", "module.m.aws_eks_cluster.c[0]",
                                                  'kubernetes_service.s["a"]']), values),
            "type": st.one_of(st.sampled_from(["aws_security_group", "kubernetes_service"]), values),
            "name": values, "mode": st.sampled_from(["managed", "data", 3]),
            "values": values, "sensitive_values": values})))
    plan = {"format_version": draw(st.sampled_from(["1.2", "0.1", 2, None])),
            "terraform_version": "1.9.0",
            "planned_values": {"root_module": {
                "resources": [resource() for _ in range(draw(st.integers(0, 3)))],
                "child_modules": draw(values)}},
            "resource_changes": draw(st.one_of(values, st.lists(st.fixed_dictionaries(
                {"address": values, "change": st.fixed_dictionaries(
                    {"actions": values, "after": values, "after_sensitive": values})}), max_size=2))),
            "configuration": draw(values)}
    text = json.dumps(plan, ensure_ascii=False)
    if depth := draw(deep):
        text = text[:-1] + ', "variables": ' + _nested(draw(long_text), depth) + "}"
    return {"plan/tfplan.json": text}


KUSTOMIZE_KEYS = ["resources", "bases", "components", "patches", "patchesStrategicMerge", "namePrefix",
                  "configMapGenerator", "secretGenerator", "helmCharts", "images", "namespace", "kind"]


@st.composite
def kustomizations(draw: st.DrawFn) -> Files:
    """kustomization.yaml with any key holding any value, next to a plain resource."""
    entry = st.one_of(_text, st.sampled_from(["cm.yaml", "../outside", "git::ssh://git@h/x.git",
                                              "gh:o/r", "missing.yaml"]),
                      st.dictionaries(st.sampled_from(["name", "files", "path", "envs", "literals"]),
                                      values))
    keys = draw(st.lists(st.sampled_from(KUSTOMIZE_KEYS), max_size=4, unique=True))
    data = {k: draw(st.one_of(values, st.lists(entry, max_size=3))) for k in keys}
    return {"kust/kustomization.yaml": _yaml(data),
            "kust/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"}


CHART = "apiVersion: v2\nname: c\nversion: 0.1.0\n"
TEMPLATE = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
            "data:\n  x: {{ .Values.x | toString | quote }}\n  y: {{ toJson .Values.y | quote }}\n")


@st.composite
def chart_values(draw: st.DrawFn) -> Files:
    """A chart whose values (and a ci/ profile) hold anything."""
    files = {"chart/Chart.yaml": CHART, "chart/templates/cm.yaml": TEMPLATE,
             "chart/values.yaml": _yaml(draw(st.dictionaries(st.sampled_from(["x", "y", "z"]), values)))}
    if depth := draw(deep):
        files["chart/values.yaml"] = '{"x": 1, "y": ' + _nested(draw(long_text), depth) + "}"
    if draw(st.booleans()):
        files["chart/ci/a-values.yaml"] = _yaml(draw(values))
    return files


TARGETS: dict[str, Callable[[], st.SearchStrategy[Files]]] = {
    "kubernetes": kubernetes_yaml, "terraform": hcl_fragments, "plan": plan_json,
    "kustomize": kustomizations, "helm": chart_values,
}


# -- invariants --------------------------------------------------------------------------------
def _scan(plugins: Plugins, root: Path) -> tuple[ScanResult, Any]:
    session = open_session(plugins, build_config({}, {}), [root])
    session.load([root])
    return session.check()


def violations(plugins: Plugins, files: Files) -> list[str]:
    """What this case broke (empty: every invariant held)."""
    with tempfile.TemporaryDirectory(prefix="iacguard-fuzz-") as tmp:
        root = Path(tmp)
        for name, text in {**files, GOOD[0]: GOOD[1]}.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        result, graph = _scan(plugins, root)
        again, graph_again = _scan(plugins, root)
    broken = [f"{e.kind} ({e.path}): {e.message.splitlines()[0]}" for e in result.errors]
    if GOOD_RULE not in {f.rule_id for f in result.findings if f.location.path == GOOD[0]}:
        broken.append(f"the good file lost its {GOOD_RULE} finding")
    reporters = plugins.register_reporters()
    options = RenderOptions(color=False)
    rendered: dict[str, str] = {}
    for name in reporters.names():
        try:
            rendered[name] = reporters.get(name)(result, options)
        except Exception as exc:  # the invariant under test: reporters never raise
            broken.append(f"format {name} raised {type(exc).__name__}: {exc}")
    for name in reporters.drawing_names():
        try:
            rendered[f"graph-{name}"] = reporters.drawing(name)(graph, result)
        except Exception as exc:
            broken.append(f"graph format {name} raised {type(exc).__name__}: {exc}")
    for name in ("json", "sarif", "graph-json"):
        try:
            json.loads(rendered.get(name, "null"))
        except ValueError as exc:
            broken.append(f"format {name} is not valid JSON: {exc}")
    if "json" in reporters.names() and rendered.get("json") != reporters.get("json")(again, options):
        broken.append("two scans of the same files gave different JSON")
    if "graph-json" in rendered and rendered["graph-json"] != reporters.drawing("json")(graph_again, again):
        broken.append("two scans of the same files gave different graph JSON")
    return broken
