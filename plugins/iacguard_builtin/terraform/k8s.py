"""Terraform `kubernetes_*` (and `kubernetes_manifest`) resources in the Kubernetes manifest shape.

The provider's schema mirrors the API with snake_case names and blocks for objects, so
the mapping is mechanical: block lists become objects (or plural lists for repeated
blocks such as `container` -> `containers`), names become camelCase. Map-valued
attributes (labels, annotations, selectors, data) keep their keys as written.
"""

from __future__ import annotations

from typing import Any

from iacguard.model import Provenance, Resource, SourceSpan
from iacguard.values import Unknown, pointer
from iacguard_builtin.kubernetes.api import is_kubernetes_object, make_resource

_BASE_KINDS: dict[str, tuple[str, str]] = {
    "deployment": ("apps/v1", "Deployment"),
    "pod": ("v1", "Pod"),
    "service": ("v1", "Service"),
    "role": ("rbac.authorization.k8s.io/v1", "Role"),
    "cluster_role": ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    "role_binding": ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    "cluster_role_binding": ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    "ingress": ("networking.k8s.io/v1beta1", "Ingress"),
    "namespace": ("v1", "Namespace"),
    "service_account": ("v1", "ServiceAccount"),
    "daemonset": ("apps/v1", "DaemonSet"),
    "daemon_set": ("apps/v1", "DaemonSet"),
    "stateful_set": ("apps/v1", "StatefulSet"),
    "job": ("batch/v1", "Job"),
    "cron_job": ("batch/v1beta1", "CronJob"),
    "network_policy": ("networking.k8s.io/v1", "NetworkPolicy"),
    "config_map": ("v1", "ConfigMap"),
    "secret": ("v1", "Secret"),
}
KINDS: dict[str, tuple[str, str]] = {}
for _name, (_api, _kind) in _BASE_KINDS.items():
    KINDS[f"kubernetes_{_name}"] = (_api, _kind)
    _v1_api = {"Ingress": "networking.k8s.io/v1", "CronJob": "batch/v1"}.get(_kind, _api)
    KINDS[f"kubernetes_{_name}_v1"] = (_v1_api, _kind)

# Repeated blocks -> the manifest's list field; (parent, block) pairs override.
_REPEATED = {
    "container": "containers", "init_container": "initContainers",
    "ephemeral_container": "ephemeralContainers", "port": "ports", "ports": "ports",
    "env": "env", "env_from": "envFrom", "volume": "volumes", "volume_mount": "volumeMounts",
    "volume_device": "volumeDevices", "rule": "rules", "subject": "subjects",
    "toleration": "tolerations", "image_pull_secrets": "imagePullSecrets",
    "image_pull_secret": "imagePullSecrets", "secret": "secrets", "host_aliases": "hostAliases",
    "match_expressions": "matchExpressions", "ingress": "ingress", "egress": "egress",
    "from": "from", "to": "to", "path": "paths", "tls": "tls", "items": "items",
    "volume_claim_template": "volumeClaimTemplates", "readiness_gate": "readinessGates",
    "topology_spread_constraint": "topologySpreadConstraints", "sysctl": "sysctls",
    "option": "options", "node_selector_term": "nodeSelectorTerms", "match_fields": "matchFields",
    "cluster_role_selectors": "clusterRoleSelectors", "sources": "sources",
    "http_header": "httpHeaders",
}
_OBJECT_IN = {("service", "port"), ("volume", "secret")}
# Map-valued attributes whose keys are data, not schema names.
_MAP_ATTRS = {"labels", "annotations", "match_labels", "selector", "node_selector", "data",
              "binary_data", "string_data", "limits", "requests", "parameters"}
