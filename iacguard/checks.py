"""Checks: the code behind policies. A check is a pure function of the graph and its params.

    def public_lb(ctx: CheckContext[PublicLbParams]) -> Iterable[Violation]: ...

    @hookimpl
    def iacguard_register_checks(registry: CheckRegistry) -> None:
        registry.add("public-load-balancer-service", public_lb, PublicLbParams)

The policy catalogue (YAML) says which check a policy uses and with which params; the
params model validates them at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from iacguard.config import Config
from iacguard.errors import PolicyDefinitionError
from iacguard.graph import ResourceGraph
from iacguard.model import PolicyMeta, Resource, Severity, Violation
from iacguard.values import Path

P = TypeVar("P", bound=BaseModel)


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class CheckContext(Generic[P]):
    graph: ResourceGraph
    policy: PolicyMeta
    params: P
    config: Config

    def resources(self, kind: str | Iterable[str] | None = None) -> Iterator[Resource]:
        """The resources the policy is dispatched to: of the kinds its `applies_to` declares
        (all kinds when it declares none or `"*"`), narrowed to `kind` when given. Relations
        to other resources are read from `graph`."""
        declared = self.policy.kinds
        if kind is None:
            wanted: list[str] | None = None if declared is None else sorted(declared)
        else:
            asked = [kind] if isinstance(kind, str) else list(kind)
            wanted = asked if declared is None else [k for k in asked if k in declared]
        return self.graph.resources(wanted) if wanted is not None else self.graph.resources()

    def unresolved(self, resource: Resource, path: Path, what: str) -> Iterable[Violation]:
        """A violation for a value that is unknown before apply, as `config.unknowns` says."""
        mode = self.config.unknowns
        if mode == "ignore":
            return ()
        severity = None if mode == "fail" else Severity.INFO
        message = f"{what}: unresolved (the value cannot be determined before apply)"
        return (Violation.at(resource, path, message, severity=severity, key="unresolved"),)


CheckFunc = Callable[[CheckContext[Any]], Iterable[Violation]]


@dataclass(frozen=True)
class RegisteredCheck:
    name: str
    func: CheckFunc
    params: type[BaseModel]
    plugin: str


class CheckRegistry:
    """Registrar passed to `iacguard_register_checks`. Duplicate names fail at start-up."""

    def __init__(self) -> None:
        self._checks: dict[str, RegisteredCheck] = {}
        self.current_plugin = "?"

    def add(
        self, name: str, func: Callable[[CheckContext[P]], Iterable[Violation]],
        params: type[P] | None = None,
    ) -> None:
        if name in self._checks:
            other = self._checks[name].plugin
            raise PolicyDefinitionError(
                f"check {name!r}", [f"registered twice ({other} and {self.current_plugin})"]
            )
        self._checks[name] = RegisteredCheck(name, func, params or NoParams, self.current_plugin)

    def get(self, name: str) -> RegisteredCheck | None:
        return self._checks.get(name)

    def names(self) -> list[str]:
        return sorted(self._checks)

    def validate_params(self, policy: PolicyMeta, overrides: dict[str, Any],
                        edge_kinds: Iterable[str] | None = None) -> BaseModel:
        """The policy's params, validated by its check's model; the model may read the
        policy and the graph's edge kinds from the validation context."""
        check = self._checks[policy.check_name]
        context = {"policy": policy,
                   "edge_kinds": None if edge_kinds is None else frozenset(edge_kinds)}
        try:
            return check.params.model_validate({**policy.params, **overrides}, context=context)
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            where = f"{policy.directory}/policy.yaml" if policy.directory else policy.name
            raise PolicyDefinitionError(
                f"params of {policy.name} ({where})",
                [f"params.{p}" for p in problems]) from exc
