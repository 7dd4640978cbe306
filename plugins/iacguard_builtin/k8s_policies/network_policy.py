"""network-policy: every workload is selected by a NetworkPolicy (default-deny, then allow).

Built to stay quiet on partial scans, where the NetworkPolicies often live in another file
or repository:
- a loose-manifest workload is reported only when its namespace *has* NetworkPolicies in the
  scan and none of them selects it (graph: `SELECTS` edges from NetworkPolicy to workloads);
- a workload of a Helm chart or a kustomization (a complete unit) is reported also when the
  unit ships no NetworkPolicy for its namespace at all;
- a namespace without any NetworkPolicy is reported once, only when the scan holds the
  `Namespace` object itself (the scan then defines the namespace, not just borrows it);
  `require_namespace_object: false` reports it for every namespace with workloads, at its
  first workload.
Namespaces covered by CNI-specific policies (Cilium, Calico, AdminNetworkPolicy) are not
judged: those can select pods in ways a Kubernetes NetworkPolicy cannot.
Everything is judged per deployment scope (`Resource.scope`): a policy of another scope never
deploys with the workload, so it neither covers it nor makes its namespace "have" policies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext, NoParams
from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource, Violation
from iacguard.values import get
from iacguard_builtin.kubernetes.api import WORKLOAD_KINDS, Placement, placement, placement_order

NAMESPACED_CNI_POLICIES = ("CiliumNetworkPolicy",)
# A rendered Helm chart or kustomize build is a complete deployable unit (its scope is
# `<unit>@<variant>` / `<unit>`): what it does not ship, it does not deploy. A folder of loose
# manifests may be part of a larger deployment, so it is judged only against its own policies.
COMPLETE_UNIT_FORMATS = frozenset({"helm", "kustomize"})
CLUSTER_CNI_POLICIES = ("CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy",
                        "AdminNetworkPolicy", "BaselineAdminNetworkPolicy")


def _is_kubernetes_policy(policy: Resource) -> bool:
    """Calico also has a kind NetworkPolicy (projectcalico.org), with other selectors."""
    return (policy.api_version or "networking.k8s.io/v1").startswith("networking.k8s.io/")


class _Policies:
    """Per scope: Kubernetes NetworkPolicies per namespace, namespaces with CNI policies, and
    whether cluster-wide CNI policies are present."""

    def __init__(self, graph: ResourceGraph) -> None:
        self.kube: dict[Placement, list[Resource]] = defaultdict(list)
        self.cni: set[Placement] = set()
        for policy in graph.resources("NetworkPolicy"):
            if _is_kubernetes_policy(policy):
                self.kube[placement(policy)].append(policy)
            else:
                self.cni.add(placement(policy))
        for policy in graph.resources(NAMESPACED_CNI_POLICIES):
            self.cni.add(placement(policy))
        self.cluster_wide = {policy.scope for policy in graph.resources(CLUSTER_CNI_POLICIES)}

    def judged(self, workload: Resource) -> bool:
        """Whether Kubernetes NetworkPolicies alone decide the workload's traffic."""
        return workload.scope not in self.cluster_wide and placement(workload) not in self.cni


def workload_without_network_policy(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    known = _Policies(ctx.graph)
    for workload in ctx.resources(WORKLOAD_KINDS):
        policies = known.kube.get(placement(workload), [])
        if not known.judged(workload):
            continue
        if not policies:
            if workload.format in COMPLETE_UNIT_FORMATS:
                yield _unit_without_policy(workload)
            continue
        namespace = placement(workload)[1] or ""
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


def _unit_without_policy(workload: Resource) -> Violation:
    namespace = placement(workload)[1] or ""
    unit = "Helm chart" if workload.format == "helm" else "kustomization"
    return Violation.at(workload, ("metadata", "name"),
                        f"{workload.kind} {workload.name} is selected by no NetworkPolicy: its "
                        f"{unit} ({workload.scope}) ships none for namespace {namespace}, so its "
                        "pods accept all traffic")


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
    known = _Policies(ctx.graph)
    workloads: dict[Placement, list[Resource]] = defaultdict(list)
    for workload in ctx.graph.resources(WORKLOAD_KINDS):
        if known.judged(workload):
            workloads[placement(workload)].append(workload)
    namespaces: dict[Placement, Resource] = {}
    for namespace in ctx.graph.resources("Namespace"):
        namespaces.setdefault((namespace.scope, namespace.name), namespace)
    for (scope, ns), members in sorted(workloads.items(), key=lambda i: placement_order(i[0])):
        if known.kube.get((scope, ns)):
            continue
        name = ns or ""
        ordered = sorted(members, key=lambda r: (r.origin.file, r.origin.start_line, r.id))
        listed = ", ".join(dict.fromkeys(f"{w.kind} {w.name}" for w in ordered))
        message = (f"namespace {name} runs workloads but has no NetworkPolicy (all pods accept "
                   f"all traffic): {listed}")
        related = [(w, ("metadata", "name")) for w in ordered]
        anchor = namespaces.get((scope, ns))
        if anchor is not None:
            yield Violation.at(anchor, ("metadata", "name"), message, related=related)
        elif not ctx.params.require_namespace_object:
            yield Violation.at(ordered[0], ("metadata", "name"), message, related=related[1:],
                               key=f"namespace={name}")
