"""Run configuration: CLI flags and `.iacguard.yaml` merge into one validated `Config`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from iacguard.budget import DEFAULT_SCAN_SECONDS, DEFAULT_UNIT_SECONDS
from iacguard.errors import ConfigError
from iacguard.model import Severity

CONFIG_FILE_NAMES = (".iacguard.yaml", ".iacguard.yml")


class PolicySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    severity: Severity | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("severity", mode="before")
    @classmethod
    def _parse_severity(cls, value: Any) -> Severity | None:
        return None if value is None else Severity.parse(value)


class ScopeRule(BaseModel):
    """Folders that deploy together: loose manifests (and units) under any of `paths` (globs
    relative to the scan root) form the scope `name`, deployed to `cluster` (a Terraform
    address) when given."""

    model_config = ConfigDict(extra="forbid")

    name: str
    paths: list[str] = Field(min_length=1)
    cluster: str | None = None


class Config(BaseModel):
    """Everything that changes what a scan reports.

    `policies` is keyed by policy name or id. `unknowns` decides what a check does with a
    value that cannot be known before apply: `report` (an info finding saying
    "unresolved"), `fail` (treated as the insecure value, full severity) or `ignore`.
    `options` carries plugin options (from plugin CLI flags or the config file).
    """

    model_config = ConfigDict(extra="forbid")

    fail_on: Severity = Severity.LOW
    policies: dict[str, PolicySettings] = Field(default_factory=dict)
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    unknowns: Literal["report", "fail", "ignore"] = "report"
    options: dict[str, Any] = Field(default_factory=dict)
    scopes: list[ScopeRule] = Field(default_factory=list)
    unit_budget_seconds: float = Field(DEFAULT_UNIT_SECONDS, gt=0)  # see budget.py
    scan_deadline_seconds: float | None = Field(DEFAULT_SCAN_SECONDS, gt=0)  # None: none

    @field_validator("fail_on", mode="before")
    @classmethod
    def _parse_fail_on(cls, value: Any) -> Severity:
        return Severity.parse(value)


def read_config_file(path: Path) -> dict[str, Any]:
    yaml = YAML(typ="safe")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a mapping")
    return data


def find_config_file(start: Path) -> Path | None:
    directory = start if start.is_dir() else start.parent
    for name in CONFIG_FILE_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def build_config(file_data: dict[str, Any], overrides: dict[str, Any]) -> Config:
    """Config-file values, then CLI overrides (those not None) on top."""
    merged = dict(file_data)
    for key, value in overrides.items():
        if value is None:
            continue
        if key == "options":
            merged["options"] = {**merged.get("options", {}), **value}
        else:
            merged[key] = value
    try:
        return Config.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from exc
