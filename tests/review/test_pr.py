"""`iacguard pr` on throwaway repositories: new / fixed / pre-existing / suppressed as exact
sets, anchors on the changed lines that cause each finding (including findings in unchanged
files), `--head REF`, the working tree, and the errors of a shallow clone."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest
from iacguard_builtin.review.git import Repository
from iacguard_builtin.review.scanning import LoadOptions, Tree, scan_tree

from iacguard.config import build_config
from iacguard.plugin import Plugins

from review_helpers import CLUSTER_TF, POD, VARIABLES_TF, Repo, classes, run_pr

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: LoadBalancer
  ports:
    - port: 80
"""
NODEPORT = """\
apiVersion: v1
kind: Service
metadata:
  name: admin
  namespace: shop
spec:
  type: NodePort
  ports:
    - port: 8080
"""
SELECT = ["--select", "LB001,LB002,PN002,PSC001,PSC002,ING001"]


@pytest.fixture
def shop(repo: Repo) -> tuple[Repo, str, str]:
    """main: private nodes (from a variable default), a public Service, a privileged pod.
    feature: the default turned false (PN002 on main.tf, LB002 on the unchanged Service),
    the pod no longer privileged (PSC001 fixed; PSC002 suppressed inline), a NodePort
    Service added (ING001 and LB002 on the new file)."""
    base = repo.commit("base", {"infra/main.tf": CLUSTER_TF, "infra/variables.tf": VARIABLES_TF,
                                "k8s/svc.yaml": SERVICE, "k8s/pod.yaml": POD})
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit("head", {
        "infra/variables.tf": VARIABLES_TF.replace("default = true", "default = false"),
        "k8s/pod.yaml": POD.replace("privileged: true", "privileged: false").replace(
            "  containers:", "  # iacguard:ignore PSC002 busybox needs root, debug only\n"
                            "  containers:"),
        "k8s/admin.yaml": NODEPORT})
    return repo, base, head


EXPECTED = {
    "new": {("PN002", "infra/main.tf"), ("LB002", "k8s/svc.yaml"), ("ING001", "k8s/admin.yaml"),
            ("LB002", "k8s/admin.yaml")},
    "fixed": {("PSC001", "k8s/pod.yaml")},  # PSC002 was suppressed, not fixed
    "pre_existing": {("LB001", "k8s/svc.yaml")},
    "suppressed": {("PSC002", "k8s/pod.yaml")},
}


def _anchors(json_text: str) -> dict[tuple[str, str], tuple[str, str | None, int | None, str | None]]:
    doc = json.loads(json_text)
    return {(n["finding"]["rule_id"], n["finding"]["location"]["path"]):
            (n["anchor"]["kind"], n["anchor"].get("path"), n["anchor"].get("line"),
             n["anchor"].get("via")) for n in doc["new"]}


