"""Classification and anchoring on hand-built findings and diffs, and the tree export on a
real repository (export attributes, links out of the tree)."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from iacguard_builtin.review.anchors import Anchor, anchor
from iacguard_builtin.review.classify import classify
from iacguard_builtin.review.diff import by_head_path, parse
from iacguard_builtin.review.git import Repository
from iacguard_builtin.review.scanning import Scanned, Tree, TreeScan

from iacguard.model import (
    Finding,
    Location,
    Provenance,
    Resource,
    ResourceRef,
    Severity,
    SourceSpan,
    Suppression,
)

from review_helpers import Repo

TOP = Path("/repo")
TREE = Tree(TOP, PurePosixPath())


def _scanned(fp: str, path: str = "k8s/svc.yaml", line: int = 7, *, suppressed: bool = False,
             resource: Resource | None = None, logical: tuple[str | int, ...] = (),
             related: list[Location] | None = None) -> Scanned:
    sup = Suppression(kind="inline", reason="r", rule="LB001", path=path, line=line) \
        if suppressed else None
    finding = Finding(rule_id="LB001", rule_name="n", category="internal-lb",
                      severity=Severity.HIGH, title="t", message="m",
                      resource=ResourceRef(id="r", kind="Service", name="web", format="kubernetes"),
                      location=Location(path=path, start_line=line, end_line=line),
                      related=related or [], fingerprint=fp, suppression=sup)
    return Scanned(finding, resource, logical, ())


def _tree_scan(*found: Scanned) -> TreeScan:
    return TreeScan(TREE, found, (), Severity.LOW, 1, {})


def test_classification_by_fingerprint() -> None:
    head = _tree_scan(_scanned("new"), _scanned("both"), _scanned("unsuppressed-now"),
                      _scanned("suppressed-now", suppressed=True),
                      _scanned("still-suppressed", suppressed=True))
    base = _tree_scan(_scanned("both"), _scanned("gone"),
                      _scanned("unsuppressed-now", suppressed=True), _scanned("suppressed-now"),
                      _scanned("still-suppressed", suppressed=True), _scanned("gone-suppressed",
                                                                           suppressed=True))
    c = classify(head, base, {})
    assert {n.scanned.fingerprint for n in c.new} == {"new", "unsuppressed-now"}
    assert {s.fingerprint for s in c.fixed} == {"gone"}
    assert {s.fingerprint for s in c.pre_existing} == {"both"}
    assert {s.fingerprint for s in c.suppressed} == {"suppressed-now", "still-suppressed"}
    assert c.current() == {"new", "unsuppressed-now", "both"}
    assert {n.anchor for n in c.new} == {Anchor("summary")}  # nothing in the diff


DIFF = """\
diff --git a/infra/variables.tf b/infra/variables.tf
--- a/infra/variables.tf
+++ b/infra/variables.tf
@@ -1,4 +1,4 @@
 variable "private_nodes" {
   type    = bool
-  default = true
+  default = false
 }
diff --git a/infra/main.tf b/infra/main.tf
--- a/infra/main.tf
+++ b/infra/main.tf
@@ -10,6 +10,7 @@
 module "gke" {
   source = "./gke"
+  region = "europe-west4"
 }
 x
 y
 z
diff --git a/charts/web/values.yaml b/charts/web/values-prod.yaml
similarity index 95%
rename from charts/web/values.yaml
rename to charts/web/values-prod.yaml
--- a/charts/web/values.yaml
+++ b/charts/web/values-prod.yaml
@@ -1,5 +1,6 @@
 service:
-  type: ClusterIP
+  type: LoadBalancer
+  port: 80
 a: 1
 b: 2
 c: 3
diff --git a/k8s/svc.yaml b/k8s/svc.yaml
--- a/k8s/svc.yaml
+++ b/k8s/svc.yaml
@@ -20,4 +20,3 @@
 p: 1
-q: 2
 r: 3
 s: 4
