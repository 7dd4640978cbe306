"""pod-security: containers run unprivileged, as non-root, confined, without host access.

Container-level policies report one finding per container (init and ephemeral containers
included) at the offending field, or at the container when the field is missing. A value a
container inherits from the pod's securityContext is reported at the pod-level field.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext, NoParams
from iacguard.model import Severity, Violation
from iacguard.values import MISSING, as_dict, as_list, get, is_unknown, pointer, truthy
from iacguard_builtin.k8s_policies.pods import Path, Pod, as_int, describe, pods, security_field
from iacguard_builtin.kubernetes.api import Container


def _containers(ctx: CheckContext[Any], *, linux_only: bool = False) -> Iterator[tuple[Pod, Container]]:
    for pod in pods(ctx.graph):
        if linux_only and pod.is_windows:
            continue
        for container in pod.containers():
            yield pod, container


def _key(container: Container) -> str:
    """Tells apart the containers that inherit one pod-level value (and share its path)."""
    return pointer(container.path)


def privileged_container(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for pod, container in _containers(ctx):
        path = (*container.path, "securityContext", "privileged")
        value = get(pod.workload.body, path)
        if is_unknown(value):
            yield from ctx.unresolved(pod.workload, path, f"{describe(container)} privileged")
        elif truthy(value) is True:
            yield Violation.at(pod.workload, path,
                               f"{describe(container)} runs privileged (all capabilities and "
                               "devices of the node)")
            continue
        # A Windows HostProcess container is the Windows form of privileged: it runs as a
        # process on the node, outside any container isolation (Pod Security baseline).
        host_process, hp_path = security_field(pod, container, "windowsOptions", "hostProcess")
        if hp_path is None:
            continue
        if is_unknown(host_process):
            yield from ctx.unresolved(pod.workload, hp_path, f"{describe(container)} hostProcess")
        elif truthy(host_process) is True:
            yield Violation.at(pod.workload, hp_path,
                               f"{describe(container)} is a Windows HostProcess container (a "
                               "process on the node with the node's privileges)", key=_key(container))


def container_runs_as_root(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for pod, container in _containers(ctx):
        uid, uid_path = security_field(pod, container, "runAsUser")
        non_root, non_root_path = security_field(pod, container, "runAsNonRoot")
        where = describe(container)
        if is_unknown(uid) and uid_path is not None:
            yield from ctx.unresolved(pod.workload, uid_path, f"{where} runAsUser")
            continue
        number = as_int(uid)
        if number == 0 and uid_path is not None:
            yield Violation.at(pod.workload, uid_path, f"{where} runs as root (runAsUser: 0)",
                               key=_key(container))
            continue
        if number is not None and number > 0:
            continue  # an explicit non-root UID overrides the image's USER
        if pod.is_windows:  # Windows has no UIDs: the account name decides
            user, user_path = security_field(pod, container, "windowsOptions", "runAsUserName")
            if isinstance(user, str) and user_path is not None:
                if user.lower() != "containeradministrator":
                    continue
                yield Violation.at(pod.workload, user_path,
                                   f"{where} runs as ContainerAdministrator", key=_key(container))
                continue
        if is_unknown(non_root) and non_root_path is not None:
            yield from ctx.unresolved(pod.workload, non_root_path, f"{where} runAsNonRoot")
        elif truthy(non_root) is not True:
            if non_root_path is not None:
                yield Violation.at(pod.workload, non_root_path,
                                   f"{where} may run as root (runAsNonRoot: false and no "
                                   "non-zero runAsUser)", key=_key(container))
            else:
                yield Violation.at(pod.workload, container.path,
                                   f"{where} may run as root (neither runAsNonRoot: true nor a "
                                   "non-zero runAsUser, in the container or the pod)")


def _container_flag(ctx: CheckContext[NoParams], field: str, required: bool, missing: str,
                    wrong: str) -> Iterator[Violation]:
    """A container-only securityContext boolean that must be `required`: reported at the
    container when absent (`missing`), at the field when set otherwise (`wrong`)."""
    for pod, container in _containers(ctx, linux_only=True):
        path: Path = (*container.path, "securityContext", field)
        value = get(pod.workload.body, path)
        where = describe(container)
        if is_unknown(value):
            yield from ctx.unresolved(pod.workload, path, f"{where} {field}")
        elif value is MISSING or value is None:
            yield Violation.at(pod.workload, container.path, f"{where} {missing}")
        elif truthy(value) is not required:
            yield Violation.at(pod.workload, path, f"{where} {wrong}")


def privilege_escalation_allowed(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    yield from _container_flag(
        ctx, "allowPrivilegeEscalation", False,
        "does not set allowPrivilegeEscalation: false (setuid binaries can gain privileges)",
        "allows privilege escalation")


def _capability(name: object) -> str:
    text = str(name).strip().upper()
    return text[4:] if text.startswith("CAP_") else text


class CapabilityParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Capabilities that may be added without a finding (Pod Security Standards "restricted").
    allowed: list[str] = ["NET_BIND_SERVICE"]
    # Added capabilities that raise the finding to high severity.
    dangerous: list[str] = [
        "ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT",
        "SYS_TIME", "DAC_READ_SEARCH", "DAC_OVERRIDE", "BPF", "PERFMON", "NET_RAW",
        "MAC_ADMIN", "MAC_OVERRIDE", "SETFCAP", "SYSLOG",
    ]


def added_capabilities(ctx: CheckContext[CapabilityParams]) -> Iterator[Violation]:
    allowed = {_capability(c) for c in ctx.params.allowed}
    dangerous = {_capability(c) for c in ctx.params.dangerous}
    for pod, container in _containers(ctx, linux_only=True):
        path: Path = (*container.path, "securityContext", "capabilities", "add")
        raw = get(pod.workload.body, path)
        if is_unknown(raw) or any(is_unknown(c) for c in as_list(raw)):
            yield from ctx.unresolved(pod.workload, path, f"{describe(container)} added capabilities")
            continue
        added = [_capability(c) for c in as_list(raw)]
        extra = [c for c in added if c not in allowed]
        if not extra:
            continue
        risky = [c for c in extra if c in dangerous]
        severity = Severity.HIGH if risky and ctx.policy.severity < Severity.HIGH else None
        yield Violation.at(pod.workload, path,
                           f"{describe(container)} adds capabilities {', '.join(extra)}"
                           + (f" (dangerous: {', '.join(risky)})" if risky else ""),
                           severity=severity)


def capabilities_not_dropped(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for pod, container in _containers(ctx, linux_only=True):
        caps_path: Path = (*container.path, "securityContext", "capabilities")
        drop = get(pod.workload.body, (*caps_path, "drop"))
        if any(_capability(c) == "ALL" for c in as_list(drop) if not is_unknown(c)):
            continue
        where = describe(container)
        if is_unknown(drop) or any(is_unknown(c) for c in as_list(drop)):
            yield from ctx.unresolved(pod.workload, (*caps_path, "drop"), f"{where} dropped capabilities")
            continue
        if drop is MISSING or drop is None:
            yield Violation.at(pod.workload, container.path,
                               f"{where} keeps the runtime's default capabilities "
                               "(capabilities.drop does not include ALL)")
        else:
            yield Violation.at(pod.workload, (*caps_path, "drop"),
                               f"{where} drops only some capabilities (add ALL to "
                               "capabilities.drop)")


HOST_NAMESPACES = {
    "hostPID": "the node's processes",
    "hostIPC": "the node's shared memory",
    "hostNetwork": "the node's network stack",
}


def host_namespace(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for pod in pods(ctx.graph):
        if pod.is_control_plane:
            continue
        for field, what in HOST_NAMESPACES.items():
            value, path = pod.field(field)
            if is_unknown(value):
                yield from ctx.unresolved(pod.workload, path, field)
            elif truthy(value) is True:
                yield Violation.at(pod.workload, path,
                                   f"{pod.workload.kind} {pod.workload.name} shares {what} "
                                   f"({field}: true)")


class HostPathParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # A hostPath is sensitive if it is one of these, lies below one (except below "/"), or
    # contains one (mounting /var/lib exposes /var/lib/kubelet).
    sensitive_paths: list[str] = [
        "/", "/etc", "/root", "/home", "/proc", "/sys", "/boot", "/dev",
        "/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker",
        "/var/run/containerd", "/run/containerd", "/var/lib/containerd",
        "/var/run/crio", "/run/crio", "/var/lib/kubelet", "/etc/kubernetes",
        "/var/run/secrets", "/run/secrets",
    ]
    # Harmless when every mount of them is read-only: public CA bundles, time zone, identity.
    read_only_allowed: list[str] = [
        "/etc/ssl/certs", "/etc/pki/ca-trust", "/etc/pki/tls/certs", "/etc/ca-certificates",
        "/usr/share/ca-certificates", "/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo",
        "/etc/machine-id", "/etc/os-release",
    ]


def _normalise(path: str) -> str:
    clean = posixpath.normpath("/" + path.strip().lstrip("/"))
    return "/" if clean in ("/", "//") else clean


def _is_sensitive(host_path: str, sensitive: list[str]) -> str | None:
    """The sensitive path that `host_path` is, lies below, or contains."""
    target = _normalise(host_path)
    for raw in sensitive:
        entry = _normalise(raw)
        if target == entry:
            return entry
        if entry != "/" and target.startswith(entry + "/"):
            return entry
        if target == "/" or entry.startswith(target + "/"):
            return entry
    return None


def _within(host_path: str, entries: list[str]) -> bool:
    target = _normalise(host_path)
    return any(target == e or target.startswith(e.rstrip("/") + "/") for e in map(_normalise, entries))


def sensitive_host_path(ctx: CheckContext[HostPathParams]) -> Iterator[Violation]:
    for pod in pods(ctx.graph):
        if pod.is_control_plane:
            continue
        for index, volume in enumerate(as_list(pod.spec.get("volumes"))):
            volume = as_dict(volume)
            name = volume.get("name")
            host_path = get(volume, ("hostPath", "path"))
            path: Path = (*pod.path, "volumes", index, "hostPath", "path")
            if is_unknown(host_path):
                yield from ctx.unresolved(pod.workload, path, f"hostPath of volume {name}")
                continue
            if not isinstance(host_path, str):
                continue
            match = _is_sensitive(host_path, ctx.params.sensitive_paths)
            if match is None:
                continue
            mounts = [
                (container, as_dict(mount))
                for container in pod.containers()
                for mount in as_list(container.spec.get("volumeMounts"))
                if as_dict(mount).get("name") == name
            ]
            if not mounts:
                continue  # declared but mounted by no container: nothing can reach it
            read_only = all(truthy(m.get("readOnly")) is True for _, m in mounts)
            if read_only and _within(host_path, ctx.params.read_only_allowed):
                continue
            users = ", ".join(
                describe(c) + (" (read-only)" if truthy(m.get("readOnly")) is True else "")
                for c, m in mounts
            )
            yield Violation.at(pod.workload, path,
                               f"volume {name} mounts host path {host_path} (sensitive: {match}) "
                               f"into {users}", key=str(name))


def _seccomp_annotation(value: object) -> bool | None:
    """Whether a legacy seccomp annotation value confines (None: not understood)."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text in ("runtime/default", "docker/default") or text.startswith("localhost/"):
        return True
    if text == "unconfined":
        return False
    return None


