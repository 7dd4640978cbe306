"""Every policy against its own pass/fail fixtures: the findings must be exactly the
`# expect:` marks (file, line, id), which tests the check and its source mapping together."""

from __future__ import annotations

import pytest

from iacguard.config import Config
from iacguard.engine import open_session
from iacguard.plugin import Plugins, make_plugins
from iacguard.testing import Fixture, expected, fixtures, observed, run_fixture


def _catalogue_fixtures() -> list[Fixture]:
    plugins = make_plugins()
    session = open_session(plugins, Config(), [])
    return list(fixtures(session.catalogue))


ALL = _catalogue_fixtures()


@pytest.mark.parametrize("fixture", ALL, ids=[f.test_id for f in ALL])
def test_fixture(plugins: Plugins, fixture: Fixture) -> None:
    findings = run_fixture(plugins, fixture)
    if fixture.outcome == "pass":
        assert findings == [], "\n".join(f"{f.location.path}:{f.location.start_line} "
                                         f"{f.rule_id} {f.message}" for f in findings)
    else:
        marks = expected(fixture)
        assert marks, f"fail fixture {fixture.path} has no '# expect: {fixture.policy.id}' mark"
        assert observed(findings) == marks


def test_every_policy_has_pass_and_fail_fixtures() -> None:
    session = open_session(make_plugins(), Config(), [])
    outcomes: dict[str, set[str]] = {p.id: set() for p in session.catalogue}
    for fixture in ALL:
        outcomes[fixture.policy.id].add(fixture.outcome)
    missing = {pid: {"pass", "fail"} - seen for pid, seen in outcomes.items()
               if seen != {"pass", "fail"}}
    assert missing == {}
