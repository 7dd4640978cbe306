"""Edges between Kubernetes objects: selectors, Ingress backends, RBAC bindings, accounts."""

from __future__ import annotations

from collections.abc import Iterable

from iacguard.graph import ResourceGraph
from iacguard.model import Edge, EdgeKind, Resource
from iacguard.values import as_dict, as_list, get
from iacguard_builtin.kubernetes.index import ObjectIndex, WorkloadIndex
from iacguard_builtin.kubernetes.objects import (
    WORKLOAD_KINDS,
    namespace_of,
    pod_spec,
    pod_spec_path,
    selector_matches,
)


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


def _select(graph: ResourceGraph, workloads: WorkloadIndex, selector: object,
            selector_path: str, owner: Resource) -> None:
    for workload in workloads.candidates(selector, owner):
        if selector_matches(selector, workloads.labels[workload.id]):
            graph.add_edge(Edge(source=owner.id, target=workload.id, kind=EdgeKind.SELECTS,
                                attrs={"path": selector_path}))


def link(graph: ResourceGraph) -> None:
    """Edges within each deployment scope; every look-up goes through an index (no pairs)."""
    index = ObjectIndex(graph)
    workloads = WorkloadIndex(graph.resources(WORKLOAD_KINDS))
    for service in graph.resources("Service"):
        selector = get(service.body, ("spec", "selector"))
        if isinstance(selector, dict) and selector:
            _select(graph, workloads, selector, "spec/selector", service)
    for policy in graph.resources("NetworkPolicy"):
        selector = as_dict(get(policy.body, ("spec", "podSelector"), {})) or {"matchLabels": {}}
        _select(graph, workloads, selector, "spec/podSelector", policy)
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
    for workload in graph.resources(WORKLOAD_KINDS):
        spec = pod_spec(workload)
        spec_path = pod_spec_path(workload)
        if spec is None or spec_path is None:
            continue
        account_name = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
        for target in index.find("ServiceAccount", namespace_of(workload), account_name, workload):
            graph.add_edge(Edge(source=workload.id, target=target.id, kind=EdgeKind.RUNS_AS,
                                attrs={"path": "/".join((*spec_path, "serviceAccountName"))}))
