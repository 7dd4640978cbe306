"""Managed-cluster audit logging for EKS, GKE and AKS.

The other cluster-hardening policies (secrets encryption, dashboard, legacy authorization,
static credentials, network policy) are `attribute` templates in their `policy.yaml`. Audit
logging stays Python for AKS, where the setting lives on another resource (a diagnostic
setting that targets the cluster); EKS and GKE use the template's judgement.
"""

from __future__ import annotations

from collections.abc import Iterator

from iacguard_cloud.clusters import AKS
from iacguard_cloud.references import referrers
from iacguard_cloud.settings import blocks
from iacguard_templates.api import AttributeRule, judge_attribute

from iacguard.checks import CheckContext, NoParams
from iacguard.model import Resource, Violation
from iacguard.values import is_unknown

AKS_AUDIT_CATEGORIES = {"kube-audit", "kube-audit-admin", "audit", "alllogs"}

AUDIT_RULES = [AttributeRule.model_validate(rule) for rule in (
    {"kinds": ["aws_eks_cluster"], "path": "enabled_cluster_log_types", "default": [],
     "fail": {"not_contains": "audit"},
     "message": "EKS cluster {resource} does not ship the Kubernetes audit log: {setting}"},
    {"kinds": ["google_container_cluster"], "path": "logging_service",
     "default": "logging.googleapis.com/kubernetes", "fail": {"equals": "none"},
     "message": "GKE cluster {resource} sends no cluster logs to Cloud Logging: {setting}"},
    {"kinds": ["google_container_cluster"], "path": "logging_config.0.enable_components",
     "only_if_set": True, "unless": [{"path": "logging_service", "equals": "none"}],
     "fail": {"not_contains": "SYSTEM_COMPONENTS"},
     "message": "GKE cluster {resource} does not log its system components: {setting}"},
)]


def _aks_audit_setting(ctx: CheckContext[NoParams], cluster: Resource) -> bool:
    """Whether a diagnostic setting sends the cluster's audit log somewhere."""
    for setting in referrers(ctx.graph, cluster, {"azurerm_monitor_diagnostic_setting"},
                             ("target_resource_id",)):
        for block_name in ("enabled_log", "log"):
            for _, log in blocks(setting, block_name):
                if log.get("enabled") is False:
                    continue
                names = [log.get("category"), log.get("category_group")]
                if any(is_unknown(n) for n in names):
                    return True
                if any(isinstance(n, str) and n.lower() in AKS_AUDIT_CATEGORIES for n in names):
                    return True
    return False


def cluster_audit_logging_disabled(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for rule in AUDIT_RULES:
        yield from judge_attribute(ctx, rule)
    for cluster in ctx.resources(AKS):
        if not _aks_audit_setting(ctx, cluster):
            yield Violation.at(
                cluster, (), f"AKS cluster {cluster.display_name} has no "
                "azurerm_monitor_diagnostic_setting sending kube-audit logs (oms_agent collects "
                "container logs, not the API server's audit log)")
