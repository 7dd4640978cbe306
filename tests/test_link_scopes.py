"""Deployment scopes: linking and scope-wide policies never mix resources of two scopes.

Each scope here is the same kind of manifest set loaded under its own `Resource.scope` (as
the engine sets it per Terraform root, chart profile, kustomize build or manifest folder).
The pooled variants (every scope None, as before the engine sets scopes) show what the scope
changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import iacguard_builtin.kubernetes.link as k8s_link
import pytest
from iacguard_builtin.kubernetes.loader import load_text
from iacguard_builtin.kubernetes.objects import make_resource, selector_matches

from iacguard.checks import CheckContext
from iacguard.config import build_config
from iacguard.graph import ResourceGraph
from iacguard.loading import LoadContext
from iacguard.model import EdgeKind, Resource, SourceSpan, Violation
from iacguard.plugin import Plugins
from iacguard.policies import load_catalogue

CONFIG = build_config({}, {})

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: web
      containers: [{name: web, image: "nginx:1.27"}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all, namespace: shop}
spec:
  podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: shop}
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
subjects:
  - {kind: ServiceAccount, name: web}
"""


def deployment(name: str, namespace: str = "shop", labels: dict[str, str] | None = None,
               account: str | None = None) -> str:
    spec = f"serviceAccountName: {account}, " if account else ""
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  template:
    metadata:
      labels: {labels or {"app": name}}
    spec: {{{spec}containers: [{{name: app, image: "nginx:1.27"}}]}}
---
"""


def role(name: str) -> str:
    return f"""\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: {name}, namespace: shop}}
rules: []
---
"""


def public_lb(name: str) -> str:
    return f"""\
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec: {{type: LoadBalancer, ports: [{{port: 443}}]}}
---
"""


def scoped_graph(plugins: Plugins, root: Path, scopes: dict[str, str], *,
                 pooled: bool = False) -> ResourceGraph:
    """One manifest text per scope, loaded and linked; `pooled` leaves every scope None."""
    ctx = LoadContext(root=root, config=CONFIG)
    resources: list[Resource] = []
    for scope, text in scopes.items():
        result = load_text(text, root / scope / "manifests.yaml", ctx, id_prefix=f"k8s:{scope}")
        assert result is not None
        resources.extend(r.model_copy(update={"scope": None if pooled else scope})
                         for r in result.resources)
    graph = ResourceGraph(resources)
    plugins.link(graph, CONFIG, root)
    return graph


def violations(plugins: Plugins, graph: ResourceGraph, policy_id: str,
               **params: Any) -> list[Violation]:
    meta = next(p for p in load_catalogue(plugins.policy_dirs()) if p.id == policy_id)
    registry = plugins.register_checks()
    check = registry.get(meta.check)
    assert check is not None
    ctx = CheckContext(graph, meta, registry.validate_params(meta, params), CONFIG)
    return list(check.func(ctx))


def flagged(found: list[Violation]) -> set[str]:
    return {v.resource.id for v in found}


def edges(graph: ResourceGraph) -> set[tuple[EdgeKind, str, str]]:
    return {(e.kind, e.source, e.target) for e in graph.edges()}


def app_edges(scope: str) -> set[tuple[EdgeKind, str, str]]:
    p = f"k8s:{scope}:"
    return {
        (EdgeKind.SELECTS, f"{p}Service:shop/web", f"{p}Deployment:shop/web"),
        (EdgeKind.SELECTS, f"{p}NetworkPolicy:shop/all", f"{p}Deployment:shop/web"),
        (EdgeKind.ROUTES_TO, f"{p}Ingress:shop/web", f"{p}Service:shop/web"),
        (EdgeKind.BINDS_ROLE, f"{p}RoleBinding:shop/reader", f"{p}Role:shop/reader"),
        (EdgeKind.BINDS_SUBJECT, f"{p}RoleBinding:shop/reader", f"{p}ServiceAccount:shop/web"),
        (EdgeKind.RUNS_AS, f"{p}Deployment:shop/web", f"{p}ServiceAccount:shop/web"),
    }


def test_identical_scopes_are_linked_each_on_its_own(plugins: Plugins, tmp_path: Path) -> None:
    graph = scoped_graph(plugins, tmp_path, {"a": APP, "b": APP})
    assert edges(graph) == app_edges("a") | app_edges("b")


def test_pooled_scopes_cross_link(plugins: Plugins, tmp_path: Path) -> None:
    graph = scoped_graph(plugins, tmp_path, {"a": APP, "b": APP}, pooled=True)
    crossing = {(kind, s, t) for kind, s, t in edges(graph) if s.split(":")[1] != t.split(":")[1]}
    assert (EdgeKind.SELECTS, "k8s:a:Service:shop/web", "k8s:b:Deployment:shop/web") in crossing
    assert (EdgeKind.SELECTS, "k8s:b:NetworkPolicy:shop/all", "k8s:a:Deployment:shop/web") in crossing


def test_open_network_policy_covers_only_its_scope(plugins: Plugins, tmp_path: Path) -> None:
    # b has policies in namespace shop, none selecting web; a's `podSelector: {}` is elsewhere.
    b = deployment("web") + deployment("db") + """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-only, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
