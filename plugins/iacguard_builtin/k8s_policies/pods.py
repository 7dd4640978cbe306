"""What the pods of a workload run with: containers, inherited security context, pod metadata.

Every workload kind (Pod, Deployment, ..., CronJob, PodTemplate) is read through the pod spec
helpers of `iacguard_builtin.kubernetes.objects`, so manifests, Helm renders and Terraform
`kubernetes_*` resources mapped to manifest shape look the same here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iacguard.graph import ResourceGraph
from iacguard.model import Resource
from iacguard.values import MISSING, as_dict, get
from iacguard_builtin.kubernetes.api import WORKLOAD_KINDS, Container, containers, pod_spec, pod_spec_path

Path = tuple[str | int, ...]

# securityContext fields a container inherits from the pod's securityContext when it does not
# set them itself (PodSecurityContext and SecurityContext share these).
INHERITED_FIELDS = frozenset(
    {"runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "seLinuxOptions",
     "windowsOptions", "appArmorProfile"}
)


@dataclass(frozen=True)
class Pod:
    """The pod spec of one workload."""

    workload: Resource
    path: Path  # of the pod spec inside the workload body
    spec: dict[str, Any]

    @property
    def metadata_path(self) -> Path:
        """Where the pods' own metadata (labels, annotations) is written."""
        return (*self.path[:-1], "metadata") if len(self.path) > 1 else ("metadata",)

    @property
    def annotations(self) -> dict[str, Any]:
        return as_dict(get(self.workload.body, (*self.metadata_path, "annotations")))

    @property
    def is_windows(self) -> bool:
        """Windows pods ignore the Linux-only settings (seccomp, capabilities, read-only root)."""
        os_name = get(self.spec, ("os", "name"), None)
        node_os = get(self.spec, ("nodeSelector", "kubernetes.io/os"), None)
        return bool(os_name == "windows" or node_os == "windows")

    @property
    def is_control_plane(self) -> bool:
        """A kubeadm-style control-plane static pod (kube-apiserver, etcd, ...): it needs the
        node's network and its /etc/kubernetes, by design."""
        labels = as_dict(get(self.workload.body, (*self.metadata_path, "labels")))
        return (self.workload.kind == "Pod" and self.workload.namespace == "kube-system"
                and labels.get("tier") == "control-plane")

    def field(self, *path: str | int) -> tuple[Any, Path]:
        """A pod-spec value (MISSING if absent) and its path in the workload body."""
        return get(self.spec, path), (*self.path, *path)

    def containers(self) -> Iterator[Container]:
        return containers(self.workload)


def pods(graph: ResourceGraph) -> Iterator[Pod]:
    for workload in graph.resources(WORKLOAD_KINDS):
        spec, path = pod_spec(workload), pod_spec_path(workload)
        if spec is not None and path is not None:
            yield Pod(workload, path, spec)


def security_field(pod: Pod, container: Container, *field: str) -> tuple[Any, Path | None]:
    """The effective value of `securityContext.<field>` for a container, honouring pod-level
    inheritance, and the path where it was written (None when set nowhere).

    The container's own value wins; inheritable fields fall back to the pod's value.
    """
    own_path: Path = (*container.path, "securityContext", *field)
    own = get(container.spec, ("securityContext", *field))
    if own is not MISSING and own is not None:
        return own, own_path
    if field[0] in INHERITED_FIELDS:
        pod_value, pod_path = pod.field("securityContext", *field)
        if pod_value is not MISSING and pod_value is not None:
            return pod_value, pod_path
    return MISSING, None


def describe(container: Container) -> str:
    """`container web`, `init container setup`, `ephemeral container debugger`."""
    kind = {"initContainers": "init container", "ephemeralContainers": "ephemeral container"}
    return f"{kind.get(container.field, 'container')} {container.name}"


def as_int(value: Any) -> int | None:
    """An integer field written as a number or (Terraform provider) a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None
