"""The public interface of the Kubernetes plugin for other plugins.

Other plugins (Helm, Kustomize, Terraform `kubernetes_*`, the Kubernetes policies) import
from this module only: everything else in `iacguard_builtin.kubernetes` may change without notice.

- Manifest text: `load_text` (manifest text -> resources), `parse_documents` / `Document` /
  `ParseFailure` (YAML streams with line positions and Kubernetes' YAML 1.1 reading),
  `decode` (bytes -> text, UTF-8/UTF-16), `YAML_SUFFIXES` / `MANIFEST_SUFFIXES`.
- Objects: `make_resource` (the one Resource shape for a Kubernetes object),
  `is_kubernetes_object`, kinds (`WORKLOAD_KINDS`, `CLUSTER_SCOPED_KINDS`,
  `POD_SPEC_PATHS`), pod specs and containers (`pod_spec`, `pod_spec_path`, `pod_labels`,
  `containers`, `Container`), scoping (`namespace_of`; `placement`, `Placement`,
  `placement_order`: an object's deployment scope and namespace), metadata
  (`annotations_of`), selectors (`selector_matches`) and Ingress routes (`ingress_backends`).
"""

from __future__ import annotations

from iacguard_builtin.kubernetes.index import Placement, placement, placement_order
from iacguard_builtin.kubernetes.link import ingress_backends
from iacguard_builtin.kubernetes.loader import MANIFEST_SUFFIXES, YAML_SUFFIXES, load_text
from iacguard_builtin.kubernetes.objects import (
    CLUSTER_SCOPED_KINDS,
    CONTAINER_FIELDS,
    DEFAULT_NAMESPACE,
    POD_SPEC_PATHS,
    WORKLOAD_KINDS,
    Container,
    annotations_of,
    containers,
    is_kubernetes_object,
    make_resource,
    namespace_of,
    pod_labels,
    pod_spec,
    pod_spec_path,
    selector_matches,
)
from iacguard_builtin.kubernetes.yamlsource import Document, ParseFailure, decode, parse_documents

__all__ = [
    "CLUSTER_SCOPED_KINDS",
    "CONTAINER_FIELDS",
    "DEFAULT_NAMESPACE",
    "MANIFEST_SUFFIXES",
    "POD_SPEC_PATHS",
    "WORKLOAD_KINDS",
    "YAML_SUFFIXES",
    "Container",
    "Document",
    "ParseFailure",
    "Placement",
    "annotations_of",
    "containers",
    "decode",
    "ingress_backends",
    "is_kubernetes_object",
    "load_text",
    "make_resource",
    "namespace_of",
    "parse_documents",
    "placement",
    "placement_order",
    "pod_labels",
    "pod_spec",
    "pod_spec_path",
    "selector_matches",
]