def test_classification_and_anchors_on_the_checked_out_head(
        plugins: Plugins, shop: tuple[Repo, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    repo, _, _ = shop
    code, out, err = run_pr(plugins, [str(repo.path), "--base", "main", "--format", "json",
                                      *SELECT], capsys)
    assert code == 1, err  # new findings at or above the default fail_on (low)
    assert classes(out) == EXPECTED
    assert _anchors(out) == {
        # The variable's default changed: PN002 (main.tf:5 unchanged) is posted on it...
        ("PN002", "infra/main.tf"): ("line", "infra/variables.tf", 3, "provenance"),
        # ...and so is LB002 of the unchanged Service, through the cluster it names.
        ("LB002", "k8s/svc.yaml"): ("line", "infra/variables.tf", 3, "provenance"),
        ("ING001", "k8s/admin.yaml"): ("line", "k8s/admin.yaml", 7, "location"),
        ("LB002", "k8s/admin.yaml"): ("line", "k8s/admin.yaml", 7, "location"),
    }
    # The suppression is listed, never new; the summary on stderr counts the same.
    assert "4 new (4 at or above low), 1 fixed, 1 pre-existing, 1 suppressed" in err


def test_head_ref_scans_that_commit_and_agrees_with_the_checkout(
        plugins: Plugins, shop: tuple[Repo, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    repo, base, head = shop
    repo.git("checkout", "-q", "main")
    (repo.path / "k8s" / "svc.yaml").write_text("not: [valid", encoding="utf-8")  # not scanned
    code, out, _ = run_pr(plugins, [str(repo.path), "--base", base, "--head", "feature",
                                    "--format", "json", *SELECT], capsys)
    assert code == 1
    doc = json.loads(out)
    assert (doc["merge_base"], doc["head"], doc["head_is_working_tree"]) == (base, head, False)
    assert classes(out) == EXPECTED
    assert repo.git("status", "--porcelain") == "M k8s/svc.yaml"  # the repository untouched


@pytest.mark.parametrize(("scanned", "relroot"), [
    (["."], ""), (["k8s"], "k8s"),
    # k8s/b is new: the base side has only k8s/a, and is still rooted at k8s.
    (["k8s/a", "k8s/b"], "k8s")])
def test_untouched_files_keep_their_fingerprints(
        plugins: Plugins, repo: Repo, tmp_path: Path, scanned: list[str], relroot: str) -> None:
    """The base tree, exported to a temporary directory, and the checkout give an unchanged
    file's findings the same fingerprints (resource ids are built from root-relative paths,
    and both sides are rooted alike), also when only a part of the repository is scanned."""
    base = repo.commit("base", {"k8s/a/svc.yaml": SERVICE, "k8s/a/pod.yaml": POD})
    repo.write({"k8s/b/admin.yaml": NODEPORT})
    export = tmp_path / "base"
    export.mkdir()
    Repository(repo.path.resolve()).export(base, export)
    config = build_config({}, {})
    sides = [scan_tree(plugins, config, LoadOptions(jobs=1, no_cache=True),
                       Tree(top, PurePosixPath(relroot)), [PurePosixPath(p) for p in scanned])
             for top in (repo.path.resolve(), export)]
    head, old = ({(f.fingerprint, f.path) for f in side.findings if f.path != "k8s/b/admin.yaml"}
                 for side in sides)
    assert head == old and {p for _, p in head} == {"k8s/a/svc.yaml", "k8s/a/pod.yaml"}
    assert "k8s/b/admin.yaml" in {f.path for f in sides[0].findings}


def test_terraform_line_change_anchors_the_unchanged_service_through_related(
        plugins: Plugins, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("base", {"main.tf": CLUSTER_TF.replace("var.private_nodes", "true"),
                         "k8s/svc.yaml": SERVICE})
    # Uncommitted: the head side is the working tree.
    repo.write({"main.tf": CLUSTER_TF.replace("var.private_nodes", "false")})
    code, out, _ = run_pr(plugins, [str(repo.path), "--base", "main", "--format", "json",
                                    "--select", "LB002,PN002"], capsys)
    assert code == 1
    assert classes(out)["new"] == {("LB002", "k8s/svc.yaml"), ("PN002", "main.tf")}
    assert _anchors(out) == {
        ("LB002", "k8s/svc.yaml"): ("line", "main.tf", 5, "related"),
        ("PN002", "main.tf"): ("line", "main.tf", 5, "location"),
    }
    assert json.loads(out)["head_is_working_tree"] is True


def test_markdown_summary_says_where_each_new_finding_goes(
        plugins: Plugins, shop: tuple[Repo, str, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo, _, _ = shop
    monkeypatch.chdir(repo.path / "k8s")  # no paths: the whole repository, infra/ included
    code, out, _ = run_pr(plugins, ["--base", "main", "--no-fail", *SELECT], capsys)
    assert code == 0  # --no-fail
    assert out.startswith("### iacguard: 4 new findings at or above low: fails the check\n")
    assert "| 4 | 1 | 1 | 1 |" in out
    rows = [line for line in out.splitlines() if line.startswith("| critical ")]
    assert [r.rsplit("|", 2)[1].strip() for r in rows] == [
        "line k8s/admin.yaml:7", r"line infra/variables.tf:3"]
    assert "<details><summary>Pre-existing findings (1)</summary>" in out


def test_no_base_without_a_platform_is_a_usage_error(
        plugins: Plugins, shop: tuple[Repo, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    repo, _, _ = shop
    code, _, err = run_pr(plugins, [str(repo.path), "--platform", "none"], capsys)
    assert code == 2
    assert "no base to compare with: give --base REF" in err


def test_option_like_refs_are_refused(
        plugins: Plugins, shop: tuple[Repo, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    repo, _, _ = shop
    code, _, err = run_pr(plugins, [str(repo.path), "--base=--output=/tmp/x"], capsys)
    assert code == 2 and "is not a git revision" in err


def test_shallow_clone_errors_suggest_the_full_history(
        plugins: Plugins, shop: tuple[Repo, str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo, base, _ = shop
    # main moves on, so feature and main meet only at `base`.
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on", {"k8s/other.yaml": NODEPORT.replace("admin", "other")})
    clone = Repo.__new__(Repo)
    clone.path = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", "1", "--branch", "feature",
             f"file://{repo.path}", str(clone.path))
    code, _, err = run_pr(plugins, [str(clone.path), "--base", base], capsys)
    assert code == 2
    assert f"--base {base!r} is not a commit" in err and "fetch-depth: 0" in err
    clone.git("fetch", "-q", "--depth", "1", "origin", "main")
    code, _, err = run_pr(plugins, [str(clone.path), "--base", "FETCH_HEAD"], capsys)
    assert code == 2
    assert "no merge base of" in err and "fetch-depth: 0" in err


def test_paths_outside_a_repository(plugins: Plugins, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "lone").mkdir()
    code, _, err = run_pr(plugins, [str(tmp_path / "lone"), "--base", "main"], capsys)
    assert code == 2 and "is not inside a git repository" in err
