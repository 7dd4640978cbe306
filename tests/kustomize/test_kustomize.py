"""Kustomizations built with kubectl/kustomize: corpus, overlays, source mapping, failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from iacguard_builtin.kustomize import loader
from iacguard_builtin.kustomize.loader import build_command, load_directory

from iacguard.config import Config
from iacguard.loading import LoadContext
from iacguard.model import ScanResult
from iacguard.plugin import Plugins

from helpers import marks, scan, write

needs_kustomize = pytest.mark.skipif(
    build_command(Path(".")) is None,
    reason="neither kustomize nor kubectl is on PATH (kustomizations are reported as render-failed)",
)

BASE = {
    "base/kustomization.yaml": "resources:\n  - service.yaml\n",
    "base/service.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: ClusterIP\n"
        "  selector:\n    app: web\n  ports:\n    - port: 80\n"
    ),
    "overlays/public/kustomization.yaml": (
        "resources:\n  - ../../base\nnamePrefix: prod-\npatches:\n  - path: public.yaml\n"
    ),
    "overlays/public/public.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n"
    ),
}


@needs_kustomize
def test_overlay_finding_points_at_the_patch_line(plugins: Plugins, tmp_path: Path) -> None:
    root = write(tmp_path, BASE)
    result, graph = scan(plugins, root, select=["LB001"])
    # Only the overlay makes it a LoadBalancer; its patch wrote the value on line 6.
    assert marks(result) == {("overlays/public/public.yaml", 6, "LB001")}
    (finding,) = result.findings
    assert finding.context == {"kustomization": "overlays/public"}
    assert finding.resource.name == "prod-web"
    services = {(r.variant, r.name, r.format) for r in graph.resources("Service")}
    # Base and overlay are both built, and the base file is not scanned a third time raw.
    assert services == {("base", "web", "kustomize"), ("overlays/public", "prod-web", "kustomize")}
    overlay = next(r for r in graph.resources("Service") if r.variant == "overlays/public")
    assert overlay.origin.file == str(root / "base" / "service.yaml")
    port = overlay.span_for(("spec", "ports", 0, "port"))
    assert (Path(port.file).name, port.start_line, port.precision) == ("service.yaml", 10, "exact")
    name = overlay.span_for(("metadata", "name"))  # prefixed by the overlay: not the literal
    assert (name.start_line, name.precision) == (4, "block")


@needs_kustomize
def test_build_failure_is_render_failed(plugins: Plugins, tmp_path: Path) -> None:
    root = write(tmp_path, {"kustomization.yaml": "resources:\n  - missing.yaml\n"})
    result, _ = scan(plugins, root)
    assert [(f.rule_id, f.location.path) for f in result.findings] == [("PARSE002", "kustomization.yaml")]
    assert "missing.yaml" in result.findings[0].message
    assert result.exit_code() == 1


def test_without_kustomize_the_directory_fails_loudly(plugins: Plugins, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader.shutil, "which", lambda name: None)
    root = write(tmp_path, BASE)
    result = load_directory(root / "overlays" / "public", LoadContext(root=root, config=Config()))
    assert result is not None
    assert result.resources == []
    assert [(p.rule, p.message) for p in result.problems] == [
        ("render-failed", "kustomize build failed: kustomize not available: install kubectl or kustomize")
    ]
    # Its files are still consumed: the patch is not scanned as if it were a manifest.
    assert root / "overlays" / "public" / "public.yaml" in result.consumed


def test_remote_base_is_refused_without_fetching(tmp_path: Path) -> None:
    root = write(tmp_path, {"kustomization.yaml": (
        "resources:\n  - deploy.yaml\n  - https://github.com/example/app//config?ref=v1\n"),
        "deploy.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"})
    result = load_directory(root, LoadContext(root=root, config=Config()))
    assert result is not None
    assert [(p.rule, p.span.start_line) for p in result.problems] == [("render-failed", 3)]
    assert "never fetches" in result.problems[0].message


@needs_kustomize
def test_referenced_files_below_are_not_scanned_twice(plugins: Plugins, tmp_path: Path) -> None:
    root = write(tmp_path, {
        "kustomization.yaml": "resources:\n  - manifests/service.yaml\nnamespace: shop\n",
        "manifests/service.yaml": BASE["base/service.yaml"].replace("ClusterIP", "NodePort"),
        "manifests/unrelated.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
        "chart/Chart.yaml": "apiVersion: v2\nname: inner\nversion: 0.1.0\n",
        "chart/templates/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n"
                                   "  name: {{ .Release.Name }}\n",
    })
    result, graph = scan(plugins, root, select=["ING001"])
    found = sorted((r.format, r.kind, r.namespace or "") for r in graph.resources())
    # The referenced file only through the build; the unrelated one as a plain manifest;
    # a chart below the kustomization still rendered by the Helm loader.
    assert found == [("helm", "ServiceAccount", "default"), ("kubernetes", "ConfigMap", ""),
                     ("kustomize", "Service", "shop")]
    assert marks(result) == {("manifests/service.yaml", 6, "ING001")}


@pytest.fixture(scope="module")
def kustomize_corpus(plugins: Plugins, corpus: Path) -> ScanResult:
    if build_command(corpus) is None:
        pytest.skip("neither kustomize nor kubectl is on PATH")
    result, _ = scan(plugins, corpus / "kustomize")
    return result


def test_corpus_kustomizations_build(kustomize_corpus: ScanResult) -> None:
    failed = {f.location.path for f in kustomize_corpus.findings if f.rule_id == "PARSE002"}
    # The two deliberately broken overlays: an empty kustomization, a patch without target.
    assert failed == {"checkov-example/overlays/empty/kustomization.yaml",
                      "checkov-example/overlays/test/kustomization.yaml"}
    assert kustomize_corpus.errors == []
    lb = sorted((f.location.path, f.location.start_line, f.context["kustomization"])
                for f in kustomize_corpus.findings if f.rule_id == "LB001")
    # Online Boutique's frontend-external (base/frontend.yaml:130), reported once for every
    # kustomization that includes the base; components (partial patches) are never built alone.
    assert lb == [("microservices-demo/base/frontend.yaml", 130, ", ".join(sorted([
        "microservices-demo", "microservices-demo/base",
        "microservices-demo/tests/memorystore-with-all-components",
        "microservices-demo/tests/spanner-with-all-components"])))]
    assert all(f.resource.format == "kustomize" for f in kustomize_corpus.findings
               if f.rule_id != "PARSE002")
