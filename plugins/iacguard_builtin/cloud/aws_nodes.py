"""Which AWS launch templates, launch configurations and instances boot Kubernetes nodes."""

from __future__ import annotations

import base64
import binascii
import contextlib

from iacguard.graph import ResourceGraph
from iacguard.model import Resource
from iacguard_builtin.cloud.clusters import EKS_NODE_GROUP
from iacguard_builtin.cloud.references import contains, referenced
from iacguard_builtin.cloud.settings import blocks, glob_any, tags_of

LAUNCH_TEMPLATE = "aws_launch_template"
LAUNCH_CONFIGURATION = "aws_launch_configuration"
INSTANCE = "aws_instance"
AUTOSCALING_GROUP = "aws_autoscaling_group"
NODE_TAG_PATTERNS = ("kubernetes.io/cluster/*", "eks:cluster-name", "k8s.io/cluster-autoscaler/*")
# User data that joins the instance to a cluster: EKS (bootstrap.sh, nodeadm), kubeadm, k3s
# and RKE2 agents.
BOOTSTRAP_MARKERS = ("/etc/eks/bootstrap.sh", "nodeadm", "node.eks.aws", "kubeadm join",
                     "get.k3s.io", "K3S_URL", "k3s agent", "rke2-agent", "INSTALL_RKE2_TYPE",
                     "/etc/rancher/rke2/")


def looks_like_node(resource: Resource) -> bool:
    """An instance or launch template that boots into a Kubernetes node (tags or user data)."""
    if any(glob_any(k, NODE_TAG_PATTERNS) for k in tags_of(resource)):
        return True
    for _, spec in blocks(resource, "tag_specifications"):
        tags = spec.get("tags")
        if isinstance(tags, dict) and any(glob_any(str(k), NODE_TAG_PATTERNS) for k in tags):
            return True
    return any(any(m in text for m in BOOTSTRAP_MARKERS) for text in _user_data(resource))


def _user_data(resource: Resource) -> list[str]:
    """User data as written and, when it is base64 (launch templates require it), decoded."""
    texts = []
    for key in ("user_data", "user_data_base64"):
        value = resource.body.get(key)
        if not isinstance(value, str):
            continue
        texts.append(value)
        with contextlib.suppress(binascii.Error, ValueError):
            texts.append(base64.b64decode(value.strip(), validate=True).decode("utf-8", "replace"))
    return texts


def launch_templates_of(graph: ResourceGraph, group: Resource) -> list[Resource]:
    """The launch templates/configurations a node group or auto-scaling group boots from."""
    found: list[Resource] = []
    for path in (("launch_template",), ("mixed_instances_policy",), ("launch_configuration",)):
        for lt in referenced(graph, group, path, {LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION}):
            if not contains(found, lt):
                found.append(lt)
    return found


def node_launch_templates(graph: ResourceGraph) -> list[Resource]:
    """Launch templates used by EKS node groups or auto-scaling groups of nodes, or tagged so."""
    found: list[Resource] = []
    for group in graph.resources((EKS_NODE_GROUP, AUTOSCALING_GROUP)):
        if group.kind == AUTOSCALING_GROUP and not looks_like_node(group):
            continue
        for lt in launch_templates_of(graph, group):
            if not contains(found, lt):
                found.append(lt)
    for lt in graph.resources((LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION)):
        if not contains(found, lt) and looks_like_node(lt):
            found.append(lt)
    return found


def node_instances(graph: ResourceGraph) -> list[Resource]:
    return [i for i in graph.resources(INSTANCE) if looks_like_node(i)]
