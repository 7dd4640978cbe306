"""The policy catalogue: `policy.yaml` files contributed by plugins, validated at start-up.

Layout of a catalogue directory: `<category>/<policy-name>/policy.yaml`, with the policy's
`pass/` and `fail/` fixtures beside it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from iacguard.checks import CheckRegistry
from iacguard.errors import PolicyDefinitionError
from iacguard.model import TEMPLATE_PREFIX, PolicyMeta

POLICY_FILE = "policy.yaml"
CATEGORIES_FILE = "categories.yaml"
# Policies of category parse-error are reported by loaders, not by a check.
LOAD_PROBLEM_CHECK = "load-problem"


def _policy_files(directory: Traversable) -> Iterable[tuple[Traversable, str]]:
    for category in sorted(directory.iterdir(), key=lambda t: t.name):
        if not category.is_dir():
            continue
        for policy_dir in sorted(category.iterdir(), key=lambda t: t.name):
            candidate = policy_dir / POLICY_FILE
            if policy_dir.is_dir() and candidate.is_file():
                yield candidate, f"{category.name}/{policy_dir.name}"


def _misplaced(directory: Traversable) -> None:
    """A policy.yaml off the `<category>/<name>/` layout would be silently skipped: refuse it."""
    if not isinstance(directory, Path):
        return
    for file in sorted(directory.rglob(POLICY_FILE)):
        parts = file.relative_to(directory).parts
        if len(parts) != 3 and "pass" not in parts[:-1] and "fail" not in parts[:-1]:
            raise PolicyDefinitionError(str(file), [
                f"a policy file must be at <category>/<name>/{POLICY_FILE} inside {directory}"])


@lru_cache(maxsize=1024)
def _parsed(text: str) -> Any:
    return YAML(typ="safe").load(text)


def parse_yaml(text: str) -> Any:
    """A catalogue file's YAML, parsed once per text: a process opens sessions again and again
    (the language server on every configuration change, `test-policies` once per fixture),
    and parsing the built-in catalogue was most of what opening one cost. Keyed by the text,
    so an edited file is parsed again; a copy, so no caller can change what the next one gets."""
    return copy.deepcopy(_parsed(text))


def read_policy(file: Traversable, where: str, directory: str | None) -> PolicyMeta:
    label = f"{directory}/{POLICY_FILE}" if directory else where  # errors name the file
    try:
        data: Any = parse_yaml(file.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise PolicyDefinitionError(label, [str(exc)]) from exc
    if not isinstance(data, dict):
        raise PolicyDefinitionError(label, ["policy.yaml must be a mapping"])
    try:
        policy = PolicyMeta.model_validate({**data, "directory": directory})
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise PolicyDefinitionError(label, problems) from exc
    expected = where.split("/")
    if [policy.category, policy.name] != expected:
        raise PolicyDefinitionError(
            label, [f"lives in {where} but declares {policy.category}/{policy.name}"]
        )
    return policy


def policy_file(policy: PolicyMeta) -> str:
    """Where a policy is defined, for errors: its file, or its name for packaged catalogues."""
    return f"{policy.directory}/{POLICY_FILE}" if policy.directory else policy.name


def unregistered(policy: PolicyMeta, checks: CheckRegistry) -> str:
    """The error for a policy whose check or template no plugin registered."""
    if policy.template is not None:
        known = [n[len(TEMPLATE_PREFIX):] for n in checks.names() if n.startswith(TEMPLATE_PREFIX)]
        return f"template: {policy.template!r} is no check template (one of: {', '.join(known)})"
    return f"check: {policy.check!r} is not registered"


def read_categories(directory: Traversable) -> dict[str, str]:
    """The categories a catalogue directory declares (`categories.yaml`: name -> description)."""
    file = directory / CATEGORIES_FILE
    if not file.is_file():
        return {}
    try:
        data: Any = parse_yaml(file.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise PolicyDefinitionError(CATEGORIES_FILE, [str(exc)]) from exc
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise PolicyDefinitionError(CATEGORIES_FILE, ["must map category names to descriptions"])
    return {k: str(v) for k, v in data.items()}


def load_catalogue(directories: Iterable[Traversable]) -> list[PolicyMeta]:
    policies: list[PolicyMeta] = []
    seen: dict[str, str] = {}
    directories = list(directories)
    categories: dict[str, str] = {}
    for directory in directories:
        if not directory.is_dir():
            raise PolicyDefinitionError(str(directory), ["no such policy directory"])
        _misplaced(directory)
        categories.update(read_categories(directory))
    for directory in directories:
        for file, where in _policy_files(directory):
            local = str(directory / where) if hasattr(directory, "__fspath__") else None
            policy = read_policy(file, where, local)
            if policy.category not in categories:
                raise PolicyDefinitionError(where, [
                    f"category {policy.category!r} is not declared (add it to the "
                    f"{CATEGORIES_FILE} of its catalogue directory)"])
            for key in (policy.id, policy.name, *policy.aliases):
                if key in seen:
                    raise PolicyDefinitionError(where, [f"{key!r} is already used by {seen[key]}"])
                seen[key] = where
            policies.append(policy)
    return sorted(policies, key=lambda p: p.id)
