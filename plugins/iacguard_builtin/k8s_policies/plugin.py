"""Registers the Kubernetes checks (their policies live in the catalogue, `policies/`)."""

from __future__ import annotations

from iacguard.checks import CheckRegistry
from iacguard.plugin import hookimpl
from iacguard_builtin.k8s_policies import (
    dashboard,
    images,
    ingress,
    internal_lb,
    network_policy,
    pod_security,
    rbac,
    sandbox,
    secrets,
    service_account,
)


@hookimpl
def iacguard_register_checks(registry: CheckRegistry) -> None:
    registry.add("public-load-balancer-service", internal_lb.public_load_balancer_service,
                 internal_lb.PublicLbParams)
    registry.add("too-many-public-load-balancers", ingress.too_many_public_load_balancers,
                 ingress.LbCountParams)
    registry.add("ingress-without-tls", ingress.ingress_without_tls)
    registry.add("ingress-backend-missing-service", ingress.ingress_backend_missing_service,
                 ingress.DanglingParams)
    registry.add("service-selects-nothing", ingress.service_selects_nothing,
                 ingress.DanglingParams)
    registry.add("too-many-roles", rbac.too_many_roles, rbac.RoleCountParams)
    registry.add("rbac-wildcard", rbac.rbac_wildcard)
    registry.add("rbac-escalation-verbs", rbac.rbac_escalation_verbs)
    registry.add("rbac-secrets-access", rbac.rbac_secrets_access)
    registry.add("rbac-pod-exec", rbac.rbac_pod_exec)
    registry.add("cluster-admin-binding", rbac.cluster_admin_binding)
    registry.add("default-service-account-binding", rbac.default_service_account_binding)
    # workload and cluster hardening
    registry.add("privileged-container", pod_security.privileged_container)
    registry.add("container-runs-as-root", pod_security.container_runs_as_root)
    registry.add("privilege-escalation-allowed", pod_security.privilege_escalation_allowed)
    registry.add("added-capabilities", pod_security.added_capabilities,
                 pod_security.CapabilityParams)
    registry.add("capabilities-not-dropped", pod_security.capabilities_not_dropped)
    registry.add("host-namespace", pod_security.host_namespace)
    registry.add("sensitive-host-path", pod_security.sensitive_host_path,
                 pod_security.HostPathParams)
    registry.add("unconfined-seccomp", pod_security.unconfined_seccomp)
    registry.add("writable-root-filesystem", pod_security.writable_root_filesystem)
    registry.add("service-account-token-automount",
                 service_account.service_account_token_automount, service_account.TokenParams)
    registry.add("unpinned-image", images.unpinned_image, images.ImageParams)
    registry.add("secret-in-env-var", secrets.secret_in_env_var)
    registry.add("secret-in-configmap", secrets.secret_in_configmap)
    registry.add("workload-without-network-policy", network_policy.workload_without_network_policy)
    registry.add("namespace-without-network-policy",
                 network_policy.namespace_without_network_policy, network_policy.NamespaceParams)
    registry.add("kubernetes-dashboard-deployed", dashboard.kubernetes_dashboard_deployed)
    registry.add("dashboard-admin-binding", dashboard.dashboard_admin_binding,
                 dashboard.DashboardRoleParams)
    registry.add("unsandboxed-untrusted-workload", sandbox.unsandboxed_untrusted_workload,
                 sandbox.SandboxParams)
