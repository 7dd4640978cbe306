"""service-account-token: pods that do not talk to the API get no API token."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext
from iacguard.graph import ResourceGraph
from iacguard.model import EdgeKind, Resource, Violation
from iacguard.values import MISSING, as_dict, as_list, is_unknown, truthy
from iacguard_builtin.k8s_policies.pods import Pod, pods
from iacguard_builtin.kubernetes.api import namespace_of

BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")


def account_name(pod: Pod) -> str:
    """The pod's ServiceAccount (`serviceAccount` is the deprecated spelling)."""
    for field in ("serviceAccountName", "serviceAccount"):
        name = pod.spec.get(field)
        if isinstance(name, str) and name:
            return name
    return "default"


class SubjectIndex:
    """(binding, subject index) of every ServiceAccount subject of the scan's bindings, by
    (scope, namespace, name) of the account: bindings of another scope never grant to it."""

    def __init__(self, graph: ResourceGraph) -> None:
        self._by_account: dict[tuple[str | None, str | None, str], list[tuple[Resource, int]]] = (
            defaultdict(list))
        for binding in graph.resources(BINDING_KINDS):
            for index, raw in enumerate(as_list(binding.body.get("subjects"))):
                subject = as_dict(raw)
                name = subject.get("name")
                if subject.get("kind") != "ServiceAccount" or not isinstance(name, str):
                    continue
                namespace = subject.get("namespace")
                if not isinstance(namespace, str) or not namespace:
                    namespace = namespace_of(binding)
                self._by_account[(binding.scope, namespace, name)].append((binding, index))

    def granting(self, pod: Pod) -> list[tuple[Resource, int]]:
        key = (pod.workload.scope, namespace_of(pod.workload), account_name(pod))
        return self._by_account.get(key, [])


def account_bindings(graph: ResourceGraph, pod: Pod,
                     subjects: SubjectIndex) -> list[tuple[Resource, int]]:
    """(binding, subject index) of every RoleBinding/ClusterRoleBinding in the scan that grants
    a role to the pod's ServiceAccount, whether or not the ServiceAccount object is scanned."""
    found: dict[tuple[str, int], Resource] = {}
    for account in graph.targets(pod.workload, EdgeKind.RUNS_AS):
        for edge in graph.in_edges(account, EdgeKind.BINDS_SUBJECT):
            index = int(str(edge.attrs.get("path", "subjects/0")).rsplit("/", 1)[-1])
            found[(edge.source, index)] = graph.get(edge.source)
    # The ServiceAccount may live outside the scan (or be the implicit `default`): match
    # binding subjects by name, as the API server does.
    for binding, index in subjects.granting(pod):
        found.setdefault((binding.id, index), binding)
    return [(binding, index) for (_, index), binding in sorted(found.items())]


class TokenParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # A workload whose named ServiceAccount is not in the scan may well need the API (that is
    # why dedicated accounts are created); report it only when this is true.
    flag_undefined_accounts: bool = False


def service_account_token_automount(ctx: CheckContext[TokenParams]) -> Iterator[Violation]:
    subjects = SubjectIndex(ctx.graph)
    for pod in pods(ctx.graph):
        workload = pod.workload
        value, path = pod.field("automountServiceAccountToken")
        if is_unknown(value):
            yield from ctx.unresolved(workload, path, "automountServiceAccountToken")
            continue
        if truthy(value) is False:
            continue  # the pod setting wins over its ServiceAccount's
        name = account_name(pod)
        if account_bindings(ctx.graph, pod, subjects):
            continue  # a role is bound to its account: the workload uses the API
        accounts = ctx.graph.targets(workload, EdgeKind.RUNS_AS)
        account_values = [a.body.get("automountServiceAccountToken", MISSING) for a in accounts]
        if value is MISSING or value is None:
            if accounts and all(truthy(v) is False for v in account_values):
                continue
            if not accounts and name != "default" and not ctx.params.flag_undefined_accounts:
                continue
        related = [(a, ("automountServiceAccountToken",)) for a in accounts]
        if value is not MISSING and value is not None:
            yield Violation.at(workload, path,
                               f"{workload.kind} {workload.name} mounts an API token for "
                               f"ServiceAccount {name}, which has no role bound in the scan",
                               related=related)
        else:
            yield Violation.at(workload, pod.path,
                               f"{workload.kind} {workload.name} gets an API token mounted for "
                               f"ServiceAccount {name} (automountServiceAccountToken is not false "
                               "on the pod or its ServiceAccount, and no role is bound to it)",
                               related=related)