"""
    scopes = {"a": APP, "b": b}
    graph = scoped_graph(plugins, tmp_path, scopes)
    assert flagged(violations(plugins, graph, "NETP001")) == {"k8s:b:Deployment:shop/web"}
    pooled = scoped_graph(plugins, tmp_path, scopes, pooled=True)
    assert flagged(violations(plugins, pooled, "NETP001")) == set()


def test_namespace_without_policy_is_judged_per_scope(plugins: Plugins, tmp_path: Path) -> None:
    b = deployment("web") + """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
"""
    scopes = {"a": APP, "b": b}
    graph = scoped_graph(plugins, tmp_path, scopes)
    found = violations(plugins, graph, "NETP002")
    assert [(v.resource.id, v.message) for v in found] == [
        ("k8s:b:Namespace:-/shop", "namespace shop runs workloads but has no NetworkPolicy (all "
                                   "pods accept all traffic): Deployment web"),
    ]
    pooled = scoped_graph(plugins, tmp_path, scopes, pooled=True)
    assert violations(plugins, pooled, "NETP002") == []


def test_role_count_is_per_scope(plugins: Plugins, tmp_path: Path) -> None:
    scopes = {
        "a": "".join(role(f"a{i}") for i in range(3)),
        "b": "".join(role(f"b{i}") for i in range(3)),
        "c": "".join(role(f"c{i}") for i in range(5)),
    }
    graph = scoped_graph(plugins, tmp_path, scopes)
    found = violations(plugins, graph, "RBAC001")
    listed = ", ".join(f"Role shop/c{i}" for i in range(5))
    assert [(v.resource.id, v.message) for v in found] == [
        ("k8s:c:Role:shop/c4", f"5 distinct Roles and ClusterRoles defined (at most 4): {listed}"),
    ]
    assert {r.id for v in found for r, _ in v.related} == {
        f"k8s:c:Role:shop/c{i}" for i in range(5)}
    pooled = violations(plugins, scoped_graph(plugins, tmp_path, scopes, pooled=True), "RBAC001")
    assert [v.message.split(" ", 1)[0] for v in pooled] == ["11"]


@pytest.mark.parametrize("per", ["cluster", "namespace"])
def test_public_load_balancers_are_counted_per_scope(plugins: Plugins, tmp_path: Path,
                                                     per: str) -> None:
    scopes = {"a": public_lb("edge"), "b": public_lb("edge"),
              "c": public_lb("edge") + public_lb("admin")}
    graph = scoped_graph(plugins, tmp_path, scopes)
    found = violations(plugins, graph, "ING004", per=per)
    assert flagged(found) == {"k8s:c:Service:shop/admin"}
    assert {r.id for v in found for r, _ in v.related} == {
        "k8s:c:Service:shop/edge", "k8s:c:Service:shop/admin"}
    pooled = violations(plugins, scoped_graph(plugins, tmp_path, scopes, pooled=True), "ING004",
                        per=per)
    # Pooled, the three `edge` Services are one (same namespace and name): 2 in all.
    assert [v.message.split(" ", 1)[0] for v in pooled] == ["2"]


def test_dangling_references_need_targets_in_the_same_scope(plugins: Plugins,
                                                            tmp_path: Path) -> None:
    a = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: api}
---
"""
    b = deployment("web") + """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend: {service: {name: api, port: {number: 80}}}
"""
    scopes = {"a": a, "b": b}
    graph = scoped_graph(plugins, tmp_path, scopes)
    # a holds no workload and b no Service: neither scope holds the targets, nothing to judge.
    assert violations(plugins, graph, "ING006") == []
    assert violations(plugins, graph, "ING007") == []
    pooled = scoped_graph(plugins, tmp_path, scopes, pooled=True)
    assert flagged(violations(plugins, pooled, "ING006")) == {"k8s:b:Ingress:shop/web"}
    assert flagged(violations(plugins, pooled, "ING007")) == {"k8s:a:Service:shop/web"}


