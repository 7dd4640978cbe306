"""dashboard: the Kubernetes dashboard is not deployed, and never with broad rights."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext, NoParams
from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource, Violation
from iacguard.values import as_dict, as_list, get
from iacguard_builtin.k8s_policies.images import is_placeholder, parse_image
from iacguard_builtin.k8s_policies.pods import Path, Pod, pods
from iacguard_builtin.k8s_policies.service_account import SubjectIndex, account_bindings, account_name

# kubernetesui/dashboard (v2), kubernetesui/dashboard-{api,web,auth} (v3, not the
# metrics-scraper), k8s.gcr.io|gcr.io/google_containers/kubernetes-dashboard-<arch> (v1),
# registry.k8s.io/dashboard/... mirrors.
_DASHBOARD_PATHS = (
    re.compile(r"(^|/)kubernetesui/dashboard(-(api|web|auth))?$"),
    re.compile(r"(^|/)kubernetes-dashboard(-(amd64|arm64|arm|ppc64le|s390x|head))?$"),
    re.compile(r"^dashboard/dashboard(-(api|web|auth))?$"),
)
DASHBOARD_NAMES = {"kubernetes-dashboard", "kubernetes-dashboard-api", "kubernetes-dashboard-web"}


def is_dashboard_image(image: str) -> bool:
    if is_placeholder(image):
        return False
    return any(p.search(parse_image(image).path) for p in _DASHBOARD_PATHS)


def dashboard_evidence(pod: Pod) -> tuple[Path, str] | None:
    """Where a workload shows that it is the dashboard: a container image, else its name."""
    for container in pod.containers():
        image = container.spec.get("image")
        if isinstance(image, str) and is_dashboard_image(image):
            return (*container.path, "image"), f"image {image}"
    if pod.workload.name in DASHBOARD_NAMES:
        return ("metadata", "name"), f"name {pod.workload.name}"
    return None


def kubernetes_dashboard_deployed(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for pod in pods(ctx.graph):
        evidence = dashboard_evidence(pod)
        if evidence is not None:
            path, what = evidence
            yield Violation.at(pod.workload, path,
                               f"{pod.workload.kind} {pod.workload.name} deploys the Kubernetes "
                               f"dashboard ({what})")


class DashboardRoleParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Roles that are broad by name (the built-in ones are never in a scan to be read).
    broad_roles: list[str] = ["cluster-admin", "admin", "edit"]


def _broad_reason(graph: ResourceGraph, binding: Resource, broad_roles: list[str]) -> str | None:
    ref = as_dict(binding.body.get("roleRef"))
    name = ref.get("name")
    if name in broad_roles:
        return f"{ref.get('kind')} {name}"
    for role in graph.targets(binding, EdgeKind.BINDS_ROLE):
        for rule in as_list(role.body.get("rules")):
            for field in ("verbs", "resources", "apiGroups"):
                if "*" in [str(v) for v in as_list(get(rule, (field,)))]:
                    return f"{role.kind} {role.name} (wildcard {field})"
    return None


def dashboard_admin_binding(ctx: CheckContext[DashboardRoleParams]) -> Iterator[Violation]:
    subjects = SubjectIndex(ctx.graph)
    for pod in pods(ctx.graph):
        if dashboard_evidence(pod) is None:
            continue
        for binding, index in account_bindings(ctx.graph, pod, subjects):
            reason = _broad_reason(ctx.graph, binding, ctx.params.broad_roles)
            if reason is None:
                continue
            yield Violation.at(binding, ("subjects", index),
                               f"{binding.kind} {binding.name} grants {reason} to ServiceAccount "
                               f"{account_name(pod)} of the Kubernetes dashboard "
                               f"({pod.workload.kind} {pod.workload.name}): anyone reaching the "
                               "dashboard gets these rights",
                               related=[(pod.workload, ("metadata", "name"))],
                               key=pod.workload.id)
