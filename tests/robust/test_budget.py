"""Time budgets, asserted with an injected clock and counters (never a stopwatch)."""

from __future__ import annotations

from pathlib import Path

from iacguard_builtin.helm import render

from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.plugin import Plugins

from helpers import write

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\n"
       "spec: {{containers: [{{name: c, image: nginx:1, securityContext: {{privileged: true}}}}]}}\n")
CHART = "apiVersion: v2\nname: c\nversion: 0.1.0\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


class Ticking:
    """A clock that moves `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step, self.reads = 0.0, step, 0

    def __call__(self) -> float:
        self.now += self.step
        self.reads += 1
        return self.now


def test_units_left_when_the_scan_deadline_passes_are_not_checked(plugins: Plugins,
                                                                   tmp_path: Path) -> None:
    write(tmp_path, {f"{n}.yaml": POD.format(name=n) for n in ("a", "b", "c")})
    session = open_session(plugins, build_config({}, {"scan_deadline_seconds": 25}), [tmp_path])
    session.clock = Ticking(10)  # start 10 (deadline 35); a: 20, 30; b: 40 > 35
    session.load([tmp_path])
    result, _ = session.check()
    assert session.budget.units_not_checked == 2
    assert {(f.location.path, f.rule_id) for f in result.findings if f.category == "parse-error"} == {
        ("b.yaml", "PARSE004"), ("c.yaml", "PARSE004")}
    assert "PSC001" in {f.rule_id for f in result.findings if f.location.path == "a.yaml"}
    assert result.exit_code() == 1
    # Next time (an editor's reload of another file), units not checked are loaded again.
    session.clock = Ticking(0)
    session.reload(tmp_path / "a.yaml")
    result, _ = session.check()
    assert {f.rule_id for f in result.findings if f.category == "parse-error"} == set()
    assert {f.location.path for f in result.findings if f.rule_id == "PSC001"} == {
        "a.yaml", "b.yaml", "c.yaml"}


def test_a_chart_stops_rendering_profiles_when_its_unit_budget_is_spent(plugins: Plugins,
                                                                          tmp_path: Path) -> None:
    profiles = ("p1", "p2", "p3")
    write(tmp_path, {"c/Chart.yaml": CHART, "c/values.yaml": "x: 1\n", "c/templates/cm.yaml": CONFIGMAP,
                     **{f"c/ci/{p}-values.yaml": f"x: {i}\n" for i, p in enumerate(profiles)}})
    config = build_config({}, {"unit_budget_seconds": 100, "scan_deadline_seconds": None})
    session = open_session(plugins, config, [tmp_path])
    clock = Ticking(40)  # unit opens at 40 (budget to 140); renders asked at 80, 120, 160, 200
    session.clock = clock
    before = render.requests
    session.load([tmp_path])
    result, _ = session.check()
    assert render.requests - before == 2  # two renders ran; the other two never started
    assert session.budget.units_out_of_budget == 2
    refused = [f for f in result.findings if "time budget (100 s, --unit-budget)" in f.message]
    assert len(refused) == 1  # one finding naming both profiles
    assert refused[0].rule_name == "render-failed"
    assert refused[0].message == (
        "chart does not render (values profile p2-values, p3-values): render not done: the unit's "
        "time budget (100 s, --unit-budget) or the scan's deadline (--scan-deadline) is used up")