_ACRONYMS = {"ip": "IP", "ips": "IPs", "pid": "PID", "ipc": "IPC", "url": "URL", "urls": "URLs"}
_TERRAFORM_ONLY = {"wait_for_rollout", "timeouts", "wait_for_load_balancer", "wait_for_completion",
                   "wait_for_default_secret", "wait_for_service_account_token"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(_ACRONYMS.get(w, w[:1].upper() + w[1:]) for w in rest)


class _Converter:
    def __init__(self, block_paths: set[str]) -> None:
        self.block_paths = block_paths
        self.translate: dict[str, str] = {}

    def obj(self, body: dict[str, Any], tf: list[str | int], m: list[str | int],
            parent: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in body.items():
            here = [*tf, key]
            # Blocks, and old-style blocks written as attributes (`container = [{...}]`).
            as_block = key not in _MAP_ATTRS and (
                isinstance(value, dict) or (isinstance(value, list) and bool(value)
                                            and all(isinstance(v, dict) for v in value)))
            repeated = _REPEATED.get(key) if (parent, key) not in _OBJECT_IN else None
            name = repeated or camel(key)
            if as_block and isinstance(value, dict):
                # a single object written as an attribute: its paths carry no list index
                target: list[str | int] = [*m, name, 0] if repeated else [*m, name]
                self.translate[pointer(here)] = pointer(target)
                converted = self.obj(value, here, target, key)
                out[name] = [converted] if repeated else converted
            elif pointer(here) in self.block_paths or as_block:
                self.translate[pointer(here)] = pointer([*m, name])
                if isinstance(value, Unknown) or not isinstance(value, list):
                    out[name] = value
                elif repeated:
                    out[name] = [
                        self.item(item, [*here, i], [*m, name, i], key) for i, item in enumerate(value)]
                elif value:
                    self.translate[pointer([*here, 0])] = pointer([*m, name])
                    out[name] = self.item(value[0], [*here, 0], [*m, name], key)
            else:
                name = camel(key)  # attribute values (maps included) are kept as written
                self.translate[pointer(here)] = pointer([*m, name])
                out[name] = value
        return out

    def item(self, value: Any, tf: list[str | int], m: list[str | int], parent: str) -> Any:
        self.translate[pointer(tf)] = pointer(m)
        if isinstance(value, dict):
            return self.obj(value, tf, m, parent)
        return value


def to_resource(
    *, type_: str, address: str, label: str, body: dict[str, Any], block_paths: set[str],
    source_map: dict[str, SourceSpan], provenance: dict[str, Provenance], origin: SourceSpan,
    id_prefix: str, context: dict[str, str],
) -> tuple[Resource, dict[str, str]]:
    """The manifest-shaped Resource for a `kubernetes_*` resource instance, and the map from
    Terraform-shaped pointers to manifest-shaped ones."""
    api_version, kind = KINDS[type_]
    converter = _Converter(block_paths)
    top = {k: v for k, v in body.items() if k not in _TERRAFORM_ONLY}
    converted = converter.obj(top, [], [], "")
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind, **converted}
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
        obj["metadata"] = metadata
    # An unknown name cannot make an id: the resource's label stands in for it.
    unnamed = "name" not in metadata and "generateName" not in metadata
    if isinstance(metadata.get("name"), Unknown) or unnamed:
        metadata["name"] = label
    if isinstance(metadata.get("generateName"), Unknown):
        metadata["generateName"] = label
    smap = {converter.translate[k]: span for k, span in source_map.items() if k in converter.translate}
    prov = {converter.translate[k]: p for k, p in provenance.items() if k in converter.translate}
    resource = make_resource(obj, id_prefix=id_prefix, format="terraform", origin=origin,
                             source_map=smap, context=context, address=address)
    if prov:
        resource = resource.model_copy(update={"provenance": prov})
    return resource, converter.translate


def manifest_of(type_: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The object of a `kubernetes_manifest` resource, when it is a known Kubernetes object."""
    if type_ != "kubernetes_manifest":
        return None
    manifest = body.get("manifest")
    return manifest if is_kubernetes_object(manifest) else None


def manifest_resource(
    manifest: dict[str, Any], *, address: str, source_map: dict[str, SourceSpan],
    provenance: dict[str, Provenance], origin: SourceSpan, id_prefix: str, context: dict[str, str],
) -> tuple[Resource, dict[str, str]]:
    """`kubernetes_manifest { manifest = {...} }`: the object as written, paths without the
    leading `manifest/`."""
    prefix = "manifest/"
    translate = {k: k[len(prefix):] for k in source_map if k.startswith(prefix)}
    obj = dict(manifest)
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("name"), Unknown):
        obj["metadata"] = {**metadata, "name": address}
    smap = {translate[k]: span for k, span in source_map.items() if k in translate}
    prov = {translate[k]: p for k, p in provenance.items() if k in translate}
    resource = make_resource(obj, id_prefix=id_prefix, format="terraform", origin=origin,
                             source_map=smap, context=context, address=address)
    if prov:
        resource = resource.model_copy(update={"provenance": prov})
    return resource, translate
