"""The engine's second phase: order-independent plans, scopes, declared categories and edge
kinds, resolved scan roots, explicit files no loader reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from iacguard_builtin.reporters import json_report

from iacguard import hookimpl
from iacguard.checks import CheckContext, CheckRegistry
from iacguard.errors import PolicyDefinitionError
from iacguard.fs import FileSystem
from iacguard.graph import ResourceGraph
from iacguard.model import Edge, Violation
from iacguard.plugin import Plugins, make_plugins

from helpers import marks, scan, write

NODEPORT = "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec:\n  type: NodePort\n"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""
ALLOW_ALL = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all, namespace: shop}
spec:
  podSelector: {}
  ingress: [{}]
"""


def _json(plugins: Plugins, *paths: Path, **config: object) -> str:
    from iacguard.reporting import RenderOptions

    return json_report.render(scan(plugins, *paths, **config)[0], RenderOptions())


def test_results_do_not_depend_on_walk_order(plugins: Plugins, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a/svc.yaml": NODEPORT, "b/svc.yaml": NODEPORT.replace("np", "np2"),
                     "c/web.yaml": DEPLOYMENT, "c/np.yaml": ALLOW_ALL,
                     "d/main.tf": 'module "m" {\n  source = "../e"\n}\n',
                     "e/main.tf": 'resource "aws_security_group" "sg" {\n  ingress {\n'
                                  '    from_port = 22\n    to_port = 22\n    protocol = "tcp"\n'
                                  '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'})
    forward = _json(plugins, tmp_path)
    original = FileSystem.iterdir
    monkeypatch.setattr(FileSystem, "iterdir", lambda self, d: list(reversed(original(self, d))))
    assert _json(plugins, tmp_path) == forward


def test_loose_manifests_are_scoped_by_folder_whatever_the_scan_root(
        plugins: Plugins, tmp_path: Path) -> None:
    """An allow-all NetworkPolicy in one folder does not cover a workload in another, and a
    folder has the same findings scanned alone or with its parent."""
    others_only = ALLOW_ALL.replace("podSelector: {}", "podSelector: {matchLabels: {app: db}}")
    write(tmp_path, {"app/web.yaml": DEPLOYMENT, "app/np.yaml": others_only,
                     "other/np.yaml": ALLOW_ALL,
                     "covered/web.yaml": DEPLOYMENT, "covered/np.yaml": ALLOW_ALL})
    parent, _ = scan(plugins, tmp_path, select=["network-policy"])
    assert {(p, r) for p, _, r in marks(parent)} == {("app/web.yaml", "NETP001")}
    alone, _ = scan(plugins, tmp_path / "app", select=["network-policy"])
    assert {r for _, _, r in marks(alone)} == {"NETP001"}
    assert [f.fingerprint for f in alone.findings] != []  # same finding, paths differ by root
    assert {f.message for f in alone.findings} == {f.message for f in parent.findings}


def test_configuration_joins_folders_into_one_scope(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"app/web.yaml": DEPLOYMENT, "netpol/np.yaml": ALLOW_ALL})
    result, graph = scan(plugins, tmp_path, select=["network-policy"],
                         scopes=[{"name": "shop", "paths": ["app/*", "netpol/*"]}])
    assert marks(result) == set()
    assert {r.scope for r in graph.resources()} == {"shop"}


def test_every_resource_has_a_scope(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"a/svc.yaml": NODEPORT, "b/c/svc.yaml": NODEPORT})
    _, graph = scan(plugins, tmp_path)
    assert {r.scope for r in graph.resources()} == {"a", "b/c"}


def test_a_scan_root_reached_through_a_symlink_reports_the_same_paths(
        plugins: Plugins, tmp_path: Path) -> None:
    real = write(tmp_path / "real", {"k8s/svc.yaml": NODEPORT})
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert _json(plugins, link / "k8s") == _json(plugins, real / "k8s")
    assert marks(scan(plugins, link / "k8s" / "svc.yaml")[0]) == {("svc.yaml", 5, "ING001")}


def test_an_explicit_file_no_loader_reads_is_a_finding(plugins: Plugins, tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "# hello\n", "svc.yaml": NODEPORT})
    result, _ = scan(plugins, tmp_path / "README.md")
    assert marks(result) == {("README.md", 1, "PARSE001")}
    assert result.exit_code() == 1
    # Walked (not named), files that are not infrastructure stay quiet.
    assert marks(scan(plugins, tmp_path)[0]) == {("svc.yaml", 5, "ING001")}


CUSTOM_POLICY = """\
id: CUS001
name: services-everywhere
category: {category}
severity: medium
title: A custom category and edge kind
check: custom-edge
rationale: Proves a third-party pack can add a category and an edge kind.
remediation: Nothing to do.
"""


def _pack(tmp_path: Path, category: str, declare: bool, edge_kind: str) -> object:
    files = {f"{category}/services-everywhere/policy.yaml": CUSTOM_POLICY.format(category=category)}
    if declare:
        files["categories.yaml"] = f"{category}: A third-party category\n"
    catalogue = write(tmp_path / "pack", files)

    class Pack:
        @staticmethod
        @hookimpl
        def iacguard_policy_dirs() -> list[Path]:
            return [catalogue]

        @staticmethod
        @hookimpl
        def iacguard_edge_kinds() -> dict[str, str]:
            return {"same-name": "objects that share a name"}

        @staticmethod
        @hookimpl
        def iacguard_link(graph: ResourceGraph) -> None:
            services = list(graph.resources("Service"))
            for a in services:
                for b in services:
                    if a.id < b.id:
                        graph.add_edge(Edge(source=a.id, target=b.id, kind=edge_kind))

        @staticmethod
        @hookimpl
        def iacguard_register_checks(registry: CheckRegistry) -> None:
            def custom(ctx: CheckContext[object]) -> list[Violation]:  # type: ignore[type-var]
                return [Violation.at(ctx.graph.get(e.source), (), f"{e.kind} {e.target}")
                        for e in ctx.graph.edges("same-name")]

            registry.add("custom-edge", custom)

    return Pack()


def test_a_third_party_pack_adds_a_category_and_an_edge_kind(tmp_path: Path) -> None:
    write(tmp_path / "scan", {"a.yaml": NODEPORT, "b.yaml": NODEPORT.replace("np", "np2")})
    plugins = make_plugins([_pack(tmp_path, "supply-chain", True, "same-name")])
    result, _ = scan(plugins, tmp_path / "scan", select=["CUS001"])
    (finding,) = result.findings
    assert (finding.rule_id, finding.category) == ("CUS001", "supply-chain")
    assert result.errors == []


def test_an_undeclared_category_is_refused_at_start_up(tmp_path: Path) -> None:
    plugins = make_plugins([_pack(tmp_path, "supply-chain", False, "same-name")])
    with pytest.raises(PolicyDefinitionError, match="category 'supply-chain' is not declared"):
        scan(plugins, tmp_path)


def test_an_undeclared_edge_kind_is_refused_where_it_is_drawn(tmp_path: Path) -> None:
    write(tmp_path / "scan", {"a.yaml": NODEPORT, "b.yaml": NODEPORT.replace("np", "np2")})
    plugins = make_plugins([_pack(tmp_path, "supply-chain", True, "same-nmae")])
    result, _ = scan(plugins, tmp_path / "scan")
    (error,) = result.errors
    assert error.kind == "linker-crashed" and "'same-nmae' is not declared" in error.message

