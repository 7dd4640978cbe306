"""Kubernetes object knowledge shared by loaders and policies: kinds, pod specs, selectors.

Any loader that produces Kubernetes-shaped resources (manifests, Helm, Kustomize, Terraform
`kubernetes_*`) uses `make_resource`, so policies see one shape whatever the format.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.model import Resource, SourceSpan
from iacguard.values import as_dict, as_list, get

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding",
        "ComponentStatus", "CSIDriver", "CSINode", "CustomResourceDefinition",
        "FlowSchema", "IngressClass", "MutatingWebhookConfiguration", "Namespace", "Node",
        "PersistentVolume", "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration",
        "RuntimeClass", "StorageClass", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration",
        "VolumeAttachment", "ClusterIssuer",
    }
)

# kind -> path of the pod spec inside the object
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
    "DeploymentConfig": ("spec", "template", "spec"),  # OpenShift
    "Rollout": ("spec", "template", "spec"),  # Argo Rollouts (one with a workloadRef has none)
}
WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS)
CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")
DEFAULT_NAMESPACE = "default"


def namespace_of(resource: Resource) -> str | None:
    """The namespace a namespaced object lands in (`default` when not written)."""
    if resource.kind in CLUSTER_SCOPED_KINDS:
        return None
    return resource.namespace or DEFAULT_NAMESPACE


def make_resource(
    obj: dict[str, Any],
    *,
    id_prefix: str,
    format: str,
    origin: SourceSpan,
    source_map: Mapping[str, SourceSpan] | None = None,
    variant: str | None = None,
    context: dict[str, str] | None = None,
    address: str | None = None,
) -> Resource:
    """A Resource for a Kubernetes object; its id is `<id_prefix>:<Kind>:<ns>/<name>`."""
    kind = str(obj.get("kind", ""))
    metadata = as_dict(obj.get("metadata"))
    name = str(metadata.get("name") or metadata.get("generateName") or "(unnamed)")
    namespace = metadata.get("namespace")
    namespace = str(namespace) if namespace not in (None, "") else None
    if kind in CLUSTER_SCOPED_KINDS:
        namespace = None
    scope = namespace if namespace else "-"
    return Resource(
        id=f"{id_prefix}:{kind}:{scope}/{name}",
        kind=kind,
        name=name,
        namespace=namespace,
        api_version=str(obj.get("apiVersion", "")) or None,
        format=format,
        variant=variant,
        body=obj,
        origin=origin,
        source_map=source_map or {},
        context=context or {},
        address=address,
    )


def is_kubernetes_object(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("apiVersion"), str)
        and isinstance(data.get("kind"), str)
        and bool(data["kind"])
    )


def pod_spec_path(resource: Resource) -> tuple[str, ...] | None:
    return POD_SPEC_PATHS.get(resource.kind)


def pod_spec(resource: Resource) -> dict[str, Any] | None:
    path = pod_spec_path(resource)
    if path is None:
        return None
    spec = get(resource.body, path)
    return spec if isinstance(spec, dict) else None


def pod_labels(resource: Resource) -> dict[str, str]:
    """Labels of the pods a workload creates (its own labels for a bare Pod)."""
    path = pod_spec_path(resource)
    if path is None:
        return {}
    meta_path = (*path[:-1], "metadata", "labels") if len(path) > 1 else ("metadata", "labels")
    labels = as_dict(get(resource.body, meta_path))
    return {str(k): str(v) for k, v in labels.items()}


@dataclass(frozen=True)
class Container:
    path: tuple[str | int, ...]  # path of the container object inside the resource body
    field: str  # containers | initContainers | ephemeralContainers
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.spec.get("name", "?"))


def containers(resource: Resource) -> Iterator[Container]:
    path = pod_spec_path(resource)
    spec = pod_spec(resource)
    if path is None or spec is None:
        return
    for field in CONTAINER_FIELDS:
        for index, container in enumerate(as_list(spec.get(field))):
            if isinstance(container, dict):
                yield Container((*path, field, index), field, container)


def _selector_parts(selector: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """(matchLabels, matchExpressions) of a LabelSelector, or of a plain map (Service)."""
    if "matchLabels" in selector or "matchExpressions" in selector:
        return as_dict(selector.get("matchLabels")), as_list(selector.get("matchExpressions"))
    return selector, []


def selector_labels(selector: Any) -> dict[str, str]:
    """The labels a selector requires verbatim (its matchLabels, or the whole plain map)."""
    if not isinstance(selector, dict):
        return {}
    return {str(k): str(v) for k, v in _selector_parts(selector)[0].items()}


def selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels/matchExpressions) or a plain map (Service) matches."""
    if not isinstance(selector, dict):
        return False
    match_labels, expressions = _selector_parts(selector)
    for key, value in match_labels.items():
        if labels.get(str(key)) != str(value):
            return False
    for expr in expressions:
        if not isinstance(expr, dict):
            return False
        key = str(expr.get("key"))
        operator = expr.get("operator")
        values = [str(v) for v in as_list(expr.get("values"))]
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def annotations_of(resource: Resource) -> dict[str, str]:
    raw = as_dict(get(resource.body, ("metadata", "annotations")))
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}
