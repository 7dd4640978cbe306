"""network-policy: every workload is selected by a NetworkPolicy (default-deny, then allow).

Built to stay quiet on partial scans, where the NetworkPolicies often live in another file
or repository:
- a workload is reported only when its namespace *has* NetworkPolicies in the scan and none
  of them selects it (graph: `SELECTS` edges from NetworkPolicy to workloads);
- a namespace without any NetworkPolicy is reported once, only when the scan holds the
  `Namespace` object itself (the scan then defines the namespace, not just borrows it);
  `require_namespace_object: false` reports it for every namespace with workloads, at its
  first workload.
Namespaces covered by CNI-specific policies (Cilium, Calico, AdminNetworkPolicy) are not
judged: those can select pods in ways a Kubernetes NetworkPolicy cannot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from iacguard_kubernetes.objects import WORKLOAD_KINDS, namespace_of, same_deployment
from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext, NoParams
from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource, Violation
from iacguard.values import get

NAMESPACED_CNI_POLICIES = ("CiliumNetworkPolicy",)
CLUSTER_CNI_POLICIES = ("CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy",
                        "AdminNetworkPolicy", "BaselineAdminNetworkPolicy")


def _is_kubernetes_policy(policy: Resource) -> bool:
    """Calico also has a kind NetworkPolicy (projectcalico.org), with other selectors."""
    return (policy.api_version or "networking.k8s.io/v1").startswith("networking.k8s.io/")


def _policies_by_namespace(graph: ResourceGraph) -> tuple[dict[str, list[Resource]], set[str], bool]:
    """Kubernetes NetworkPolicies per namespace, namespaces with CNI policies, cluster-wide CNI
    policies present."""
    kube: dict[str, list[Resource]] = defaultdict(list)
    cni: set[str] = set()
    for policy in graph.resources("NetworkPolicy"):
        if _is_kubernetes_policy(policy):
            kube[namespace_of(policy) or ""].append(policy)
        else:
            cni.add(namespace_of(policy) or "")
    for policy in graph.resources(NAMESPACED_CNI_POLICIES):
        cni.add(namespace_of(policy) or "")
    cluster_wide = any(True for _ in graph.resources(CLUSTER_CNI_POLICIES))
    return kube, cni, cluster_wide


def workload_without_network_policy(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    kube, cni, cluster_wide = _policies_by_namespace(ctx.graph)
    if cluster_wide:
        return
    for workload in ctx.graph.resources(WORKLOAD_KINDS):
        namespace = namespace_of(workload) or ""
        policies = [p for p in kube.get(namespace, []) if same_deployment(p, workload)]
        if not policies or namespace in cni:
            continue
        selecting = [policy for e in ctx.graph.in_edges(workload, EdgeKind.SELECTS)
                     if (policy := ctx.graph.get(e.source)).kind == "NetworkPolicy"]
        if any(_isolates_ingress(policy) for policy in selecting):
            continue
        if selecting:
            # Egress-only policies leave the pods open to every inbound connection.
            names = ", ".join(sorted({p.name for p in selecting}))
            yield Violation.at(workload, ("metadata", "name"),
                               f"{workload.kind} {workload.name} is selected only by egress "
                               f"NetworkPolicies ({names}): its pods accept all inbound traffic",
                               related=[(p, ("spec", "policyTypes")) for p in selecting])
            continue
        names = ", ".join(sorted({p.name for p in policies}))
        yield Violation.at(workload, ("metadata", "name"),
                           f"{workload.kind} {workload.name} is selected by no NetworkPolicy of "
                           f"namespace {namespace} ({names}): its pods accept all traffic",
                           related=[(p, ("spec", "podSelector")) for p in policies])


def _isolates_ingress(policy: Resource) -> bool:
    """Whether the policy restricts inbound traffic: `policyTypes` lists Ingress, or is not
    written (Kubernetes then always includes Ingress)."""
    types = get(policy.body, ("spec", "policyTypes"))
    if not isinstance(types, list) or not types:
        return True
    return any(str(t) == "Ingress" for t in types)


class NamespaceParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    require_namespace_object: bool = True


def namespace_without_network_policy(ctx: CheckContext[NamespaceParams]) -> Iterator[Violation]:
    kube, cni, cluster_wide = _policies_by_namespace(ctx.graph)
    if cluster_wide:
        return
    workloads: dict[str, list[Resource]] = defaultdict(list)
    for workload in ctx.graph.resources(WORKLOAD_KINDS):
        workloads[namespace_of(workload) or ""].append(workload)
    namespaces: dict[str, Resource] = {}
    for namespace in ctx.graph.resources("Namespace"):
        namespaces.setdefault(namespace.name, namespace)
    for name, members in sorted(workloads.items()):
        if kube.get(name) or name in cni:
            continue
        ordered = sorted(members, key=lambda r: (r.origin.file, r.origin.start_line, r.id))
        listed = ", ".join(dict.fromkeys(f"{w.kind} {w.name}" for w in ordered))
        message = (f"namespace {name} runs workloads but has no NetworkPolicy (all pods accept "
                   f"all traffic): {listed}")
        related = [(w, ("metadata", "name")) for w in ordered]
        anchor = namespaces.get(name)
        if anchor is not None:
            yield Violation.at(anchor, ("metadata", "name"), message, related=related)
        elif not ctx.params.require_namespace_object:
            yield Violation.at(ordered[0], ("metadata", "name"), message, related=related[1:],
                               key=f"namespace={name}")
