"""secrets (Terraform side): credentials written into the configuration.

Low-noise by design: an AWS access key id pattern anywhere in a resource, and a literal
string in an attribute whose name says it is a password or secret. Values computed at
apply time (`random_password.x.result`, a variable without default) are unknown and pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict

from iacguard.checks import CheckContext
from iacguard.model import Resource, Violation
from iacguard.values import is_unknown
from iacguard_builtin.cloud.settings import origin

AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
TERRAFORM_FORMATS = {"terraform", "terraform-plan"}


class HardCodedCredentialParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Attribute names (regular expressions, full match) whose literal values are secrets.
    secret_attributes: list[str] = [
        r"(?:.*_)?password", r"(?:.*_)?passwd", r"client_secret", r"secret_key",
        r"secret_access_key", r"(?:.*_)?private_key(?:_pem)?", r"api_key", r"auth_token",
    ]


def _walk(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """The leaves under `value`, depth first in document order (a stack: bodies are large,
    and a generator per level costs more than the check)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [(path, value)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(((*here, k), v) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend(((*here, i), v) for i, v in reversed(list(enumerate(item))))
        else:
            yield here, item


def _is_terraform(resource: Resource) -> bool:
    return resource.format in TERRAFORM_FORMATS and "_" in resource.kind and resource.kind.islower()


def hard_coded_credentials(ctx: CheckContext[HardCodedCredentialParams]) -> Iterator[Violation]:
    # One alternation full-matches exactly when one of the patterns does; names repeat a lot.
    names = re.compile("|".join(f"(?:{p})" for p in ctx.params.secret_attributes) or "(?!)")
    secret: dict[str, bool] = {}

    def is_secret(key: str) -> bool:
        if key not in secret:
            secret[key] = names.fullmatch(key) is not None
        return secret[key]

    for resource in ctx.graph.resources():
        if not _is_terraform(resource):
            continue
        for path, value in _walk(resource.body, ()):
            if is_unknown(value) or not isinstance(value, str) or not value.strip():
                continue
            key = next((p for p in reversed(path) if isinstance(p, str)), "")
            match = AWS_KEY_ID.search(value)
            if match:
                masked = match.group(0)[:8] + "…"
                yield Violation.at(resource, path, f"{resource.display_name} contains an AWS "
                                   f"access key id ({masked}) in {key} ({origin(resource, path)})",
                                   key=str(path))
            elif is_secret(key):
                yield Violation.at(resource, path, f"{resource.display_name} sets {key} to a "
                                   f"hard-coded string ({origin(resource, path)})", key=str(path))
