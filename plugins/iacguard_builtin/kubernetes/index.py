"""Look-up tables over the graph, so that linking and scope-wide checks stay linear.

Every key starts with the deployment scope (`Resource.scope`): objects of different scopes
never deploy together, so they never reference or select each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from iacguard.graph import ResourceGraph
from iacguard.model import Resource
from iacguard_builtin.kubernetes.objects import namespace_of, pod_labels, selector_labels

# (scope, namespace): where a namespaced object lands; namespace None for cluster-scoped kinds.
Placement = tuple[str | None, str | None]


def placement(resource: Resource) -> Placement:
    return resource.scope, namespace_of(resource)


def placement_order(where: Placement) -> tuple[str, str]:
    """A sort key for placements (None sorts as empty)."""
    return where[0] or "", where[1] or ""


class ObjectIndex:
    """Objects by (scope, kind, namespace, name), for reference look-ups."""

    def __init__(self, graph: ResourceGraph) -> None:
        self._by_key: dict[tuple[str | None, str, str | None, str], list[Resource]] = (
            defaultdict(list))
        for resource in graph.resources():
            self._by_key[(resource.scope, resource.kind, namespace_of(resource),
                          resource.name)].append(resource)

    def find(self, kind: str, namespace: str | None, name: str, near: Resource) -> list[Resource]:
        """The objects `near` can refer to by kind, namespace and name: same scope only."""
        return self._by_key.get((near.scope, kind, namespace, name), [])


class WorkloadIndex:
    """Workloads by placement and by pod label, so that a selector only meets candidates that
    carry one of the labels it requires (the selector itself still decides)."""

    def __init__(self, workloads: Iterable[Resource]) -> None:
        self.labels: dict[str, dict[str, str]] = {}
        self._by_placement: dict[Placement, list[Resource]] = defaultdict(list)
        self._by_label: dict[tuple[Placement, str, str], list[Resource]] = defaultdict(list)
        for workload in workloads:
            labels = pod_labels(workload)
            self.labels[workload.id] = labels
            where = placement(workload)
            self._by_placement[where].append(workload)
            for key, value in labels.items():
                self._by_label[(where, key, value)].append(workload)

    def candidates(self, selector: object, near: Resource) -> list[Resource]:
        """Workloads of `near`'s placement that may match `selector`: those sharing its
        rarest required label; every workload there when it requires none (empty selector,
        matchExpressions only)."""
        where = placement(near)
        required = selector_labels(selector)
        if not required:
            return self._by_placement.get(where, [])
        buckets = (self._by_label.get((where, key, value), []) for key, value in required.items())
        return min(buckets, key=len)
