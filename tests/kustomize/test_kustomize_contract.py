"""The Kustomize loader on the claim/load contract: ownership, schema problems, overlays,
recorded inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from iacguard_builtin.kustomize.loader import build_command, load_directory

from iacguard.config import Config
from iacguard.fs import FileSystem
from iacguard.loading import LoadContext
from iacguard.plugin import Plugins

from helpers import write

needs_kustomize = pytest.mark.skipif(
    build_command(Path(".")) is None,
    reason="neither kustomize nor kubectl is on PATH (kustomizations are reported as render-failed)",
)

SERVICE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: ClusterIP\n"
           "  selector:\n    app: web\n  ports:\n    - port: 80\n")
TREE = {
    "base/kustomization.yaml": "resources:\n  - service.yaml\n",
    "base/service.yaml": SERVICE,
    "overlays/prod/kustomization.yaml": (
        "resources:\n  - ../../base\n  - manifests/cm.yaml\nnamePrefix: prod-\n"
        "patches:\n  - path: patch.yaml\n"
        "configMapGenerator:\n  - name: cfg\n    files: [conf/app.properties]\n"
    ),
    "overlays/prod/patch.yaml": ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
                                 "spec:\n  type: NodePort\n"),
    "overlays/prod/manifests/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    "overlays/prod/manifests/other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n",
    "overlays/prod/conf/app.properties": "a=1\n",
}


def test_claim_owns_own_and_referenced_plain_files_not_bases(plugins: Plugins, tmp_path: Path) -> None:
    root = write(tmp_path, TREE)
    ctx = LoadContext(root=root, config=Config())
    claim = plugins.claim(root / "overlays" / "prod", ctx)
    assert claim is not None and claim.loader == "kustomize" and claim.descend is True
    assert {p.relative_to(root).as_posix() for p in claim.owns} == {
        "overlays/prod/kustomization.yaml", "overlays/prod/patch.yaml",
        "overlays/prod/manifests/cm.yaml", "overlays/prod/conf/app.properties",
    }
    base = plugins.claim(root / "base", ctx)
    assert base is not None and {p.name for p in base.owns} == {"kustomization.yaml", "service.yaml"}


@pytest.mark.parametrize(("text", "line", "where"), [
    ("resources: 3\n", 1, "resources"),
    ("namePrefix: x-\nconfigMapGenerator: 1\n", 2, "configMapGenerator"),
    ("configMapGenerator:\n  - name: cfg\n    files: 2\n", 3, "configMapGenerator.0.files"),
])
def test_wrong_types_are_parse_errors_at_the_key(tmp_path: Path, text: str, line: int, where: str) -> None:
    root = write(tmp_path, {"kustomization.yaml": text})
    result = load_directory(root, LoadContext(root=root, config=Config()))
    assert result is not None and result.resources == []
    assert [(Path(p.span.file).name, p.span.start_line, p.rule) for p in result.problems] == [
        ("kustomization.yaml", line, "unparseable-file")]
    assert f"invalid kustomization: {where}:" in result.problems[0].message
    assert result.consumed == [root / "kustomization.yaml"]


def _service_types(plugins: Plugins, directory: Path, ctx: LoadContext) -> dict[str, object]:
    claim = plugins.claim(directory, ctx)
    assert claim is not None
    result = plugins.load(claim, ctx)
    assert result is not None and result.problems == []
    return {r.name: (r.body["spec"]["type"], r.body["spec"]["ports"][0]["port"])
            for r in result.resources if r.kind == "Service"}


@needs_kustomize
def test_unsaved_resource_changes_the_build(plugins: Plugins, tmp_path: Path) -> None:
    root = write(tmp_path, TREE)
    edited = SERVICE.replace("ClusterIP", "LoadBalancer").replace("port: 80", "port: 81").encode()
    overlaid = LoadContext(root=root, config=Config(),
                           fs=FileSystem(overlays={root / "base" / "service.yaml": edited}))
    assert _service_types(plugins, root / "base", overlaid) == {"web": ("LoadBalancer", 81)}
    assert _service_types(plugins, root / "base", LoadContext(root=root, config=Config())) == \
        {"web": ("ClusterIP", 80)}
    assert (root / "base" / "service.yaml").read_text() == SERVICE
    # The overlay builds on the unsaved base (its port), and its own patch still wins (type).
    assert _service_types(plugins, root / "overlays" / "prod", overlaid) == {"prod-web": ("NodePort", 81)}


@needs_kustomize
def test_resources_bases_and_tool_are_recorded_inputs(plugins: Plugins, tmp_path: Path) -> None:
    root = write(tmp_path, TREE)
    ctx = LoadContext(root=root, config=Config()).recording()
    claim = plugins.claim(root / "overlays" / "prod", ctx)
    assert claim is not None
    plugins.load(claim, ctx)
    inputs = ctx.fs.inputs
    assert inputs is not None
    assert {p.relative_to(root).as_posix() for p in inputs.files_read()} == {
        "base/kustomization.yaml", "base/service.yaml", "overlays/prod/kustomization.yaml",
        "overlays/prod/patch.yaml", "overlays/prod/manifests/cm.yaml", "overlays/prod/conf/app.properties",
    }
    tools = {key for kind, key in inputs.observed if kind == "tool"}
    assert len(tools) == 1 and tools <= {"kustomize", "kubectl"}
    hits, misses = ctx.memo.hits, ctx.memo.misses
    plugins.load(claim, ctx)  # the tool's version is asked once per binary
    assert (ctx.memo.hits, ctx.memo.misses) == (hits + 1, misses)
