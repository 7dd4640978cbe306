"""The effective configuration: an organisation's config, the repository's, the command line.

    org config (--org-config / IACGUARD_ORG_CONFIG)  <  repository config  <  command line

Later layers override earlier ones key by key (`policies`, `options` and `suppressions` entry by
entry), except what an organisation sets as a floor: its suppression rules (a repository may
forbid more, require expiry, shorten the lifetime, never the opposite) and its `fail_on` (a
repository may fail on less severe findings, not on fewer). Each layer is validated on its own
first, so an error names the file and key it was written in. `sources` records, per key, which
layer the effective value came from (`iacguard config show`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from iacguard.config import (
    Config,
    SuppressionRules,
    build_config,
    find_config_file,
    read_config_file,
)
from iacguard.config_errors import describe
from iacguard.errors import ConfigError

ORG_CONFIG_ENV = "IACGUARD_ORG_CONFIG"
MERGED_BY_ENTRY = ("policies", "options", "suppressions")


@dataclass(frozen=True)
class Layer:
    label: str  # "org config FILE", "config FILE", "command line"
    data: dict[str, Any]


@dataclass
class EffectiveConfig:
    config: Config
    sources: dict[str, str] = field(default_factory=dict)  # "fail_on" -> layer label
    files: list[Path] = field(default_factory=list)


def org_config_path(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    env = os.environ.get(ORG_CONFIG_ENV)
    return Path(env) if env else None


def _file_layer(path: Path, label: str) -> Layer:
    if not path.is_file():
        raise ConfigError(f"{label}: no such file")
    data = read_config_file(path)
    try:
        Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe(exc, Config, str(path))) from None
    return Layer(label, data)


def _merge(layers: list[Layer]) -> tuple[dict[str, Any], dict[str, str]]:
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for layer in layers:
        for key, value in layer.data.items():
            if value is None:
                continue
            if key in MERGED_BY_ENTRY and isinstance(value, dict):
                merged[key] = {**merged.get(key, {}), **value}
                for entry in value:
                    sources[f"{key}.{entry}"] = layer.label
            else:
                merged[key] = value
                sources[key] = layer.label
    return merged, sources


def _allowed(rules: SuppressionRules) -> set[str] | None:
    """The rules that may be suppressed inline; None: any."""
    allow = rules.allow_inline_suppressions
    if allow is True:
        return None
    return set() if allow is False else set(allow)


def tighten(floor: SuppressionRules, rules: SuppressionRules) -> SuppressionRules:
    """`rules`, never looser than `floor`."""
    a, b = _allowed(floor), _allowed(rules)
    allow: bool | list[str]
    if a is None and b is None:
        allow = True
    else:
        both = (a if b is None else b if a is None else a & b)
        allow = sorted(both) if both else False
    days = [d for d in (floor.max_suppression_days, rules.max_suppression_days) if d is not None]
    return SuppressionRules(
        allow_inline_suppressions=allow,
        require_expiry=floor.require_expiry or rules.require_expiry,
        max_suppression_days=min(days) if days else None,
        report_unused=floor.report_unused or rules.report_unused,
    )


def effective_config(start: Path, *, config_file: Path | None = None,
                     org_file: Path | None = None,
                     overrides: dict[str, Any] | None = None) -> EffectiveConfig:
    """The configuration a run starting at `start` (the first scanned path) uses."""
    layers: list[Layer] = []
    files: list[Path] = []
    org_path = org_config_path(org_file)
    org: Layer | None = None
    if org_path is not None:
        org = _file_layer(org_path, f"org config {org_path}")
        layers.append(org)
        files.append(org_path)
    repo_path = config_file or find_config_file(start)
    if repo_path is not None:
        layers.append(_file_layer(repo_path, f"config {repo_path}"))
        files.append(repo_path)
    cli = {k: v for k, v in (overrides or {}).items() if v not in (None, {}, [])}
    layers.append(Layer("command line", cli))
    merged, sources = _merge(layers)
    config = build_config(merged, {}, source="merged configuration")
    if org is not None:
        floor = Config.model_validate(org.data)
        rules = tighten(floor.suppressions, config.suppressions)
        if rules != config.suppressions:
            for key in org.data.get("suppressions", {}):
                sources[f"suppressions.{key}"] = f"{org.label} (a floor: not loosened)"
        update: dict[str, Any] = {"suppressions": rules}
        if "fail_on" in org.data and floor.fail_on < config.fail_on:
            update["fail_on"] = floor.fail_on
            sources["fail_on"] = f"{org.label} (a floor: not loosened)"
        config = config.model_copy(update=update)
    return EffectiveConfig(config, dict(sorted(sources.items())), files)
