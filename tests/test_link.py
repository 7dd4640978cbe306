"""Edges between Kubernetes objects."""

from __future__ import annotations

from pathlib import Path

from iacguard.model import EdgeKind
from iacguard.plugin import Plugins

from helpers import scan, write

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web, tier: front}
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
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other}
spec:
  selector: {app: web}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: front, namespace: shop}
spec:
  podSelector:
    matchExpressions:
      - {key: tier, operator: In, values: [front, edge]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
    - http:
        paths:
          - path: /
            backend: {service: {name: web, port: {number: 80}}}
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


def test_edges(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"app.yaml": APP})
    _, graph = scan(plugins, tmp_path)
    edges = {(e.kind, e.source.split(":", 2)[2], e.target.split(":", 2)[2]) for e in graph.edges()}
    assert edges == {
        (EdgeKind.SELECTS, "Service:shop/web", "Deployment:shop/web"),
        (EdgeKind.SELECTS, "NetworkPolicy:shop/front", "Deployment:shop/web"),
        (EdgeKind.ROUTES_TO, "Ingress:shop/web", "Service:shop/web"),
        (EdgeKind.BINDS_ROLE, "RoleBinding:shop/reader", "Role:shop/reader"),
        (EdgeKind.BINDS_SUBJECT, "RoleBinding:shop/reader", "ServiceAccount:shop/web"),
        (EdgeKind.RUNS_AS, "Deployment:shop/web", "ServiceAccount:shop/web"),
    }


def test_graph_view_is_read_only(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"app.yaml": APP})
    _, graph = scan(plugins, tmp_path)
    view = graph.nx
    try:
        view.add_node("x")
    except Exception as exc:  # networkx raises NetworkXError("Frozen graph can't be modified")
        assert "Frozen" in str(exc)
    else:
        raise AssertionError("the graph view accepted a write")
