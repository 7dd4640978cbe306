"""Registers the Kubernetes checks (their policies live in the catalogue, `policies/`)."""

from __future__ import annotations

from iacguard.checks import CheckRegistry
from iacguard.plugin import hookimpl
from iacguard_k8s_policies import ingress, internal_lb, rbac


@hookimpl
def iacguard_register_checks(registry: CheckRegistry) -> None:
    registry.add("public-load-balancer-service", internal_lb.public_load_balancer_service,
                 internal_lb.PublicLbParams)
    registry.add("nodeport-service", ingress.nodeport_service)
    registry.add("service-external-ips", ingress.service_external_ips)
    registry.add("container-host-port", ingress.container_host_port)
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
