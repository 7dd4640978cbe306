"""Errors in iacguard itself or its plugins (never in the scanned input: see `LoadProblem`)."""

from __future__ import annotations


class IacguardError(Exception):
    """Base class; the CLI reports it in one line and exits with code 2."""


class PluginLoadError(IacguardError):
    def __init__(self, plugin: str, exc: BaseException) -> None:
        super().__init__(f"plugin {plugin!r} failed to load: {exc}")
        self.plugin = plugin


class PolicyDefinitionError(IacguardError):
    def __init__(self, where: str, problems: list[str]) -> None:
        super().__init__(f"invalid policy definition {where}: " + "; ".join(problems))
        self.where = where
        self.problems = problems


class ConfigError(IacguardError):
    pass
