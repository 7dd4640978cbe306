"""Helm charts rendered in-process: profiles, source mapping, render failures, the corpus."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from iacguard_builtin.helm import loader
from iacguard_builtin.helm.loader import load_chart, render_error_problem, render_values_profile
from iacguard_builtin.helm.render import RENDER_MEMORY_BYTES
from iacguard_builtin.helm.worker import Rendered

from iacguard.cli import main
from iacguard.config import Config
from iacguard.loading import LoadContext
from iacguard.model import ScanResult
from iacguard.plugin import Plugins

from helpers import marks, scan, write

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROFILES_CHART = FIXTURES / "profiles-chart"


def _findings(result: ScanResult, rule: str) -> list[tuple[str, int, str, str]]:
    return sorted((f.location.path, f.location.start_line, f.location.precision,
                   f.context.get("profile", "")) for f in result.findings if f.rule_id == rule)


def test_finding_only_in_the_profile_that_causes_it(plugins: Plugins) -> None:
    result, graph = scan(plugins, PROFILES_CHART)
    # ci/public-values.yaml turns the Service into a LoadBalancer; the default profile does not.
    assert _findings(result, "LB001") == [("ci/public-values.yaml", 2, "exact", "public-values")]
    finding = next(f for f in result.findings if f.rule_id == "LB001")
    assert finding.context == {"chart": "profiles-chart", "profile": "public-values"}
    assert finding.resource.id == ("helm:profiles-chart@public-values:templates/service.yaml:"
                                   "Service:default/shop-web")
    variants = {r.variant for r in graph.resources("Service")}
    assert variants == {"profiles-chart@default", "profiles-chart@public-values"}
    assert not result.errors


def test_configured_profile_is_rendered_and_labelled(plugins: Plugins) -> None:
    options = {"helm_profiles": {"staging": ["values-staging.yaml"], "absent": ["nope.yaml"]}}
    result, graph = scan(plugins, PROFILES_CHART, options=options)
    staging = [r for r in graph.resources("Service") if r.context.get("profile") == "staging"]
    assert len(staging) == 1
    # values-staging.yaml makes it an *internal* LoadBalancer: no LB001 for that profile.
    assert staging[0].body["spec"]["type"] == "LoadBalancer"
    assert {p for _, _, _, p in _findings(result, "LB001")} == {"public-values"}
    # A profile whose files the chart does not have is not rendered for it.
    assert all(r.context.get("profile") != "absent" for r in graph.resources())


def test_cli_values_and_set_apply_to_every_profile(plugins: Plugins, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    code = main(["scan", str(PROFILES_CHART), "--helm-set", "service.type=LoadBalancer",
                 "--helm-namespace", "shop", "--select", "LB001", "-f", "json", "-o", str(out)])
    assert code == 1
    text = out.read_text()
    # Set on the command line: no values file line, so the template line that uses it.
    assert '"path": "templates/service.yaml"' in text
    assert '"start_line": 12' in text
    assert "Service:shop/shop-web" in text
    values = write(tmp_path, {"prod.yaml": "service:\n  type: NodePort\n"}) / "prod.yaml"
    code = main(["scan", str(PROFILES_CHART), "--helm-values", str(values), "--select", "ING001",
                 "-f", "json", "-o", str(out)])
    assert code == 1
    # NodePort comes from the CLI values file: the finding points at its line.
    assert '"path": "' in out.read_text() and "prod.yaml" in out.read_text()


def test_source_mapping_precision(tmp_path: Path) -> None:
    ctx = LoadContext(root=FIXTURES, config=Config())
    result = load_chart(PROFILES_CHART, ctx)
    service = next(r for r in result.resources
                   if r.kind == "Service" and r.context["profile"] == "default")
    template = str(PROFILES_CHART / "templates" / "service.yaml")
    assert service.origin.file == template and service.origin.precision == "block"
    target = service.span_for(("spec", "ports", 0, "targetPort"))
    assert (target.file, target.start_line, target.precision) == (template, 18, "exact")
    # `type:` reads `.Values.service.type`, which values.yaml sets on line 2.
    kind = service.span_for(("spec", "type"))
    assert (Path(kind.file).name, kind.start_line, kind.precision) == ("values.yaml", 2, "exact")
    assert service.provenance["spec/type"].kind == "values"
    # Labels pasted by `include`: only the enclosing key is known, and it says so.
    label = service.span_for(("metadata", "labels", "app.kubernetes.io/instance"))
    assert (label.start_line, label.precision) == (5, "block")
    # NOTES.txt is never an object; the chart's files are consumed, not rescanned.
    assert PROFILES_CHART / "templates" / "NOTES.txt" in result.consumed
    assert result.descend is False


def test_render_values_profile_is_callable_with_a_values_dict() -> None:
    ctx = LoadContext(root=FIXTURES, config=Config())
    output = render_values_profile(PROFILES_CHART, {"service": {"type": "NodePort"}}, "tf-release",
                                   ctx, release_name="from-terraform", namespace="apps")
    assert output.error is None
    service = next(r for r in output.resources if r.kind == "Service")
    assert service.body["spec"]["type"] == "NodePort"
    assert service.name == "from-terraform-web" and service.namespace == "apps"
    assert service.variant == "profiles-chart@tf-release"
    failed = render_values_profile(PROFILES_CHART, {"service": {"port": {"not": "a port"}}}, "bad", ctx)
    assert failed.error is None  # a map renders as text: Helm does not validate ports
    broken = render_values_profile(PROFILES_CHART, {"service": "flat"}, "broken", ctx)
    assert broken.error is not None and broken.resources == []
    problem = render_error_problem(broken.error, PROFILES_CHART, "broken")
    assert problem.rule == "render-failed" and "values profile broken" in problem.message
    assert Path(problem.span.file).parent.name in ("templates", "profiles-chart")


def test_render_worker_imports_no_iacguard_package() -> None:
    # The worker starts once per values profile: importing `iacguard` (pydantic, networkx)
    # there was most of a render's CPU time.
    request = json.dumps({"chart": str(PROFILES_CHART), "values": {}, "release_name": "r",
                          "namespace": "default", "memory": RENDER_MEMORY_BYTES}) + "\n"
    code = ("import sys\nfrom iacguard_builtin.helm.worker import serve\nserve(30)\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], input=request, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    answer, modules = json.loads(proc.stdout), set(proc.stderr.split())
    assert answer["error"] is None and "templates/service.yaml" in answer["manifests"]
    ours = {m for m in modules if m.split(".")[0] in ("iacguard", "iacguard_builtin")}
    assert {m for m in ours if not m.startswith("iacguard_builtin.helm")} == {"iacguard_builtin"}
    assert "iacguard_builtin.helm.worker" in ours
    loaded = {m.split(".")[0] for m in modules}
    assert "helm_python" in loaded and {"pydantic", "networkx", "pluggy", "ruamel"} & loaded == set()


CHART = "apiVersion: v2\nname: probe\nversion: 0.1.0\n"


def test_render_error_points_at_the_template_line(plugins: Plugins, tmp_path: Path) -> None:
    chart = write(tmp_path / "probe", {
        "Chart.yaml": CHART,
        "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"
                             "  a: {{ fail \"no database configured\" }}\n",
    })
    result, _ = scan(plugins, chart)
    assert marks(result) == {("templates/cm.yaml", 6, "PARSE002")}
    assert "no database configured" in result.findings[0].message
    assert result.exit_code() == 1


def test_files_and_lookup_stay_inside_the_chart(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"outside.txt": "secret-from-outside"})
    chart = write(tmp_path / "probe", {
        "Chart.yaml": CHART,
        "inside.txt": "packaged",
        "templates/cm.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"
            "  inside: {{ .Files.Get \"inside.txt\" | quote }}\n"
            "  outside: {{ .Files.Get \"../outside.txt\" | quote }}\n"
            "  lookup: {{ if lookup \"v1\" \"Secret\" \"default\" \"db\" }}found{{ else }}empty{{ end }}\n"
        ),
    })
    result = load_chart(chart, LoadContext(root=tmp_path, config=Config()))
    assert result.problems == []
    (cm,) = result.resources
    assert cm.body["data"] == {"inside": "packaged", "outside": "", "lookup": "empty"}


def test_symlink_out_of_the_chart_is_refused(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"outside.txt": "secret"})
    chart = write(tmp_path / "probe", {"Chart.yaml": CHART, "templates/cm.yaml": "kind: x\n"})
    (chart / "leak.txt").symlink_to(tmp_path / "outside.txt")
    result = load_chart(chart, LoadContext(root=tmp_path, config=Config()))
    assert result.resources == []
    assert [p.rule for p in result.problems] == ["render-failed"]
    assert "symlinks point outside the chart" in result.problems[0].message


def test_vendored_tgz_subchart_renders(plugins: Plugins, tmp_path: Path) -> None:
    import helm_python as helm

    sub = write(tmp_path / "src" / "sub", {
        "Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.2.0\n",
        "templates/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sub-sa\n",
    })
    parent = write(tmp_path / "parent", {
        "Chart.yaml": CHART + "dependencies:\n  - name: sub\n    version: 0.2.0\n"
                              "    repository: https://charts.example.com\n",
    })
    (parent / "charts").mkdir()
    helm.package(str(sub), destination=str(parent / "charts"))
    result = load_chart(parent, LoadContext(root=tmp_path, config=Config()))
    assert result.problems == []
    (sa,) = result.resources
    assert sa.name == "sub-sa"
    assert sa.origin.file == str(parent / "charts" / "sub-0.2.0.tgz")
    assert sa.origin.precision == "file"


# -- the corpus -------------------------------------------------------------------------

BROKEN = {
    # (chart, file, line): the render-failed problems each deliberately broken chart gives.
    "kube-linter-malformed-deps-chart": {("values.yaml", 2)},  # `child: "not-a-map"`
    "kube-linter-subchart": {("templates/deployment.yaml", 4)},  # include of a parent's helper
    "kube-linter-mychart": {("Chart.yaml", 8)},  # dependency file://../subchart not vendored
    "checkov-schema-registry": {("Chart.yaml", 6), ("Chart.yaml", 12)},  # common, kafka missing
}


def _chart_digest(chart_dir: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in chart_dir.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(chart_dir)}\0".encode() + file.read_bytes() + b"\0")
    return digest.hexdigest()


@contextmanager
def _sharing(renders: dict[str, Rendered]) -> Iterator[None]:
    """Helm renders (a process each) shared by the corpus tests: the same chart, files, values
    and release render once. Everything after the render (mapping, checks) runs every time."""
    render = loader.render_chart

    def shared(chart_dir: Path, values: dict[str, Any], *, release_name: str,
               namespace: str) -> Rendered:
        key = json.dumps([str(chart_dir), _chart_digest(chart_dir), values, release_name, namespace],
                         sort_keys=True)
        if key not in renders:
            renders[key] = render(chart_dir, values, release_name=release_name, namespace=namespace)
        return copy.deepcopy(renders[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "render_chart", shared)
        yield


@pytest.fixture(scope="module")
def corpus_renders() -> dict[str, Rendered]:
    return {}


@pytest.fixture
def shared_renders(corpus_renders: dict[str, Rendered]) -> Iterator[None]:
    with _sharing(corpus_renders):
        yield


@pytest.fixture(scope="module")
def helm_corpus(plugins: Plugins, corpus: Path, corpus_renders: dict[str, Rendered]) -> ScanResult:
    with _sharing(corpus_renders):
        result, _ = scan(plugins, corpus / "helm")
    return result


@pytest.mark.usefixtures("shared_renders")
def test_every_corpus_chart_renders_or_says_why(plugins: Plugins, corpus: Path) -> None:
    charts = sorted(p for p in (corpus / "helm").iterdir() if (p / "Chart.yaml").is_file())
    assert len(charts) >= 10
    for chart in charts:
        result = load_chart(chart, LoadContext(root=corpus / "helm", config=Config()))
        failed = {(str(Path(p.span.file).relative_to(chart)), p.span.start_line)
                  for p in result.problems if p.rule == "render-failed"}
        assert failed == BROKEN.get(chart.name, set()), chart.name
        if chart.name not in BROKEN:
            assert result.resources, f"{chart.name} rendered no objects"


def test_ingress_nginx_controller_is_a_public_load_balancer(helm_corpus: ScanResult) -> None:
    lb = {(f.resource.id, f.location.path, f.location.start_line) for f in helm_corpus.findings
          if f.rule_id == "LB001" and f.context.get("chart") == "ingress-nginx"}
    # values.yaml line 506: `type: LoadBalancer` under controller.service; every ci profile
    # of the chart switches it to ClusterIP or NodePort, so only `default` is reported.
    assert lb == {("helm:ingress-nginx@default:templates/controller-service.yaml:Service:"
                   "default/ingress-nginx-controller", "ingress-nginx/values.yaml", 506)}
    assert helm_corpus.errors == []


@pytest.mark.usefixtures("shared_renders")
def test_designated_entry_point_is_not_reported(plugins: Plugins, corpus: Path, tmp_path: Path) -> None:
    chart = corpus / "helm" / "ingress-nginx"
    params = {"public_entry_points": ["default/ingress-nginx-controller"]}
    result, _ = scan(plugins, chart, policies={"LB001": {"params": params}}, select=["LB001"])
    assert [f for f in result.findings if f.rule_id == "LB001"] == []
    result, _ = scan(plugins, chart, select=["LB001"])
    assert len([f for f in result.findings if f.rule_id == "LB001"]) == 1


@pytest.mark.usefixtures("shared_renders")
def test_rbac_roles_counted_from_a_chart(plugins: Plugins, corpus: Path) -> None:
    result, _ = scan(plugins, corpus / "helm" / "ingress-nginx",
                     policies={"RBAC001": {"params": {"max_roles": 3}}}, select=["RBAC001"])
    (finding,) = [f for f in result.findings if f.rule_id == "RBAC001"]
    # One role rendered under 15 profiles is still one role.
    assert finding.message.startswith("4 distinct Roles and ClusterRoles defined (at most 3)")
    for name in ("ClusterRole ingress-nginx,", "Role default/ingress-nginx,",
                 "ClusterRole ingress-nginx-admission", "Role default/ingress-nginx-admission"):
        assert name in finding.message + ","


def test_corpus_pwnchart_wildcard_role_lines(helm_corpus: ScanResult) -> None:
    # One `*/*/*` rule is one finding: at its first field, the other two as related places.
    wildcard = [f for f in helm_corpus.findings if f.rule_id == "RBAC002"]
    assert [(f.location.path, f.location.start_line, f.location.precision) for f in wildcard] == [
        ("kubernetes-goat-pwnchart/templates/clusterrole.yaml", 6, "exact")]
    assert [(r.start_line, r.precision) for r in wildcard[0].related] == [(7, "exact"), (8, "exact")]


def test_chart_copy_has_stable_ids(plugins: Plugins, tmp_path: Path) -> None:
    shutil.copytree(PROFILES_CHART, tmp_path / "shop")
    first, g1 = scan(plugins, tmp_path / "shop")
    second, g2 = scan(plugins, tmp_path / "shop")
    assert [r.id for r in g1.resources()] == [r.id for r in g2.resources()]
    assert len({r.id for r in g1.resources()}) == len(list(g1.resources()))
    assert [f.fingerprint for f in first.findings] == [f.fingerprint for f in second.findings]


def test_missing_dependency_disabled_by_its_condition_is_not_a_failure(tmp_path: Path) -> None:
    chart = write(tmp_path / "app", {
        "Chart.yaml": CHART + "dependencies:\n  - name: redis\n    version: 18.x.x\n"
                              "    repository: oci://registry.example.com/charts\n"
                              "    condition: redis.enabled\n",
        "values.yaml": "redis:\n  enabled: false\n",
        "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    })
    ctx = LoadContext(root=tmp_path, config=Config())
    result = load_chart(chart, ctx)
    assert [(p.rule, p.span.start_line) for p in result.problems] == [("unresolved-input", 5)]
    # Turned on from the command line, the same dependency is missing for real.
    enabled = LoadContext(root=tmp_path, config=Config(options={"helm_set": ["redis.enabled=true"]}))
    result = load_chart(chart, enabled)
    assert [(p.rule, p.span.start_line) for p in result.problems] == [("render-failed", 5)]
    assert "helm dependency build" in result.problems[0].message


@pytest.mark.usefixtures("shared_renders")
def test_crds_map_to_their_own_lines(corpus: Path) -> None:
    chart = corpus / "helm" / "bitnami-sealed-secrets"
    result = load_chart(chart, LoadContext(root=corpus / "helm", config=Config()))
    (crd,) = [r for r in result.resources if r.kind == "CustomResourceDefinition"]
    assert crd.origin.file == str(chart / "crds" / "sealed-secrets.yaml")
    scope = crd.span_for(("spec", "scope"))
    line = (chart / "crds" / "sealed-secrets.yaml").read_text().splitlines()[scope.start_line - 1]
    assert scope.precision == "exact" and line.strip() == "scope: Namespaced"


def test_template_rendering_invalid_yaml_is_render_failed(plugins: Plugins, tmp_path: Path) -> None:
    chart = write(tmp_path / "probe", {
        "Chart.yaml": CHART,
        "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
                             "data:\n  a: {{ .Values.text }}\n",
        "values.yaml": "text: 'key: value: broken'\n",
    })
    result, _ = scan(plugins, chart)
    assert [(f.rule_id, f.location.path, f.location.precision) for f in result.findings] == [
        ("PARSE002", "templates/cm.yaml", "file")]
    assert "renders invalid YAML" in result.findings[0].message


def test_malformed_helm_options_are_reported(tmp_path: Path) -> None:
    config = Config(options={"helm_profiles": ["values-prod.yaml"], "helm_set": {"a": 1}})
    result = load_chart(PROFILES_CHART, LoadContext(root=FIXTURES, config=config))
    assert sorted(p.message for p in result.problems) == [
        "chart not rendered as configured: option helm_profiles must map profile names to lists "
        "of values files",
        "chart not rendered as configured: option helm_set must be a list of strings",
    ]
