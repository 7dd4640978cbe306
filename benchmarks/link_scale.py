"""How graph build, Kubernetes linking and the checks scale with the size of an estate.

Run on demand (not part of the test suite):

    .venv/bin/python benchmarks/link_scale.py [--sizes 1000,2500,5000,10000] [--repeat 1]
        [--slowest 5]

Each estate is generated in memory, made of deployment scopes (as the engine assigns them:
one chart, root or manifest folder each) of four namespaces; a namespace holds a Namespace,
a default-deny and a matchExpressions NetworkPolicy, an Ingress routing to every app, a
public LoadBalancer, a Role bound to every app's ServiceAccount, and per app a Deployment,
Service, ServiceAccount, NetworkPolicy and ConfigMap. Namespace names repeat across scopes.
Manifests go through the manifest loader (`load_text`), so bodies and source maps are real.
Timed: `ResourceGraph(...)` (build), `plugins.link` (every linker), and every enabled policy's
check over a `CheckContext` (checks). Per 1k = total seconds per 1,000 resources: a flat
column means linear scaling.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from iacguard_builtin.kubernetes.loader import load_text
from pydantic import BaseModel

from iacguard.checks import CheckContext, CheckFunc
from iacguard.config import Config, build_config
from iacguard.graph import ResourceGraph
from iacguard.loading import LoadContext
from iacguard.model import PolicyMeta, Resource
from iacguard.plugin import Plugins, make_plugins
from iacguard.policies import LOAD_PROBLEM_CHECK, load_catalogue

ROOT = Path("/estate")
APPS_PER_NAMESPACE = 12
NAMESPACES_PER_SCOPE = 4


def app(ns: str, name: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}, labels: {{app: {name}}}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata:
      labels: {{app.kubernetes.io/part-of: {ns}, app: {name}, tier: backend}}
    spec:
      serviceAccountName: {name}
      automountServiceAccountToken: false
      securityContext: {{runAsNonRoot: true, seccompProfile: {{type: RuntimeDefault}}}}
      containers:
        - name: {name}
          image: registry.example.com/{ns}/{name}:1.4.2
          ports: [{{containerPort: 8080}}]
          envFrom: [{{configMapRef: {{name: {name}}}}}]
          resources: {{limits: {{cpu: 500m, memory: 256Mi}}}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{app.kubernetes.io/part-of: {ns}, app: {name}}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: {name}, namespace: {ns}}}
automountServiceAccountToken: false
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}-ingress, namespace: {ns}}}
spec:
  podSelector: {{matchLabels: {{app: {name}}}}}
  policyTypes: [Ingress]
  ingress: [{{from: [{{podSelector: {{matchLabels: {{app: gateway}}}}}}]}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: {name}, namespace: {ns}}}
data: {{LOG_LEVEL: info, LISTEN: ":8080"}}
---
"""


def namespace(ns: str, apps: list[str]) -> str:
    paths = "".join(f"""\
          - path: /{name}
            pathType: Prefix
            backend: {{service: {{name: {name}, port: {{number: 80}}}}}}
""" for name in apps)
    subjects = "".join(f"  - {{kind: ServiceAccount, name: {name}}}\n" for name in apps)
    return f"""\
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: backend-egress, namespace: {ns}}}
spec:
  podSelector:
    matchExpressions: [{{key: tier, operator: In, values: [backend, worker]}}]
  policyTypes: [Egress]
  egress: [{{to: [{{namespaceSelector: {{}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {ns}, namespace: {ns}}}
spec:
  ingressClassName: nginx
  tls: [{{hosts: [{ns}.example.com], secretName: {ns}-tls}}]
  rules:
    - host: {ns}.example.com
      http:
        paths:
{paths}---
apiVersion: v1
kind: Service
metadata: {{name: gateway, namespace: {ns}}}
spec:
  type: LoadBalancer
  selector: {{app: gateway}}
  ports: [{{port: 443}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: config-reader, namespace: {ns}}}
rules: [{{apiGroups: [""], resources: [configmaps], verbs: [get, list]}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: config-reader, namespace: {ns}}}
roleRef: {{kind: Role, name: config-reader, apiGroup: rbac.authorization.k8s.io}}
subjects:
{subjects}---
""" + "".join(app(ns, name) for name in apps)


def estate(size: int, config: Config) -> list[Resource]:
    """Exactly `size` resources (the last namespace may be cut short, as real scans are)."""
    ctx = LoadContext(root=ROOT, config=config)
    resources: list[Resource] = []
    s = 0
    while len(resources) < size:
        scope = f"scope-{s}"
        for n in range(NAMESPACES_PER_SCOPE):
            ns = f"team-{n}"
            apps = [f"svc-{a}" for a in range(APPS_PER_NAMESPACE)]
            result = load_text(namespace(ns, apps), ROOT / scope / f"{ns}.yaml", ctx)
            assert result is not None and not result.problems, result
            resources.extend(r.model_copy(update={"scope": scope}) for r in result.resources)
        s += 1
    return resources[:size]


class Checks:
    """Every enabled policy's check, ready to run over a graph."""

    def __init__(self, plugins: Plugins, config: Config) -> None:
        registry = plugins.register_checks()
        self.config = config
        self.runs: list[tuple[PolicyMeta, CheckFunc, BaseModel]] = []
        for meta in load_catalogue(plugins.policy_dirs()):
            check = registry.get(meta.check)
            if meta.enabled and meta.check != LOAD_PROBLEM_CHECK and check is not None:
                self.runs.append((meta, check.func, registry.validate_params(meta, {})))

    def each(self, graph: ResourceGraph) -> Iterator[tuple[str, float]]:
        """(policy, seconds) for every check run to completion over `graph`."""
        for meta, func, params in self.runs:
            start = time.perf_counter()
            for _ in func(CheckContext(graph, meta, params, self.config)):
                pass
            yield f"{meta.id} {meta.check}", time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2500,5000,10000")
    parser.add_argument("--repeat", type=int, default=1, help="median of this many runs")
    parser.add_argument("--slowest", type=int, default=5,
                        help="list this many slowest checks of the largest estate")
    args = parser.parse_args()
    plugins = make_plugins()
    config = build_config({}, {})
    checks = Checks(plugins, config)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"{'resources':>9} {'build s':>8} {'link s':>8} {'checks s':>9} {'total s':>8} "
          f"{'s per 1k':>9}")
    per_check: dict[str, float] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        resources = estate(size, config)
        rows: list[tuple[float, float, float]] = []
        for _ in range(args.repeat):
            # Start every run from a collected heap, so that a full collection the estate's
            # generation left due does not land in whichever phase comes next.
            gc.collect()
            start = time.perf_counter()
            graph = ResourceGraph(resources)
            built = time.perf_counter()
            plugins.link(graph, config, ROOT)
            linked = time.perf_counter()
            per_check = dict(checks.each(graph))
            rows.append((built - start, linked - built, sum(per_check.values())))
        build_s, link_s, checks_s = (statistics.median(r[i] for r in rows) for i in range(3))
        total = build_s + link_s + checks_s
        print(f"{size:>9} {build_s:>8.2f} {link_s:>8.2f} {checks_s:>9.2f} {total:>8.2f} "
              f"{total / size * 1000:>9.3f}")
    if args.slowest:
        print("slowest checks of the last estate:")
        for name, seconds in sorted(per_check.items(), key=lambda kv: -kv[1])[:args.slowest]:
            print(f"  {seconds:>7.2f} s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
