"""Registers the check templates as the checks `template/<name>`."""

from __future__ import annotations

from iacguard.checks import CheckRegistry
from iacguard.model import TEMPLATE_PREFIX
from iacguard.plugin import hookimpl
from iacguard_builtin.templates.api import TEMPLATES


@hookimpl
def iacguard_register_checks(registry: CheckRegistry) -> None:
    for name, (func, params) in sorted(TEMPLATES.items()):
        registry.add(f"{TEMPLATE_PREFIX}{name}", func, params)
