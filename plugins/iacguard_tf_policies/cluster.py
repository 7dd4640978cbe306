"""Managed-cluster hardening: audit logs, secrets encryption, dashboard, legacy authorization,
static credentials and network policy, for EKS, GKE and AKS.

Each check judges the effective setting (the written value or the provider default) and
says which it was.
"""

from __future__ import annotations

from collections.abc import Iterator

from iacguard_cloud.clusters import AKS, EKS, GKE
from iacguard_cloud.references import referrers
from iacguard_cloud.settings import attr, blocks, fmt

from iacguard.checks import CheckContext, NoParams
from iacguard.model import Resource, Violation
from iacguard.values import as_list, get, is_unknown


def _unknown_in(value: object) -> bool:
    return is_unknown(value) or any(is_unknown(v) for v in as_list(value))


# -- audit-logging ------------------------------------------------------------------------

AKS_AUDIT_CATEGORIES = {"kube-audit", "kube-audit-admin", "audit", "alllogs"}


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
    graph = ctx.graph
    for cluster in graph.resources(EKS):
        types = attr(cluster, ("enabled_cluster_log_types",), [])
        if _unknown_in(types.value):
            yield from ctx.unresolved(cluster, types.at, f"{cluster.display_name} {types.describe()}")
        elif "audit" not in as_list(types.value):
            yield Violation.at(cluster, types.at, f"EKS cluster {cluster.display_name} does not "
                               f"ship the Kubernetes audit log: {types.describe()}")
    for cluster in graph.resources(GKE):
        service = attr(cluster, ("logging_service",), "logging.googleapis.com/kubernetes")
        components = attr(cluster, ("logging_config", 0, "enable_components"))
        if is_unknown(service.value) or (components.present and _unknown_in(components.value)):
            yield from ctx.unresolved(cluster, service.at, f"{cluster.display_name} logging")
        elif service.value == "none":
            yield Violation.at(cluster, service.at, f"GKE cluster {cluster.display_name} sends no "
                               f"cluster logs to Cloud Logging: {service.describe()}")
        elif components.present and "SYSTEM_COMPONENTS" not in as_list(components.value):
            yield Violation.at(cluster, components.at, f"GKE cluster {cluster.display_name} does not "
                               f"log its system components: {components.describe()}")
    for cluster in graph.resources(AKS):
        if not _aks_audit_setting(ctx, cluster):
            yield Violation.at(
                cluster, (), f"AKS cluster {cluster.display_name} has no "
                "azurerm_monitor_diagnostic_setting sending kube-audit logs (oms_agent collects "
                "container logs, not the API server's audit log)")


# -- secrets-encryption ---------------------------------------------------------------------