"""
FILES = by_head_path(parse(DIFF))


def _resource(**fields: object) -> Resource:
    return Resource(id="tf:x", kind="google_container_cluster", name="x", format="terraform",
                    origin=SourceSpan(file=str(TOP / "infra/gke/main.tf"), start_line=1,
                                      end_line=9, precision="block"), **fields)  # type: ignore[arg-type]


def test_anchor_order_location_related_provenance_enclosing() -> None:
    span = SourceSpan(file=str(TOP / "infra/variables.tf"), start_line=3, end_line=3)
    prov = {"private_cluster_config/0/enable_private_nodes":
            Provenance(kind="variable-default", description="default of var.private_nodes",
                       span=span)}
    on_block = _scanned("a", "infra/gke/main.tf", 4, resource=_resource(provenance=prov))
    assert anchor(on_block, TREE, FILES) == Anchor(
        "line", "infra/variables.tf", "infra/variables.tf", 3, None, None, "provenance",
        "default of var.private_nodes")
    # A related location the change touched comes before the provenance.
    related = _scanned("b", "infra/gke/main.tf", 4, resource=_resource(provenance=prov),
                       related=[Location(path="charts/web/values-prod.yaml", start_line=1,
                                         end_line=4)])
    assert anchor(related, TREE, FILES) == Anchor(
        "line", "charts/web/values-prod.yaml", "charts/web/values.yaml", 3, 2, None, "related")
    # Nothing else touched: the module call that produced the resource.
    call = SourceSpan(file=str(TOP / "infra/main.tf"), start_line=10, end_line=13, precision="block")
    enclosed = _scanned("c", "infra/gke/main.tf", 4, resource=_resource(enclosing=(call,)))
    assert anchor(enclosed, TREE, FILES) == Anchor("line", "infra/main.tf", "infra/main.tf", 12,
                                                   None, None, "enclosing")


def test_anchor_on_a_deletion_and_the_fallbacks() -> None:
    # Line 21 is the context line where `q: 2` was deleted: GitLab gets both line numbers.
    deleted = _scanned("d", "k8s/svc.yaml", 21)
    assert anchor(deleted, TREE, FILES) == Anchor("line", "k8s/svc.yaml", "k8s/svc.yaml", 21,
                                                  None, 22, "location")
    untouched = _scanned("e", "k8s/svc.yaml", 2)
    assert anchor(untouched, TREE, FILES) == Anchor("file", "k8s/svc.yaml", "k8s/svc.yaml",
                                                    via="location")
    elsewhere = _scanned("f", "k8s/other.yaml", 2)
    assert anchor(elsewhere, TREE, FILES) == Anchor("summary")
    outside = _resource(provenance={"a": Provenance(kind="tfvars", description="d", span=SourceSpan(
        file="/elsewhere/x.tfvars", start_line=3, end_line=3))})
    assert anchor(_scanned("g", "k8s/other.yaml", 2, resource=outside), TREE, FILES) == \
        Anchor("summary")


def test_export_writes_every_file_of_the_tree(repo: Repo, tmp_path: Path) -> None:
    repo.commit("base", {".gitattributes": "hidden.yaml export-ignore\nsubst.yaml export-subst\n",
                         "hidden.yaml": "kind: Secret\n", "subst.yaml": "v: $Format:%H$\n",
                         "dir/a.tf": "locals {}\n"})
    os.symlink("/etc/passwd", repo.path / "out")
    os.symlink("dir/a.tf", repo.path / "in")
    sha = repo.commit("links", {})
    dest = tmp_path / "export"
    dest.mkdir()
    Repository(repo.path.resolve()).export(sha, dest)
    assert (dest / "hidden.yaml").read_text() == "kind: Secret\n"
    assert (dest / "subst.yaml").read_text() == "v: $Format:%H$\n"
    assert (dest / "dir/a.tf").read_text() == "locals {}\n"
    assert (dest / "in").is_symlink() and not (dest / "out").exists() \
        and not (dest / "out").is_symlink()  # a link out of the tree is not exported
