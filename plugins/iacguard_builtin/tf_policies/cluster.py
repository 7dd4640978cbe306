"""Managed-cluster audit logging for EKS, GKE and AKS.

The other cluster-hardening policies (secrets encryption, dashboard, legacy authorization,
static credentials, network policy) are `attribute` templates in their `policy.yaml`. Audit
logging stays Python for AKS, where the setting lives on another resource (a diagnostic
setting that targets the cluster); EKS and GKE use the template's judgement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.resources import files
from typing import Any

from iacguard.checks import CheckContext, NoParams
from iacguard.model import Resource, Violation
from iacguard.policies import POLICY_FILE, read_policy
from iacguard.values import is_unknown
from iacguard_builtin.cloud.clusters import AKS
from iacguard_builtin.cloud.references import referrers
from iacguard_builtin.cloud.settings import blocks
from iacguard_builtin.templates.api import AttributeParams, AttributeRule, judge_attribute

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


def _catalogue_rules(where: str) -> AttributeParams:
    """The rules a templated built-in policy declares in its policy.yaml."""
    policy = read_policy(files("iacguard_policies") / where / POLICY_FILE, where, None)
    return AttributeParams.model_validate(policy.params, context={"policy": policy})


def _templated(where: str) -> Callable[[CheckContext[Any]], Iterator[Violation]]:
    """A Python entry point for a templated policy (for tests and other plugins): the
    `attribute` template over the rules of the catalogue's policy.yaml."""
    def check(ctx: CheckContext[Any]) -> Iterator[Violation]:
        for rule in _catalogue_rules(where).rules:
            yield from judge_attribute(ctx, rule)
    check.__name__ = where.rsplit("/", 1)[-1].replace("-", "_")
    return check


cluster_secrets_not_encrypted = _templated("secrets-encryption/cluster-secrets-not-encrypted")
cluster_dashboard_enabled = _templated("dashboard/cluster-dashboard-enabled")
cluster_legacy_authorization = _templated("cluster-hardening/cluster-legacy-authorization")
cluster_static_credentials = _templated("cluster-hardening/cluster-static-credentials")
cluster_network_policy_disabled = _templated("network-policy/cluster-network-policy-disabled")


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
