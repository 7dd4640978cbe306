"""Test kit for policy packs: run one policy over its pass/fail fixtures.

Fail fixtures mark each expected finding on its line with `# expect: ID` (several ids may
be listed, comma-separated). Files that cannot carry comments (JSON) list `LINE ID` pairs
in a sidecar `<file>.expect`. A fixture directory is scanned as one unit (for
cross-resource policies) and may carry its own `.iacguard.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from iacguard.config import build_config, find_config_file, read_config_file
from iacguard.engine import open_session
from iacguard.model import Finding, PolicyMeta
from iacguard.plugin import Plugins

EXPECT = re.compile(r"#\s*expect:\s*([A-Z]{2,5}\d{3}(?:\s*,\s*[A-Z]{2,5}\d{3})*)")


@dataclass(frozen=True)
class Fixture:
    policy: PolicyMeta
    outcome: str  # "pass" | "fail"
    path: Path

    @property
    def test_id(self) -> str:
        return f"{self.policy.id}-{self.outcome}-{self.path.name}"


def fixtures(policies: list[PolicyMeta]) -> Iterator[Fixture]:
    for policy in policies:
        if policy.directory is None:
            continue
        for outcome in ("pass", "fail"):
            folder = Path(policy.directory) / outcome
            if folder.is_dir():
                for entry in sorted(folder.iterdir()):
                    if not entry.name.endswith(".expect"):
                        yield Fixture(policy, outcome, entry)


def expected(fixture: Fixture) -> set[tuple[str, int, str]]:
    """(path relative to the fixture's scan root, line, policy id) marked in the fixture."""
    root = fixture.path if fixture.path.is_dir() else fixture.path.parent
    if fixture.path.is_dir():
        files = sorted(p for p in fixture.path.rglob("*") if p.is_file())
    else:
        sidecar = fixture.path.with_name(fixture.path.name + ".expect")
        files = [fixture.path, *([sidecar] if sidecar.exists() else [])]
    marks: set[tuple[str, int, str]] = set()
    for file in files:
        rel = file.relative_to(root).as_posix()
        if file.name.endswith(".expect"):
            target = file.relative_to(root).as_posix()[: -len(".expect")]
            for line in file.read_text().splitlines():
                if line.strip():
                    line_number, rule = line.split()
                    marks.add((target, int(line_number), rule))
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for rule_id in match.group(1).split(","):
                    marks.add((rel, number, rule_id.strip()))
    return marks


def run_fixture(plugins: Plugins, fixture: Fixture,
                policy_dirs: Sequence[Path] = ()) -> list[Finding]:
    """Scan the fixture with only its policy selected (plus parse errors); `policy_dirs` are
    the custom packs the policy may come from."""
    config_file = find_config_file(fixture.path)
    data = read_config_file(config_file) if config_file else {}
    dirs = [*data.get("policy_dirs", []), *map(str, policy_dirs)]
    config = build_config(data, {"select": [fixture.policy.id], "policy_dirs": dirs})
    session = open_session(plugins, config, [fixture.path])
    session.load([fixture.path])
    result, _ = session.check()
    assert not result.errors, result.errors
    return [f for f in result.findings if f.rule_id == fixture.policy.id
            or f.category == "parse-error"]


def observed(findings: list[Finding]) -> set[tuple[str, int, str]]:
    return {(f.location.path, f.location.start_line, f.rule_id) for f in findings}


@dataclass(frozen=True)
class FixtureOutcome:
    fixture: Fixture
    missing: set[tuple[str, int, str]]  # marked, not found
    unexpected: set[tuple[str, int, str]]  # found, not marked

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected


def check_fixture(plugins: Plugins, fixture: Fixture,
                  policy_dirs: Sequence[Path] = ()) -> FixtureOutcome:
    """Run one fixture and compare with its marks (a pass fixture has none)."""
    found = observed(run_fixture(plugins, fixture, policy_dirs))
    marks = expected(fixture) if fixture.outcome == "fail" else set()
    if fixture.outcome == "fail" and not marks:
        marks = {(fixture.path.name, 0, f"# expect: {fixture.policy.id} mark")}
    return FixtureOutcome(fixture, marks - found, found - marks)
