"""ingress: traffic enters through an ingress controller, not ad-hoc node or service exposure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext, NoParams
from iacguard.model import EdgeKind, Resource, Violation
from iacguard.values import as_list, get
from iacguard_builtin.cloud.services import is_public_load_balancer
from iacguard_builtin.kubernetes.api import (
    WORKLOAD_KINDS,
    Placement,
    ingress_backends,
    namespace_of,
    placement,
    placement_order,
)


class LbCountParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_public_load_balancers: int = 1
    per: Literal["cluster", "namespace"] = "cluster"
    cloud: str = "auto"


def too_many_public_load_balancers(ctx: CheckContext[LbCountParams]) -> Iterator[Violation]:
    """Counted per deployment scope, and within it per cluster or namespace."""
    p = ctx.params
    groups: dict[Placement, dict[tuple[str | None, str], Resource]] = {}
    for service in ctx.graph.resources("Service"):
        if is_public_load_balancer(ctx.graph, service, p.cloud):
            group = (service.scope, namespace_of(service) or "" if p.per == "namespace" else "")
            # The same Service written twice in a scope counts once.
            groups.setdefault(group, {}).setdefault((namespace_of(service), service.name),
                                                    service)
    for (_, namespace), services in sorted(groups.items(), key=lambda item: placement_order(item[0])):
        if len(services) <= p.max_public_load_balancers:
            continue
        ordered = sorted(services.values(), key=lambda s: (s.origin.file, s.origin.start_line))
        names = ", ".join(f"{namespace_of(s)}/{s.name}" for s in ordered)
        where = f" in namespace {namespace}" if namespace else ""
        yield Violation.at(
            ordered[p.max_public_load_balancers], ("spec", "type"),
            f"{len(services)} public LoadBalancer Services{where} (at most "
            f"{p.max_public_load_balancers} allowed; route the rest through the ingress "
            f"controller): {names}",
            related=[(s, ("spec", "type")) for s in ordered],
            key=f"scope={namespace}",  # kept as it was: fingerprints stay stable
        )


def ingress_without_tls(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for ingress in ctx.graph.resources("Ingress"):
        tls = as_list(get(ingress.body, ("spec", "tls")))
        if not tls:
            yield Violation.at(ingress, ("spec",),
                               f"Ingress {ingress.name} serves plain HTTP (no spec.tls)")
            continue
        covered = {str(h) for entry in tls for h in as_list(get(entry, ("hosts",)))}
        for r, rule in enumerate(as_list(get(ingress.body, ("spec", "rules")))):
            host = get(rule, ("host",), None)
            if isinstance(host, str) and covered and host not in covered:
                yield Violation.at(ingress, ("spec", "rules", r, "host"),
                                   f"Ingress {ingress.name} host {host} is not covered by spec.tls",
                                   key=host)


class DanglingParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Report only where the scan holds objects of the target kind in that namespace, so that
    # scanning one file of an application does not flag every reference out of it.
    require_targets_in_scan: bool = True


def _namespaces_with(ctx: CheckContext[DanglingParams], kinds: frozenset[str] | str) -> set[Placement]:
    """(scope, namespace) pairs that hold objects of `kinds`: targets of another scope never
    deploy with the referrer, so they say nothing about its references."""
    return {placement(r) for r in ctx.graph.resources(kinds)}


def ingress_backend_missing_service(ctx: CheckContext[DanglingParams]) -> Iterator[Violation]:
    with_services = _namespaces_with(ctx, "Service")
    for ingress in ctx.graph.resources("Ingress"):
        if ctx.params.require_targets_in_scan and placement(ingress) not in with_services:
            continue
        linked = {e.attrs.get("path") for e in ctx.graph.out_edges(ingress, EdgeKind.ROUTES_TO)}
        for path, name in ingress_backends(ingress):
            if "/".join(map(str, path)) not in linked:
                yield Violation.at(ingress, path,
                                   f"Ingress {ingress.name} routes to Service {name}, which is not "
                                   f"defined in namespace {namespace_of(ingress)}", key=name)


def service_selects_nothing(ctx: CheckContext[DanglingParams]) -> Iterator[Violation]:
    with_workloads = _namespaces_with(ctx, WORKLOAD_KINDS)
    for service in ctx.graph.resources("Service"):
        selector = get(service.body, ("spec", "selector"))
        if not isinstance(selector, dict) or not selector:
            continue  # ExternalName or manually managed endpoints
        if ctx.params.require_targets_in_scan and placement(service) not in with_workloads:
            continue
        if not ctx.graph.out_edges(service, EdgeKind.SELECTS):
            labels = ", ".join(f"{k}={v}" for k, v in selector.items())
            yield Violation.at(service, ("spec", "selector"),
                               f"Service {service.name} selects no workload ({labels})")