def unconfined_seccomp(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for pod, container in _containers(ctx, linux_only=True):
        where = describe(container)
        annotations = pod.annotations
        annotations_path = (*pod.metadata_path, "annotations")
        # Precedence as the kubelet applies it: container field, container annotation, pod
        # field, pod annotation.
        own = get(container.spec, ("securityContext", "seccompProfile", "type"))
        own_path = (*container.path, "securityContext", "seccompProfile", "type")
        pod_type, pod_type_path = pod.field("securityContext", "seccompProfile", "type")
        container_key = f"container.seccomp.security.alpha.kubernetes.io/{container.name}"
        pod_key = "seccomp.security.alpha.kubernetes.io/pod"
        candidates: list[tuple[object, Path, bool | None]] = []
        if own is not MISSING and own is not None:
            candidates.append((own, own_path, None))
        if container_key in annotations:
            candidates.append((annotations[container_key], (*annotations_path, container_key),
                               _seccomp_annotation(annotations[container_key])))
        if pod_type is not MISSING and pod_type is not None:
            candidates.append((pod_type, pod_type_path, None))
        if pod_key in annotations:
            candidates.append((annotations[pod_key], (*annotations_path, pod_key),
                               _seccomp_annotation(annotations[pod_key])))
        if not candidates:
            yield Violation.at(pod.workload, container.path,
                               f"{where} runs without a seccomp profile (Unconfined by default; "
                               "set seccompProfile.type: RuntimeDefault on the pod or container)")
            continue
        value, path, confined = candidates[0]
        if is_unknown(value):
            yield from ctx.unresolved(pod.workload, path, f"{where} seccomp profile")
            continue
        if confined is None:
            confined = value in ("RuntimeDefault", "Localhost")
        if not confined:
            yield Violation.at(pod.workload, path,
                               f"{where} runs with seccomp profile {value} (not RuntimeDefault or "
                               "Localhost)", key=_key(container))


def writable_root_filesystem(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    yield from _container_flag(
        ctx, "readOnlyRootFilesystem", True,
        "has a writable root filesystem (readOnlyRootFilesystem not set)",
        "has a writable root filesystem")
