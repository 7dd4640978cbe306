"""Run configuration: CLI flags and `.iacguard.yaml` merge into one validated `Config`."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from iacguard.budget import DEFAULT_SCAN_SECONDS, DEFAULT_UNIT_SECONDS
from iacguard.config_errors import describe
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


class SuppressionRules(BaseModel):
    """What suppressions may do. An organisation's config (`--org-config`) sets these as a
    floor: a repository's config can tighten them, never loosen them.

    `allow_inline_suppressions`: `false` forbids comments and annotations (baselines still
    work), a list names the rules (ids, names or categories) that may be suppressed inline.
    `require_expiry`: every inline suppression needs `until=YYYY-MM-DD`.
    `max_suppression_days`: an expiry at most this many days ahead.
    `report_unused`: inline suppressions and baseline entries that matched nothing are
    findings (`unused-suppression`), as `--report-unused-suppressions` asks.
    """

    model_config = ConfigDict(extra="forbid")

    allow_inline_suppressions: bool | list[str] = True
    require_expiry: bool = False
    max_suppression_days: int | None = Field(default=None, ge=1)
    report_unused: bool = False


class Config(BaseModel):
    """Everything that changes what a scan reports.

    `policies` is keyed by policy name or id. `unknowns` decides what a check does with a
    value that cannot be known before apply: `report` (an info finding saying
    "unresolved"), `fail` (treated as the insecure value, full severity) or `ignore`.
    `options` carries plugin options (from plugin CLI flags or the config file).
    `policy_dirs` adds custom policy packs (relative paths: to the config file's folder).
    """

    model_config = ConfigDict(extra="forbid")

    fail_on: Severity = Severity.LOW
    policies: dict[str, PolicySettings] = Field(default_factory=dict)
    select: list[str] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    gitignore: bool = True  # skip what `.gitignore` files ignore (`--no-gitignore`: do not)
    unknowns: Literal["report", "fail", "ignore"] = "report"
    options: dict[str, Any] = Field(default_factory=dict)
    scopes: list[ScopeRule] = Field(default_factory=list)
    suppressions: SuppressionRules = Field(default_factory=SuppressionRules)
    # Custom policy packs (`<category>/<name>/policy.yaml`, as the built-in catalogue).
    policy_dirs: list[str] = Field(default_factory=list)
    unit_budget_seconds: float = Field(DEFAULT_UNIT_SECONDS, gt=0)  # see budget.py
    scan_deadline_seconds: float | None = Field(DEFAULT_SCAN_SECONDS, gt=0)  # None: none

    @field_validator("fail_on", mode="before")
    @classmethod
    def _parse_fail_on(cls, value: Any) -> Severity:
        return Severity.parse(value)


def read_config_file(path: Path) -> dict[str, Any]:
    """A config file's data: `.iacguard.yaml`, or the `[tool.iacguard]` table of a
    `pyproject.toml` (empty when it has none)."""
    if path.name == "pyproject.toml":
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from exc
        data = table.get("iacguard", {}) if isinstance(table, dict) else {}
    else:
        yaml = YAML(typ="safe")
        try:
            data = yaml.load(path.read_text(encoding="utf-8"))
        except (OSError, YAMLError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a mapping of settings (fail_on, policies, "
                          f"select, ignore, exclude, ...), not a {type(data).__name__}")
    dirs = data.get("policy_dirs")
    if isinstance(dirs, list):  # relative to the config file, wherever the scan runs from
        data["policy_dirs"] = [str(path.parent / d) if isinstance(d, str) else d for d in dirs]
    return data


def _has_tool_table(pyproject: Path) -> bool:
    try:
        tool = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return isinstance(tool, dict) and "iacguard" in tool


def find_config_file(start: Path) -> Path | None:
    """The nearest `.iacguard.yaml` (or `pyproject.toml` with `[tool.iacguard]`) from `start`
    up to the repository root (the directory holding `.git`); outside a repository only
    `start`'s own directory is looked at."""
    directory = start.absolute() if start.is_dir() else start.absolute().parent
    chain: list[Path] = []
    for candidate in (directory, *directory.parents):
        chain.append(candidate)
        if (candidate / ".git").exists():
            break
    else:
        chain = [directory]
    for candidate in chain:
        for name in CONFIG_FILE_NAMES:
            if (candidate / name).is_file():
                return candidate / name
        if (candidate / "pyproject.toml").is_file() and _has_tool_table(candidate / "pyproject.toml"):
            return candidate / "pyproject.toml"
    return None


def build_config(file_data: dict[str, Any], overrides: dict[str, Any], *,
                 source: str = "the configuration") -> Config:
    """Config-file values, then CLI overrides (those not None) on top; `source` names the
    file (or the command line) in error messages."""
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
        raise ConfigError(describe(exc, Config, source)) from None


SEVERITY_SCHEMA = {"type": "string", "enum": ["info", "low", "medium", "high", "critical"],
                   "description": "A severity, by name."}


def config_schema() -> dict[str, Any]:
    """The JSON Schema of `.iacguard.yaml` (and `[tool.iacguard]`), for editors' completion.
    Severities are written by name, so the generated integer enum is replaced."""
    schema = Config.model_json_schema()
    schema.setdefault("$defs", {})["Severity"] = SEVERITY_SCHEMA
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "iacguard configuration (.iacguard.yaml, [tool.iacguard])"
    return schema
