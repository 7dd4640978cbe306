"""The serving render worker: one process renders in turn, each render still bounded, and an
answer never depends on what the process rendered before. Counted, never timed."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from iacguard_builtin.helm import render
from iacguard_builtin.helm.render import render_chart
from iacguard_builtin.helm.worker import Rendered

from iacguard import children

from helpers import write

CHART = Path(__file__).resolve().parents[2] / "examples" / "platform" / "charts" / "storefront"
SPIN = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: spin}\ndata:\n"
        "  x: \"{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}\"\n")


@pytest.fixture
def fresh_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[render._ServingWorker]:
    worker = render._ServingWorker()
    monkeypatch.setattr(render, "_WORKER", worker)
    yield worker
    worker._stop()


def _render(values: dict[str, object] | None = None, chart: Path = CHART) -> Rendered:
    return render_chart(chart, values or {}, release_name="r", namespace="shop")


def test_one_process_serves_renders_in_turn(fresh_worker: render._ServingWorker) -> None:
    started, sent = children.started, render.requests
    first = _render()
    second = _render({"service": {"type": "ClusterIP"}})
    assert first.error is None and second.error is None
    assert "templates/service.yaml" in first.manifests
    assert render.requests - sent == 2 and children.started - started == 1
    assert first.manifests == _render().manifests  # the same answer from a used process


def test_a_render_past_its_deadline_kills_the_worker_and_the_next_starts_afresh(
        fresh_worker: render._ServingWorker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spin = write(tmp_path / "spin", {"Chart.yaml": "apiVersion: v2\nname: spin\nversion: 0.1.0\n",
                                     "templates/cm.yaml": SPIN})
    assert _render().error is None
    pid = fresh_worker._proc.pid if fresh_worker._proc else None
    monkeypatch.setattr(render, "RENDER_TIMEOUT_SECONDS", 1.0)
    stopped = _render(chart=spin)
    assert stopped.error is not None and "render stopped after 1 s" in stopped.error.message
    assert fresh_worker._proc is None and pid not in children.live()  # killed, not left spinning
    monkeypatch.setattr(render, "RENDER_TIMEOUT_SECONDS", 60.0)
    started = children.started
    assert _render().error is None and children.started - started == 1


def test_a_worker_that_died_between_renders_is_replaced_without_an_error(
        fresh_worker: render._ServingWorker) -> None:
    assert _render().error is None
    assert fresh_worker._proc is not None
    os.kill(fresh_worker._proc.pid, signal.SIGKILL)
    fresh_worker._proc.wait()
    started = children.started
    again = _render()
    assert again.error is None and "templates/service.yaml" in again.manifests
    assert children.started - started == 1


def test_the_worker_limits_each_render_and_leaves_the_hard_limits(
        fresh_worker: render._ServingWorker) -> None:
    import resource

    assert _render().error is None
    assert fresh_worker._proc is not None
    soft_cpu, hard_cpu = resource.prlimit(fresh_worker._proc.pid, resource.RLIMIT_CPU)
    soft_as, hard_as = resource.prlimit(fresh_worker._proc.pid, resource.RLIMIT_AS)
    unlimited = resource.RLIM_INFINITY
    assert 0 < soft_cpu <= render.cpu_seconds() + 60 and (hard_cpu == unlimited or soft_cpu < hard_cpu)
    assert soft_as == render.RENDER_MEMORY_BYTES and (hard_as == unlimited or soft_as < hard_as)
