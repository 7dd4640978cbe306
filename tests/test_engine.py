"""The engine: re-loading one file, crash isolation, selection."""

from __future__ import annotations

from pathlib import Path

from iacguard import Violation, hookimpl
from iacguard.checks import CheckRegistry
from iacguard.config import build_config
from iacguard.engine import open_session
from iacguard.loading import LoadContext, LoadResult
from iacguard.plugin import Plugins, make_plugins

from helpers import marks, scan, write

NODEPORT = "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: NodePort\n"
CLEAN = "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: ClusterIP\n"


def test_reload_one_file(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": NODEPORT, "b.yaml": NODEPORT})
    session = open_session(plugins, build_config({}, {}), [tmp_path])
    session.load([tmp_path])
    result, _ = session.check()
    assert marks(result) == {("a.yaml", 5, "ING001"), ("b.yaml", 5, "ING001")}
    untouched = session.units[(tmp_path / "b.yaml").resolve()]
    write(tmp_path, {"a.yaml": CLEAN})
    session.reload(tmp_path / "a.yaml")
    result, _ = session.check()
    assert marks(result) == {("b.yaml", 5, "ING001")}
    assert session.units[(tmp_path / "b.yaml").resolve()] is untouched  # not re-loaded
    (tmp_path / "b.yaml").unlink()
    session.reload(tmp_path / "b.yaml")
    assert session.check()[0].findings == []


class CrashingPlugin:
    @staticmethod
    @hookimpl(tryfirst=True)
    def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
        if path.name == "boom.yaml":
            raise ValueError("loader bug")
        return None


def test_loader_crash_is_an_error_and_other_files_still_scan(tmp_path: Path) -> None:
    write(tmp_path, {"boom.yaml": NODEPORT, "ok.yaml": NODEPORT})
    plugins = make_plugins([CrashingPlugin()])
    result, _ = scan(plugins, tmp_path)
    assert marks(result) == {("ok.yaml", 5, "ING001")}
    (error,) = result.errors
    assert error.kind == "loader-crashed" and error.path == "boom.yaml"
    assert "loader bug" in error.message
    assert result.exit_code() == 2


EXPLODING_POLICY = """\
id: BOOM001
name: exploding-check
category: ingress
severity: low
title: A check with a bug
check: explode
rationale: Used to prove that a crashing check is reported.
remediation: Fix the check.
"""


def test_check_crash_is_reported_and_exits_2(tmp_path: Path) -> None:
    write(tmp_path / "scan", {"a.yaml": NODEPORT})
    catalogue = write(tmp_path / "catalogue", {"ingress/exploding-check/policy.yaml": EXPLODING_POLICY})

    class CrashingCheck:
        @staticmethod
        @hookimpl
        def iacguard_register_checks(registry: CheckRegistry) -> None:
            def explode(ctx: object) -> list[Violation]:
                raise KeyError("check bug")

            registry.add("explode", explode)

        @staticmethod
        @hookimpl
        def iacguard_policy_dirs() -> list[Path]:
            return [catalogue]

    result, _ = scan(make_plugins([CrashingCheck()]), tmp_path / "scan")
    assert marks(result) == {("a.yaml", 5, "ING001")}  # the other policies still ran
    (error,) = result.errors
    assert error.kind == "check-crashed" and "BOOM001" in error.message and "check bug" in error.message
    assert result.exit_code() == 2


def test_select_and_ignore(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": NODEPORT + "---\n" + NODEPORT.replace("np", "np2")
                     .replace("NodePort", "LoadBalancer")})
    assert {f.rule_id for f in scan(plugins, tmp_path, select=["ING001"])[0].findings} == {"ING001"}
    ignored = scan(plugins, tmp_path, ignore=["ingress", "LB001"])[0]
    assert ignored.findings == []


def _profiles_plugin(*profiles: str) -> object:
    """Loads every `*.svc` file as the same manifest rendered under each values profile."""

    class Profiles:
        @staticmethod
        @hookimpl(tryfirst=True)
        def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
            if path.suffix != ".svc":
                return None
            from iacguard_builtin.kubernetes.loader import load_text

            resources = []
            for profile in profiles:
                loaded = load_text(path.read_text(), path, ctx, variant=f"chart@{profile}",
                                   context={"profile": profile}, id_prefix=f"t:{profile}")
                assert loaded is not None
                resources += loaded.resources
            return LoadResult(resources=resources)

    return Profiles()


def test_identical_findings_across_variants_are_merged(tmp_path: Path) -> None:
    write(tmp_path, {"web.svc": NODEPORT})
    (merged,) = scan(make_plugins([_profiles_plugin("a", "b")]), tmp_path, select=["ING001"])[0].findings
    assert merged.context == {"profile": "a, b"}
    (single,) = scan(make_plugins([_profiles_plugin("a")]), tmp_path, select=["ING001"])[0].findings
    assert single.context == {"profile": "a"}
    # Adding a profile does not change the fingerprint, so baselines survive.
    assert merged.fingerprint == single.fingerprint


def test_files_another_unit_reads_are_reported_once(tmp_path: Path) -> None:
    """A unit that reads files elsewhere (Terraform `file()`, kustomize resources) owns them,
    whether the walk reached them before or after the unit."""
    write(tmp_path, {"a/svc.yaml": NODEPORT, "b/owner.txt": "", "c/sub/svc.yaml": NODEPORT})

    class Owner:
        @staticmethod
        @hookimpl(tryfirst=True)
        def iacguard_collect(path: Path, ctx: LoadContext) -> LoadResult | None:
            if path.is_dir() and (path / "owner.txt").exists():
                return LoadResult(consumed=[path / "../a/svc.yaml", path / "../c/sub/svc.yaml"],
                                  descend=True)
            return None

    result, _ = scan(make_plugins([Owner()]), tmp_path)
    assert result.findings == []  # neither file is scanned on its own
    result, _ = scan(make_plugins(), tmp_path)
    assert marks(result) == {("a/svc.yaml", 5, "ING001"), ("c/sub/svc.yaml", 5, "ING001")}