def test_bindings_of_another_scope_grant_nothing(plugins: Plugins, tmp_path: Path) -> None:
    a = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: shop}
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
subjects:
  - {kind: ServiceAccount, name: default}
---
"""
    scopes = {"a": a, "b": deployment("web")}
    graph = scoped_graph(plugins, tmp_path, scopes)
    assert flagged(violations(plugins, graph, "SAT001")) == {"k8s:b:Deployment:shop/web"}
    pooled = scoped_graph(plugins, tmp_path, scopes, pooled=True)
    assert violations(plugins, pooled, "SAT001") == []


# -- linear linking -------------------------------------------------------------------------

def estate(n: int) -> ResourceGraph:
    """n Deployments with distinct `app` labels (and one shared `tier` label), n Services and
    n NetworkPolicies selecting one each, the shared label written first."""
    origin = SourceSpan(file="/estate.yaml")
    objects: list[dict[str, Any]] = []
    for i in range(n):
        labels = {"tier": "web", "app": f"app-{i}"}
        objects.append({"apiVersion": "apps/v1", "kind": "Deployment",
                        "metadata": {"name": f"app-{i}", "namespace": "shop"},
                        "spec": {"template": {"metadata": {"labels": labels},
                                              "spec": {"containers": [{"name": "app"}]}}}})
        objects.append({"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": f"app-{i}", "namespace": "shop"},
                        "spec": {"selector": labels}})
        objects.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"name": f"app-{i}", "namespace": "shop"},
                        "spec": {"podSelector": {"matchLabels": labels}}})
    return ResourceGraph(make_resource(o, id_prefix="k8s:estate", format="kubernetes",
                                       origin=origin) for o in objects)


@pytest.mark.parametrize("n", [20, 200])
def test_selectors_meet_only_candidates_sharing_a_label(monkeypatch: pytest.MonkeyPatch,
                                                        n: int) -> None:
    calls = 0

    def counting(selector: object, labels: dict[str, str]) -> bool:
        nonlocal calls
        calls += 1
        return selector_matches(selector, labels)

    monkeypatch.setattr(k8s_link, "selector_matches", counting)
    graph = estate(n)
    k8s_link.link(graph)
    selects = {(e.source, e.target) for e in graph.edges(EdgeKind.SELECTS)}
    assert selects == {(f"k8s:estate:{kind}:shop/app-{i}", f"k8s:estate:Deployment:shop/app-{i}")
                       for i in range(n) for kind in ("Service", "NetworkPolicy")}
    assert calls == 2 * n  # one candidate per selector, not every workload of the namespace
