"""`--jobs N` loads units in worker processes and reports the same bytes as `--jobs 1`."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard import cli
from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.parallel import UnitLoader, pool_context
from iacguard.plugin import make_plugins

from helpers import write
from mixed_tree import mixed_tree

TESTS = Path(__file__).resolve().parents[1]


def _tree(tmp_path: Path) -> Path:
    root = mixed_tree(tmp_path / "repo")
    write(root, {"k8s/more.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n"
                                  "  type: LoadBalancer\n  ports: [{port: 80}]\n"})
    return root


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_jobs_output_is_byte_identical(tmp_path: Path, fmt: str) -> None:
    root = _tree(tmp_path)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"{jobs}.{fmt}"
        code = cli.main(["scan", "--no-cache", "-q", "--no-fail", "-j", jobs, "-f", fmt, "-o", str(out),
                         str(root)])
        assert code == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_units_are_loaded_in_the_pool_with_the_blocked_plugins(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    reports = []
    for jobs in (1, 2):
        plugins = make_plugins(blocked=["helm"])
        session = open_session(plugins, build_config({}, {}), [root])
        session.loader = UnitLoader(jobs=jobs, blocked=("helm",))
        session.load([root])
        result, graph = session.check()
        assert not any(r.id.startswith("helm:") for r in graph.resources())
        reports.append(plugins.register_reporters().get("json")(result, cli.RenderOptions()))
        assert session.loader.pooled == (0 if jobs == 1 else session.loads)
    assert reports[0] == reports[1]


def test_workers_fork_from_a_server_that_imported_the_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker forked from the fork server finds iacguard and the plugins imported (each
    # worker importing them again cost more than most scans of a few files); a blocked
    # plugin is not imported there.
    import multiprocessing.forkserver

    preloaded: list[list[str]] = []
    monkeypatch.setattr(multiprocessing.forkserver, "set_forkserver_preload", preloaded.append)
    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork server here: workers are spawned")
    pool_context(make_plugins(blocked=["helm"]))
    [modules] = preloaded
    assert modules[:2] == ["__main__", "iacguard.parallel"]
    assert {"iacguard_builtin.kubernetes.plugin", "iacguard_builtin.terraform.plugin"} <= set(modules)
    assert "iacguard_builtin.helm.plugin" not in modules


def test_plugins_registered_in_code_are_never_farmed_out(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    session = open_session(make_plugins(), build_config({}, {}), [root])
    session.loader = UnitLoader(jobs=4)  # blocked=None: workers could not rebuild these plugins
    session.load([root])
    assert session.loader.pooled == 0
    assert session.loads > 2
