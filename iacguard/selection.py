"""Policy keys as users write them (`--select`, `--ignore`, config `policies:`): ids, names,
aliases and categories, case-insensitive, resolved to the catalogue's spelling. A key that
names nothing is an error with a suggestion: a gate must not pass on a typo."""

from __future__ import annotations

from iacguard.config import Config
from iacguard.config_errors import did_you_mean
from iacguard.errors import ConfigError
from iacguard.model import PolicyMeta


def _index(catalogue: list[PolicyMeta], *, categories: bool) -> dict[str, str]:
    index: dict[str, str] = {}
    for meta in catalogue:
        for key in (meta.id, meta.name, *meta.aliases, *((meta.category,) if categories else ())):
            index.setdefault(key.lower(), key)
    return index


def _canonical(keys: list[str], index: dict[str, str], what: str, noun: str) -> list[str]:
    """Each key in the catalogue's spelling, in order (duplicates kept)."""
    unknown = [key for key in keys if key.strip().lower() not in index]
    if unknown:
        choices = sorted(set(index.values()))
        raise ConfigError("; ".join(
            f"{what}: unknown {noun} {key!r}{did_you_mean(key, choices)} "
            f"(see `iacguard policies`)" for key in unknown))
    return [index[key.strip().lower()] for key in keys]


def _resolve(keys: list[str], index: dict[str, str], what: str) -> list[str]:
    return list(dict.fromkeys(_canonical(keys, index, what, "policy or category")))


def resolve_selection(catalogue: list[PolicyMeta], config: Config) -> Config:
    """`config` with every policy key in the catalogue's spelling; `ConfigError` on a key
    that names no policy (`select`/`ignore` also accept categories)."""
    with_categories = _index(catalogue, categories=True)
    policies_only = _index(catalogue, categories=False)
    select = _resolve(config.select, with_categories, "select")
    ignore = _resolve(config.ignore, with_categories, "ignore")
    names = _canonical(list(config.policies), policies_only, "configuration", "policy")
    policies = {}
    for written, name in zip(config.policies, names, strict=True):
        if name in policies:
            raise ConfigError(f"configuration: policy {name!r} is configured twice "
                              f"(as {written!r} too): keep one")
        policies[name] = config.policies[written]
    return config.model_copy(update={"select": select, "ignore": ignore, "policies": policies})
