"""rbac-role-count and rbac-privilege: few, well-understood roles with narrow rules."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext, NoParams
from iacguard.model import Resource, Violation
from iacguard.values import as_dict, as_list
from iacguard_builtin.kubernetes.api import namespace_of

ROLE_KINDS = ("Role", "ClusterRole")
BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
ESCALATION_VERBS = ("escalate", "bind", "impersonate")
READ_VERBS = {"get", "list", "watch", "*"}


def _rules(role: Resource) -> Iterator[tuple[int, dict[str, list[str]]]]:
    for index, rule in enumerate(as_list(role.body.get("rules"))):
        rule = as_dict(rule)
        yield index, {k: [str(v) for v in as_list(rule.get(k))]
                      for k in ("verbs", "resources", "apiGroups", "nonResourceURLs")}


class RoleCountParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_roles: int = 4
    exclude_prefixes: list[str] = ["system:"]


def too_many_roles(ctx: CheckContext[RoleCountParams]) -> Iterator[Violation]:
    """One finding per deployment scope that defines too many roles: roles of independent
    scopes (charts, roots, folders) are never summed."""
    p = ctx.params
    scopes: dict[str | None, dict[tuple[str, str | None, str], Resource]] = {}
    for role in ctx.graph.resources(ROLE_KINDS):
        if any(role.name.startswith(prefix) for prefix in p.exclude_prefixes):
            continue
        # One role written twice in a scope is still one role type.
        scopes.setdefault(role.scope, {}).setdefault((role.kind, namespace_of(role), role.name),
                                                     role)
    for _, roles in sorted(scopes.items(), key=lambda item: item[0] or ""):
        if len(roles) <= p.max_roles:
            continue
        ordered = sorted(roles.values(), key=lambda r: (r.origin.file, r.origin.start_line, r.id))
        names = ", ".join(
            f"{r.kind} {namespace_of(r)}/{r.name}" if namespace_of(r) else f"{r.kind} {r.name}"
            for r in ordered
        )
        # The message leaves the scope out, so that the variants of one chart that define the
        # same roles report one merged finding.
        yield Violation.at(
            ordered[p.max_roles], ("metadata", "name"),
            f"{len(roles)} distinct Roles and ClusterRoles defined (at most {p.max_roles}): {names}",
            related=[(r, ("metadata", "name")) for r in ordered],
            key="scan",
        )


def rbac_wildcard(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    """One finding per RBAC rule: a `*/*/*` rule is one wildcard listing its three fields,
    placed at the first of them in the file, the others as related locations."""
    for role in ctx.graph.resources(ROLE_KINDS):
        for index, rule in _rules(role):
            fields = [f for f in ("apiGroups", "resources", "verbs") if "*" in rule[f]]
            if not fields:
                continue
            paths = sorted((("rules", index, f) for f in fields),
                           key=lambda path: role.span_for(path).start_line)
            listed = ", ".join(fields[:-1]) + (" and " if len(fields) > 1 else "") + fields[-1]
            yield Violation.at(role, paths[0],
                               f"{role.kind} {role.name} grants '*' in {listed} (rule {index + 1})",
                               related=[(role, path) for path in paths[1:]], key="wildcard")


def rbac_escalation_verbs(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for role in ctx.graph.resources(ROLE_KINDS):
        for index, rule in _rules(role):
            found = [v for v in ESCALATION_VERBS if v in rule["verbs"]]
            if found:
                yield Violation.at(role, ("rules", index, "verbs"),
                                   f"{role.kind} {role.name} allows {', '.join(found)} "
                                   f"(privilege escalation, rule {index + 1})")


def rbac_secrets_access(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for role in ctx.graph.resources(ROLE_KINDS):
        for index, rule in _rules(role):
            if "secrets" in rule["resources"] and READ_VERBS & set(rule["verbs"]):
                if "*" in rule["verbs"]:
                    continue  # reported as a wildcard already
                yield Violation.at(role, ("rules", index, "resources"),
                                   f"{role.kind} {role.name} can read Secrets (rule {index + 1})")


def rbac_pod_exec(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for role in ctx.graph.resources(ROLE_KINDS):
        for index, rule in _rules(role):
            subresources = {"pods/exec", "pods/attach"} & set(rule["resources"])
            if subresources and {"create", "get"} & set(rule["verbs"]):
                yield Violation.at(role, ("rules", index, "resources"),
                                   f"{role.kind} {role.name} allows {', '.join(sorted(subresources))}"
                                   f" (a shell in any pod it reaches, rule {index + 1})")


def cluster_admin_binding(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for binding in ctx.graph.resources(BINDING_KINDS):
        ref = as_dict(binding.body.get("roleRef"))
        if ref.get("kind") == "ClusterRole" and ref.get("name") == "cluster-admin":
            subjects = ", ".join(
                f"{as_dict(s).get('kind')} {as_dict(s).get('name')}"
                for s in as_list(binding.body.get("subjects"))
            )
            yield Violation.at(binding, ("roleRef", "name"),
                               f"{binding.kind} {binding.name} grants cluster-admin to "
                               f"{subjects or 'no subjects'}")


def default_service_account_binding(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for binding in ctx.graph.resources(BINDING_KINDS):
        for index, subject in enumerate(as_list(binding.body.get("subjects"))):
            subject = as_dict(subject)
            if subject.get("kind") == "ServiceAccount" and subject.get("name") == "default":
                ns = subject.get("namespace") or namespace_of(binding) or "default"
                yield Violation.at(binding, ("subjects", index),
                                   f"{binding.kind} {binding.name} grants "
                                   f"{as_dict(binding.body.get('roleRef')).get('name')} to the "
                                   f"default ServiceAccount of namespace {ns} (every pod there "
                                   "gets it)", key=str(ns))
