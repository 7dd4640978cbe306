"""The Helm loader on the claim/load contract: ownership, overlays, recorded inputs and the
`iacguard_render_chart` hook other loaders render local charts through."""

from __future__ import annotations

from pathlib import Path

from iacguard_builtin.helm.loader import render_values_profile

from iacguard.config import Config
from iacguard.fs import FileSystem
from iacguard.loading import ChartRequest, LoadContext
from iacguard.model import SourceSpan
from iacguard.plugin import Plugins

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHART = FIXTURES / "profiles-chart"
ORIGIN = SourceSpan(file=str(FIXTURES / "main.tf"), start_line=3, end_line=9, precision="block")


def _ctx(plugins: Plugins, fs: FileSystem | None = None) -> LoadContext:
    return LoadContext(root=FIXTURES, config=Config(), fs=fs or FileSystem(), expander=plugins)


def _service_types(plugins: Plugins, ctx: LoadContext) -> dict[str, object]:
    claim = plugins.claim(CHART, ctx)
    assert claim is not None
    result = plugins.load(claim, ctx)
    assert result is not None and result.problems == []
    return {str(r.variant): r.body["spec"]["type"] for r in result.resources if r.kind == "Service"}


def test_chart_claim_owns_every_file_and_stops_the_walk(plugins: Plugins) -> None:
    claim = plugins.claim(CHART, _ctx(plugins))
    assert claim is not None and claim.loader == "helm" and claim.descend is False
    assert {p.relative_to(CHART).as_posix() for p in claim.owns} == {
        "Chart.yaml", "values.yaml", "values-staging.yaml", "ci/public-values.yaml",
        "templates/NOTES.txt", "templates/_helpers.tpl", "templates/deployment.yaml",
        "templates/service.yaml",
    }
    assert plugins.claim(CHART / "templates", _ctx(plugins)) is None  # a plain directory


def test_unsaved_values_file_changes_the_render(plugins: Plugins) -> None:
    before = (CHART / "values.yaml").read_bytes()
    edited = before.replace(b"type: ClusterIP", b"type: NodePort")
    assert edited != before
    overlaid = _service_types(plugins, _ctx(plugins, FileSystem(overlays={CHART / "values.yaml": edited})))
    assert overlaid == {"profiles-chart@default": "NodePort", "profiles-chart@public-values": "LoadBalancer"}
    assert _service_types(plugins, _ctx(plugins)) == {"profiles-chart@default": "ClusterIP",
                                                      "profiles-chart@public-values": "LoadBalancer"}
    assert (CHART / "values.yaml").read_bytes() == before


def test_values_files_and_templates_are_recorded_inputs(plugins: Plugins) -> None:
    ctx = _ctx(plugins).recording()
    claim = plugins.claim(CHART, ctx)
    assert claim is not None
    plugins.load(claim, ctx)
    assert ctx.fs.inputs is not None
    assert {p.relative_to(CHART).as_posix() for p in ctx.fs.inputs.files_read()} == {
        "Chart.yaml", "values.yaml", "ci/public-values.yaml",
        "templates/deployment.yaml", "templates/service.yaml",
    }
    assert ("tree", str(CHART)) in ctx.fs.inputs.observed


def test_render_chart_hook_matches_a_rendered_profile(plugins: Plugins) -> None:
    ctx = _ctx(plugins)
    request = ChartRequest(chart_dir=CHART, values={"service": {"type": "NodePort"}},
                           set_values=(("service.port", "8080"),), release_name="from-tf",
                           namespace="apps", profile="terraform:helm_release.shop", origin=ORIGIN)
    result = ctx.render_chart(request)
    assert result is not None and result.problems == []
    expected = render_values_profile(CHART, {"service": {"type": "NodePort", "port": 8080}},
                                     "terraform:helm_release.shop", ctx, release_name="from-tf",
                                     namespace="apps")
    assert result.resources == expected.resources
    service = next(r for r in result.resources if r.kind == "Service")
    assert service.id == ("helm:profiles-chart@terraform:helm_release.shop:templates/service.yaml:"
                          "Service:apps/from-tf-web")
    assert service.variant == "profiles-chart@terraform:helm_release.shop"
    assert service.context == {"chart": "profiles-chart", "profile": "terraform:helm_release.shop"}
    assert service.body["spec"]["ports"][0]["port"] == 8080


def test_render_chart_hook_reports_problems(plugins: Plugins, tmp_path: Path) -> None:
    ctx = _ctx(plugins)
    bad_set = ctx.render_chart(ChartRequest(chart_dir=CHART, set_values=(("a[x]", "1"),),
                                            profile="p", origin=ORIGIN))
    assert bad_set is not None
    assert [(p.span, p.rule) for p in bad_set.problems] == [(ORIGIN, "unresolved-input")]
    broken = ctx.render_chart(ChartRequest(chart_dir=CHART, values={"service": "flat"}, profile="broken",
                                           origin=ORIGIN))
    assert broken is not None and broken.resources == []
    assert [p.rule for p in broken.problems] == ["render-failed"]
    assert "values profile broken" in broken.problems[0].message
    assert Path(broken.problems[0].span.file).is_relative_to(CHART)
    missing = ctx.render_chart(ChartRequest(chart_dir=tmp_path, profile="p", origin=ORIGIN))
    assert missing is not None
    assert [(p.span, p.rule) for p in missing.problems] == [(ORIGIN, "render-failed")]
