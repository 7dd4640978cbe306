"""The Terraform loader on the plan/load contract: claims and ownership, reads through
`ctx.fs` (overlays, recorded inputs), content-keyed caching, and `helm_release` charts
rendered through the `iacguard_render_chart` hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from iacguard_builtin.terraform import loader
from iacguard_builtin.terraform import plugin as terraform_plugin

from iacguard import hookimpl
from iacguard.config import build_config
from iacguard.fs import FileSystem
from iacguard.loading import ChartRequest, Claim, LoadContext, LoadProblem, LoadResult, Memo
from iacguard.model import Resource, SourceSpan
from iacguard.plugin import make_plugins

from helpers import marks, scan, write

MODULE_CALL = """
module "net" {
  source = "./modules/net"
  name   = var.name
}
variable "name" {
  type = string
}
variable "unused" {
  type = string
  default = "x"
}
resource "kubernetes_config_map" "cfg" {
  metadata {
    name = var.name
  }
  data = {
    script = file("${path.module}/script.sh")
  }
}
"""
MODULE = """
variable "name" {}
resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
  tags = { Name = var.name }
}
"""


def context(root: Path, fs: FileSystem | None = None, memo: Memo | None = None,
            **options: Any) -> LoadContext:
    return LoadContext(root=root, config=build_config({}, {"options": options}),
                       fs=fs or FileSystem(), memo=memo or Memo())


def claim_and_load(path: Path, ctx: LoadContext) -> tuple[Claim, LoadResult]:
    claim = loader.claim(path, ctx)
    assert claim is not None
    result = loader.load(claim, ctx)
    assert result is not None
    return claim, result


def addresses(result: LoadResult) -> list[str]:
    return [r.address or r.id for r in result.resources]


# -- plan ---------------------------------------------------------------------------------
def test_a_root_claim_owns_its_files_and_the_modules_it_calls(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MODULE_CALL, "terraform.tfvars": 'name = "prod"\n',
                     "b.auto.tfvars": "", "a.auto.tfvars.json": "{}", "notes.txt": "",
                     "modules/net/main.tf": MODULE, "modules/unused/main.tf": MODULE,
                     "modules/net/terraform.tfvars": ""})
    ctx = context(tmp_path)
    claim = loader.claim(tmp_path, ctx)
    net = (tmp_path / "modules" / "net").resolve()
    assert claim == Claim("terraform", tmp_path, descend=True, owns=(
        tmp_path / "main.tf", tmp_path / "terraform.tfvars", tmp_path / "a.auto.tfvars.json",
        tmp_path / "b.auto.tfvars", net, net / "main.tf", net / "terraform.tfvars"))
    # The called directory is claimed too: the engine drops that claim, as the root owns it.
    assert loader.claim(net, ctx) == Claim("terraform", net, owns=(
        net / "main.tf", net / "terraform.tfvars"), descend=True)
    assert loader.claim(tmp_path / "modules", ctx) is None  # no Terraform files
    assert loader.claim(tmp_path / "notes.txt", ctx) is None
    lone = loader.claim(tmp_path / "main.tf", ctx)
    assert lone is not None and lone.owns == (tmp_path / "main.tf",)
    assert loader.load(Claim("helm", tmp_path), ctx) is None  # another loader's claim


def test_commented_out_calls_own_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": '# module "a" {\n#   source = "./legacy"\n# }\n',
                     "legacy/main.tf": MODULE})
    claim = loader.claim(tmp_path, context(tmp_path))
    assert claim is not None and claim.owns == (tmp_path / "main.tf",)


# -- load through ctx.fs --------------------------------------------------------------------
def test_an_overlay_changes_what_loads_without_touching_the_disk(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'resource "aws_vpc" "disk" {\n  cidr_block = "10.0.0.0/16"\n}\n'})
    on_disk = (tmp_path / "main.tf").read_bytes()
    buffer = b'resource "aws_vpc" "buffer" {\n  cidr_block = "10.1.0.0/16"\n}\n'
    unsaved = b'resource "aws_subnet" "new" {\n  vpc_id = aws_vpc.buffer.id\n}\n'
    fs = FileSystem(overlays={tmp_path / "main.tf": buffer, tmp_path / "new.tf": unsaved})
    claim, result = claim_and_load(tmp_path, context(tmp_path, fs))
    assert tmp_path / "new.tf" in claim.owns  # an unsaved file is listed
    assert addresses(result) == ["aws_vpc.buffer", "aws_subnet.new"]
    assert [r.target for r in result.resources[1].references] == ["tf:.:aws_vpc.buffer"]
    assert (tmp_path / "main.tf").read_bytes() == on_disk and not (tmp_path / "new.tf").exists()
    _, plain = claim_and_load(tmp_path, context(tmp_path))
    assert addresses(plain) == ["aws_vpc.disk"]


def test_everything_a_root_reads_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.tf": MODULE_CALL, "terraform.tfvars": 'name = "prod"\n',
                     "script.sh": "echo hi\n", "extra.tfvars": 'name = "extra"\n',
                     "modules/net/main.tf": MODULE})
    monkeypatch.setenv("TF_VAR_name", "from-env")
    monkeypatch.setenv("TF_VAR_undeclared", "ignored")
    ctx = context(tmp_path, tf_env_vars=True, tf_var_files=["extra.tfvars"]).recording()
    _, result = claim_and_load(tmp_path, ctx)
    assert ctx.fs.inputs is not None
    read = set(ctx.fs.inputs.files_read())
    net = (tmp_path / "modules" / "net").resolve()
    assert {tmp_path / "main.tf", tmp_path / "terraform.tfvars", tmp_path / "extra.tfvars",
            tmp_path / "script.sh", net / "main.tf"} <= read
    env = {key for kind, key in ctx.fs.inputs.observed if kind == "env"}
    assert env == {"TF_VAR_name", "TF_VAR_unused"}  # declared variables only
    (config_map,) = [r for r in result.resources if r.kind == "ConfigMap"]
    assert config_map.body["data"] == {"script": "echo hi\n"}
    assert config_map.name == "extra"  # --var-file beats the environment and terraform.tfvars
    assert result.consumed == [tmp_path / "script.sh"]  # read by file(): not scanned again


def test_no_cache_outlives_an_edit(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MODULE_CALL, "modules/net/main.tf": MODULE, "script.sh": ""})
    memo = Memo()
    net_main = (tmp_path / "modules" / "net" / "main.tf").resolve()
    first = FileSystem(overlays={net_main: MODULE.replace("aws_vpc", "aws_default_vpc").encode()})
    second = FileSystem(overlays={net_main: MODULE.encode()})
    _, one = claim_and_load(tmp_path, context(tmp_path, first, memo))
    _, two = claim_and_load(tmp_path, context(tmp_path, second, memo))
    assert "module.net.aws_default_vpc.this" in addresses(one)
    assert "module.net.aws_vpc.this" in addresses(two)
    parsed = memo.misses
    _, three = claim_and_load(tmp_path, context(tmp_path, second, memo))
    assert addresses(three) == addresses(two)
    assert memo.misses == parsed  # same content: parsed and scanned once, from the memo


def test_legacy_collect_owns_the_claim_and_what_the_configuration_read(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MODULE_CALL, "modules/net/main.tf": MODULE, "script.sh": ""})
    ctx = context(tmp_path)
    result = loader.collect(tmp_path, ctx)
    claim = loader.claim(tmp_path, ctx)
    assert result is not None and claim is not None
    assert result.consumed == [*claim.owns, tmp_path / "script.sh"] and result.descend
    called = loader.collect(tmp_path / "modules" / "net", ctx)
    assert called is not None and called.resources == []
    assert called.consumed == [tmp_path / "modules" / "net" / "main.tf"]


# -- helm_release through iacguard_render_chart -----------------------------------------------
CHART = {"charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n"}
RELEASE = """
resource "helm_release" "web" {
  name      = "shop"
  namespace = "store"
  chart     = "./charts/web"
  values    = [yamlencode({ a = { b = 1, c = 2 } }), "a:\\n  c: 3\\n"]
  set {
    name  = "list"
    value = "x,y"
  }
  set_list {
    name  = "items"
    value = ["p", "q,r"]
  }
  set_sensitive {
    name  = "flag"
    value = true
  }
}
resource "aws_security_group" "nodes" {
  name = "nodes"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


class FakeRenderer:
    """Renders any chart as one ConfigMap named after the release, keeping the requests."""

    def __init__(self) -> None:
        self.requests: list[ChartRequest] = []

    @hookimpl
    def iacguard_render_chart(self, request: ChartRequest, ctx: LoadContext) -> LoadResult:
        self.requests.append(request)
        span = SourceSpan(file=str(request.chart_dir / "Chart.yaml"))
        resource = Resource(id=f"helm:{request.profile}:ConfigMap/{request.release_name}",
                            kind="ConfigMap", name=str(request.release_name), format="helm",
                            origin=span, context={"chart": "web"})
        problem = LoadProblem(span=span, message="fake problem", rule="render-failed")
        return LoadResult(resources=[resource], problems=[problem])



def test_a_local_chart_release_is_rendered_through_the_hook(tmp_path: Path) -> None:
    write(tmp_path, {**CHART, "main.tf": RELEASE})
    renderer = FakeRenderer()
    plugins = make_plugins([renderer, terraform_plugin], entry_points=False)
    ctx = LoadContext(root=tmp_path, config=build_config({}, {}), expander=plugins)
    claim = plugins.claim(tmp_path, ctx)
    assert claim is not None
    result = plugins.load(claim, ctx)
    assert result is not None
    (request,) = renderer.requests
    release = next(r for r in result.resources if r.kind == "helm_release")
    assert request == ChartRequest(
        chart_dir=(tmp_path / "charts" / "web").resolve(), values={"a": {"b": 1, "c": 3}},
        set_values=(("list", "x\\,y"), ("flag", "true"), ("items", "{p,q\\,r}")),
        release_name="shop", namespace="store", profile="terraform:helm_release.web",
        origin=release.origin)
    (config_map,) = [r for r in result.resources if r.format == "helm"]
    assert config_map.context == {"chart": "web", "helm_release": "helm_release.web",
                                  "terraform_root": "."}
    assert [p.message for p in result.problems] == ["fake problem"]


def test_without_a_renderer_the_release_is_reported_and_the_root_still_checked(
        tmp_path: Path) -> None:
    write(tmp_path, {**CHART, "main.tf": RELEASE})
    plugins = make_plugins(blocked=["helm"])
    result, graph = scan(plugins, tmp_path, select=["BAS001", "PARSE003"])
    assert marks(result) == {("main.tf", 5, "PARSE003"), ("main.tf", 26, "BAS001")}
    (note,) = [f for f in result.findings if f.rule_id == "PARSE003"]
    assert "no plugin renders Helm charts" in note.message
    assert not [r for r in graph.resources() if r.format == "helm"]
    assert {r.kind for r in graph.resources()} == {"helm_release", "aws_security_group"}
