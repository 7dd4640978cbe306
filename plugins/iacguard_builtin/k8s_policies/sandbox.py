"""cluster-hardening: untrusted workloads run in a sandboxed runtime (gVisor, Kata)."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext
from iacguard.model import Violation
from iacguard.values import MISSING, is_unknown
from iacguard_builtin.k8s_policies.pods import pods
from iacguard_builtin.kubernetes.api import namespace_of, pod_labels


class SandboxParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # A workload is untrusted if its namespace matches one of these globs (and none of
    # trusted_namespaces), or if its pod labels carry any of untrusted_labels.
    untrusted_namespaces: list[str] = ["*"]
    trusted_namespaces: list[str] = ["kube-system", "kube-public", "kube-node-lease"]
    untrusted_labels: dict[str, str] = {}
    # runtimeClassNames that sandbox; a RuntimeClass in the scan whose handler is one of
    # sandboxed_handlers counts too.
    sandboxed_runtime_classes: list[str] = ["gvisor", "kata", "kata-*", "kata-containers"]
    sandboxed_handlers: list[str] = ["runsc", "runsc-*", "kata", "kata-*"]


def unsandboxed_untrusted_workload(ctx: CheckContext[SandboxParams]) -> Iterator[Violation]:
    p = ctx.params
    sandboxed = {
        rc.name for rc in ctx.graph.resources("RuntimeClass")
        if isinstance(handler := rc.body.get("handler"), str)
        and any(fnmatchcase(handler, h) for h in p.sandboxed_handlers)
    }
    for pod in pods(ctx.graph):
        workload = pod.workload
        namespace = namespace_of(workload) or ""
        labels = pod_labels(workload)
        by_label = any(labels.get(k) == v for k, v in p.untrusted_labels.items())
        by_namespace = (any(fnmatchcase(namespace, g) for g in p.untrusted_namespaces)
                        and not any(fnmatchcase(namespace, g) for g in p.trusted_namespaces))
        if not (by_label or by_namespace):
            continue
        runtime, path = pod.field("runtimeClassName")
        if is_unknown(runtime):
            yield from ctx.unresolved(workload, path, "runtimeClassName")
            continue
        if isinstance(runtime, str) and (
            runtime in sandboxed or any(fnmatchcase(runtime, g) for g in p.sandboxed_runtime_classes)
        ):
            continue
        why = "labels" if by_label else f"namespace {namespace}"
        if runtime is MISSING or runtime is None:
            yield Violation.at(workload, pod.path,
                               f"{workload.kind} {workload.name} is untrusted ({why}) but runs "
                               "without a sandboxed RuntimeClass (gVisor, Kata)")
        else:
            yield Violation.at(workload, path,
                               f"{workload.kind} {workload.name} is untrusted ({why}) but its "
                               f"RuntimeClass {runtime} is not a sandbox")
