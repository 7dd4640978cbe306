"""Edges between Kubernetes objects: selectors, Ingress backends, RBAC bindings, accounts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from iacguard.graph import ResourceGraph
from iacguard.model import Edge, EdgeKind, Resource
from iacguard.values import as_dict, as_list, get
from iacguard_kubernetes.objects import (
    WORKLOAD_KINDS,
    namespace_of,
    pod_labels,
    pod_spec,
    pod_spec_path,
    same_deployment,
    selector_matches,
)


class _Index:
    """Objects by (kind, namespace, name), for reference look-ups."""

    def __init__(self, graph: ResourceGraph) -> None:
        self.by_key: dict[tuple[str, str | None, str], list[Resource]] = defaultdict(list)
        for resource in graph.resources():
            self.by_key[(resource.kind, namespace_of(resource), resource.name)].append(resource)

    def find(self, kind: str, namespace: str | None, name: str, near: Resource) -> list[Resource]:
        return [r for r in self.by_key.get((kind, namespace, name), []) if same_deployment(r, near)]


def ingress_backends(ingress: Resource) -> Iterable[tuple[tuple[str | int, ...], str]]:
    """(path of the backend, Service name) for every backend of an Ingress (v1 and v1beta1)."""
    spec = as_dict(ingress.body.get("spec"))
    candidates: list[tuple[tuple[str | int, ...], object]] = []
    for key in ("defaultBackend", "backend"):
        if key in spec:
            candidates.append((("spec", key), spec[key]))
    for r, rule in enumerate(as_list(spec.get("rules"))):
        for p, path in enumerate(as_list(get(rule, ("http", "paths")))):
            if isinstance(path, dict) and "backend" in path:
                candidates.append((("spec", "rules", r, "http", "paths", p, "backend"),
                                   path["backend"]))
    for path, raw in candidates:
        backend = as_dict(raw)
        name = get(backend, ("service", "name"), None) or backend.get("serviceName")
        if isinstance(name, str) and name:
            yield path, name


def link(graph: ResourceGraph) -> None:
    index = _Index(graph)
    workloads = list(graph.resources(WORKLOAD_KINDS))
    for service in graph.resources("Service"):
        selector = get(service.body, ("spec", "selector"))
        if not isinstance(selector, dict) or not selector:
            continue
        for workload in workloads:
            if (namespace_of(workload) == namespace_of(service)
                    and same_deployment(workload, service)
                    and selector_matches(selector, pod_labels(workload))):
                graph.add_edge(Edge(source=service.id, target=workload.id, kind=EdgeKind.SELECTS,
                                    attrs={"path": "spec/selector"}))
    for policy in graph.resources("NetworkPolicy"):
        selector = get(policy.body, ("spec", "podSelector"), {})
        for workload in workloads:
            if (namespace_of(workload) == namespace_of(policy)
                    and same_deployment(workload, policy)
                    and selector_matches(as_dict(selector) or {"matchLabels": {}},
                                         pod_labels(workload))):
                graph.add_edge(Edge(source=policy.id, target=workload.id, kind=EdgeKind.SELECTS,
                                    attrs={"path": "spec/podSelector"}))
    for ingress in graph.resources("Ingress"):
        for path, name in ingress_backends(ingress):
            for service in index.find("Service", namespace_of(ingress), name, ingress):
                graph.add_edge(Edge(source=ingress.id, target=service.id,
                                    kind=EdgeKind.ROUTES_TO,
                                    attrs={"path": "/".join(map(str, path))}))
    for binding in graph.resources(("RoleBinding", "ClusterRoleBinding")):
        role_ref = as_dict(binding.body.get("roleRef"))
        role_kind, role_name = role_ref.get("kind"), role_ref.get("name")
        if isinstance(role_kind, str) and isinstance(role_name, str):
            role_ns = None if role_kind == "ClusterRole" else namespace_of(binding)
            for role in index.find(role_kind, role_ns, role_name, binding):
                graph.add_edge(Edge(source=binding.id, target=role.id, kind=EdgeKind.BINDS_ROLE,
                                    attrs={"path": "roleRef"}))
        for s, raw_subject in enumerate(as_list(binding.body.get("subjects"))):
            subject = as_dict(raw_subject)
            if subject.get("kind") != "ServiceAccount" or not subject.get("name"):
                continue
            ns = subject.get("namespace") or namespace_of(binding)
            for account in index.find("ServiceAccount", str(ns), str(subject["name"]), binding):
                graph.add_edge(Edge(source=binding.id, target=account.id,
                                    kind=EdgeKind.BINDS_SUBJECT, attrs={"path": f"subjects/{s}"}))
    for workload in workloads:
        spec = pod_spec(workload)
        spec_path = pod_spec_path(workload)
        if spec is None or spec_path is None:
            continue
        account_name = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
        for target in index.find("ServiceAccount", namespace_of(workload), account_name, workload):
            graph.add_edge(Edge(source=workload.id, target=target.id, kind=EdgeKind.RUNS_AS,
                                attrs={"path": "/".join((*spec_path, "serviceAccountName"))}))