def cluster_secrets_not_encrypted(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    graph = ctx.graph
    for cluster in graph.resources(EKS):
        configs = blocks(cluster, "encryption_config")
        resources = [r for _, b in configs for r in as_list(b.get("resources"))]
        if any(is_unknown(b.get("resources")) for _, b in configs) or any(
                is_unknown(r) for r in resources):
            yield from ctx.unresolved(cluster, ("encryption_config",),
                                      f"{cluster.display_name} encryption_config")
        elif "secrets" not in resources:
            where = ("encryption_config",) if configs else ()
            shown = fmt(resources) if configs else "absent (provider default)"
            yield Violation.at(cluster, where, f"EKS cluster {cluster.display_name} does not "
                               f"envelope-encrypt Secrets with a KMS key you control: "
                               f"encryption_config.resources {shown}")
    for cluster in graph.resources(GKE):
        state = attr(cluster, ("database_encryption", 0, "state"), "DECRYPTED")
        if is_unknown(state.value):
            yield from ctx.unresolved(cluster, state.at, f"{cluster.display_name} {state.describe()}")
        elif state.value != "ENCRYPTED":
            yield Violation.at(cluster, state.at, f"GKE cluster {cluster.display_name} does not "
                               "encrypt Secrets at the application layer with Cloud KMS: "
                               f"{state.describe()}")
    for cluster in graph.resources(AKS):
        kms = attr(cluster, ("key_management_service", 0, "key_vault_key_id"))
        if not kms.present:
            yield Violation.at(cluster, kms.at, f"AKS cluster {cluster.display_name} does not "
                               "encrypt etcd Secrets with a Key Vault key: key_management_service "
                               "is absent (disk_encryption_set_id covers node disks, not etcd)")


# -- dashboard ----------------------------------------------------------------------------------

def cluster_dashboard_enabled(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for cluster in ctx.graph.resources(AKS):
        for base in (("addon_profile", 0), ()):
            setting = attr(cluster, (*base, "kube_dashboard", 0, "enabled"))
            if not setting.present:
                continue
            flag = setting.flag()
            if flag is None:
                yield from ctx.unresolved(cluster, setting.at,
                                          f"{cluster.display_name} {setting.describe()}")
            elif flag:
                yield Violation.at(cluster, setting.at, f"AKS cluster {cluster.display_name} runs "
                                   f"the Kubernetes dashboard: {setting.describe()}")
    for cluster in ctx.graph.resources(GKE):
        setting = attr(cluster, ("addons_config", 0, "kubernetes_dashboard", 0, "disabled"))
        if setting.present and setting.flag() is False:
            yield Violation.at(cluster, setting.at, f"GKE cluster {cluster.display_name} runs the "
                               f"Kubernetes dashboard: {setting.describe()}")


# -- cluster-hardening --------------------------------------------------------------------------

def cluster_legacy_authorization(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for cluster in ctx.graph.resources(GKE):
        abac = attr(cluster, ("enable_legacy_abac",), False)
        flag = abac.flag()
        if flag is None:
            yield from ctx.unresolved(cluster, abac.at, f"{cluster.display_name} {abac.describe()}")
        elif flag:
            yield Violation.at(cluster, abac.at, f"GKE cluster {cluster.display_name} authorizes "
                               f"with legacy ABAC, bypassing RBAC: {abac.describe()}")
    for cluster in ctx.graph.resources(AKS):
        for path in (("role_based_access_control_enabled",),
                     ("role_based_access_control", 0, "enabled")):
            rbac = attr(cluster, path, True)
            if not rbac.present:
                continue
            flag = rbac.flag()
            if flag is None:
                yield from ctx.unresolved(cluster, rbac.at,
                                          f"{cluster.display_name} {rbac.describe()}")
            elif not flag:
                yield Violation.at(cluster, rbac.at, f"AKS cluster {cluster.display_name} has "
                                   f"Kubernetes RBAC disabled: {rbac.describe()}")


def cluster_static_credentials(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for cluster in ctx.graph.resources(GKE):
        for path, auth in blocks(cluster, "master_auth"):
            for key in ("username", "password"):
                value = auth.get(key)
                if isinstance(value, str) and value:
                    yield Violation.at(cluster, (*path, key), f"GKE cluster "
                                       f"{cluster.display_name} enables basic authentication: "
                                       f"master_auth.{key} is set")
                    break
            cert = attr(cluster, (*path, "client_certificate_config", 0,
                                  "issue_client_certificate"), False)
            if cert.flag():
                yield Violation.at(cluster, cert.at, f"GKE cluster {cluster.display_name} issues a "
                                   f"non-revocable client certificate: {cert.describe()}")
    for cluster in ctx.graph.resources(AKS):
        local = attr(cluster, ("local_account_disabled",), False)
        flag = local.flag()
        if flag is None:
            yield from ctx.unresolved(cluster, local.at, f"{cluster.display_name} {local.describe()}")
        elif not flag:
            yield Violation.at(cluster, local.at, f"AKS cluster {cluster.display_name} keeps the "
                               f"static local admin account: {local.describe()}")


# -- network-policy -----------------------------------------------------------------------------

def cluster_network_policy_disabled(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for cluster in ctx.graph.resources(GKE):
        if cluster.body.get("enable_autopilot") is True:
            continue  # Autopilot always runs Dataplane V2, which enforces NetworkPolicy
        datapath = attr(cluster, ("datapath_provider",))
        if datapath.present and datapath.value == "ADVANCED_DATAPATH":
            continue
        enabled = attr(cluster, ("network_policy", 0, "enabled"), False)
        flag = enabled.flag()
        if flag is None:
            yield from ctx.unresolved(cluster, enabled.at,
                                      f"{cluster.display_name} {enabled.describe()}")
        elif not flag:
            yield Violation.at(cluster, enabled.at, f"GKE cluster {cluster.display_name} does not "
                               f"enforce NetworkPolicy: {enabled.describe('network_policy.enabled')} "
                               "and datapath_provider is not ADVANCED_DATAPATH")
    for cluster in ctx.graph.resources(AKS):
        plane = get(cluster.body, ("network_profile", 0, "network_data_plane"))
        if plane == "cilium":
            continue
        policy = attr(cluster, ("network_profile", 0, "network_policy"))
        if is_unknown(policy.value):
            yield from ctx.unresolved(cluster, policy.at, f"{cluster.display_name} "
                                      f"{policy.describe()}")
        elif not policy.present or policy.value in ("", "none"):
            setting = policy.describe("network_profile.network_policy")
            yield Violation.at(cluster, policy.at, f"AKS cluster {cluster.display_name} does not "
                               f"enforce NetworkPolicy: {setting}, so NetworkPolicy objects are "
                               "ignored")
