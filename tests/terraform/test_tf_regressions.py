"""Regressions found by scanning real-world Terraform (reduced to minimal cases of our own)."""

from __future__ import annotations

from pathlib import Path

import pytest
from iacguard_builtin.terraform.loader import collect

from iacguard.config import build_config
from iacguard.engine import scan as engine_scan
from iacguard.loading import LoadContext, LoadResult
from iacguard.model import Resource
from iacguard.plugin import Plugins
from iacguard.values import Unknown


def scan(directory: Path, files: dict[str, str]) -> LoadResult:
    for name, content in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(content)
    result = collect(directory, LoadContext(root=directory, config=build_config({}, {})))
    assert result is not None
    return result


def by_address(result: LoadResult) -> dict[str, Resource]:
    return {r.address or r.id: r for r in result.resources}


def test_for_each_over_a_resource_keeps_its_computed_attributes(tmp_path: Path) -> None:
    # `for_each = aws_subnet.public` + `each.value.id` (route table associations, NAT gateways)
    result = scan(tmp_path, {"main.tf": """
resource "aws_subnet" "public" {
  for_each   = { a = "10.0.0.0/24", b = "10.0.1.0/24" }
  vpc_id     = "vpc-1"
  cidr_block = each.value
}
resource "aws_route_table_association" "public" {
  for_each       = aws_subnet.public
  subnet_id      = each.value.id
  route_table_id = "rtb-1"
  note           = each.value.cidr_block
}
"""})
    assert result.problems == []
    resources = by_address(result)
    assoc = resources['aws_route_table_association.public["b"]']
    assert assoc.body["subnet_id"] == Unknown('aws_subnet.public["b"].id')
    assert assoc.body["note"] == "10.0.1.0/24"
    assert {r.target for r in assoc.references} == {'tf:.:aws_subnet.public["b"]'}


@pytest.mark.parametrize(("expression", "expected"), [
    ('setproduct(["a", "b"], ["x", "y"])', [["a", "x"], ["a", "y"], ["b", "x"], ["b", "y"]]),
    ("setproduct([], [1])", []),
    ('{ for p in setproduct(["a"], [1, 2]) : "${p[0]}${p[1]}" => p[1] }', {"a1": 1, "a2": 2}),
    ('regexall("[0-9]+", "a1b22")', ["1", "22"]),
    ('regexall("(?P<k>[a-z])=(?P<v>[0-9])", "a=1 b=2")', [{"k": "a", "v": "1"}, {"k": "b", "v": "2"}]),
    ('length(regexall("x", "abc")) > 0', False),
    ('strcontains("hello", "ell")', True),
    ('chomp("a\\n\\n")', "a"),
    ('indent(2, "a\\nb")', "a\n  b"),
    ('matchkeys(["i1", "i2", "i3"], ["z1", "z2", "z1"], ["z1"])', ["i1", "i3"]),
    ('parseint("ff", 16)', 255),
    ('parseint("-101", 2)', -5),
    ("pow(2, 10)", 1024),
    ("signum(-3)", -1),
    ("log(8, 2)", 3),
    ('length(sha512("x"))', 128),
    ('base64sha256("hello")', "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="),
    ('urlencode("a b/c")', "a%20b%2Fc"),
    ('csvdecode("a,b\\n1,2\\n")', [{"a": "1", "b": "2"}]),
    ('templatestring("hi $${n}", { n = "x" })', "hi x"),
    ('map("k", "v", "k2", "v2")', {"k": "v", "k2": "v2"}),
    ('list("a", "b")', ["a", "b"]),
    ("issensitive(1)", False),
])
def test_functions_found_in_real_modules(tmp_path: Path, expression: str, expected: object) -> None:
    result = scan(tmp_path, {"main.tf": f'resource "null_resource" "x" {{\n  v = {expression}\n}}\n'})
    assert result.problems == []
    assert by_address(result)["null_resource.x"].body["v"] == expected


def test_setproduct_keys_for_each(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": """
locals {
  pairs = { for p in setproduct(["eu-a", "eu-b"], ["app", "db"]) : "${p[0]}-${p[1]}" => p }
}
resource "aws_subnet" "s" {
  for_each          = local.pairs
  availability_zone = each.value[0]
  vpc_id            = "vpc-1"
}
"""})
    assert sorted(by_address(result)) == [
        'aws_subnet.s["eu-a-app"]', 'aws_subnet.s["eu-a-db"]', 'aws_subnet.s["eu-b-app"]',
        'aws_subnet.s["eu-b-db"]']


def test_legacy_splat_then_index_picks_one_element(tmp_path: Path) -> None:
    # Terraform 0.11-0.13 modules: `aws_launch_template.x.*.id[count.index]` is
    # `[for v in x : v.id][i]`; `[*]` keeps later indexes inside: `x[*].l[0]` is `[for v in x : v.l[0]]`.
    result = scan(tmp_path, {"main.tf": """
resource "aws_launch_template" "lt" {
  count = 2
  name  = "lt-${count.index}"
  l     = ["a${count.index}", "b${count.index}"]
}
resource "aws_autoscaling_group" "asg" {
  count       = 2
  lt_id       = aws_launch_template.lt.*.id[count.index]
  lt_name     = aws_launch_template.lt.*.name[1]
  first_items = aws_launch_template.lt[*].l[0]
  legacy_all  = aws_launch_template.lt.*.name
}
"""})
    assert result.problems == []
    asg = by_address(result)["aws_autoscaling_group.asg[0]"]
    assert asg.body["lt_id"] == Unknown("aws_launch_template.lt[0].id")
    assert asg.body["lt_name"] == "lt-1"
    assert asg.body["first_items"] == ["a0", "a1"]
    assert asg.body["legacy_all"] == ["lt-0", "lt-1"]
    targets = {(r.path, r.target) for r in asg.references}
    assert ("lt_id", "tf:.:aws_launch_template.lt[0]") in targets
    assert ("lt_id", "tf:.:aws_launch_template.lt[1]") not in targets


def test_exponent_literals_are_whole_numbers(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": 'resource "null_resource" "x" {\n'
                             '  v = jsonencode([1e3, 2.5e0, 0.5])\n  n = 1e3\n}\n'})
    body = by_address(result)["null_resource.x"].body
    assert body["v"] == "[1000,2.5,0.5]"
    assert body["n"] == 1000 and isinstance(body["n"], int)


def test_files_read_by_the_configuration_are_consumed(tmp_path: Path) -> None:
    # `kubernetes_manifest` + `yamldecode(file(...))`: the YAML must not be scanned a second time.
    result = scan(tmp_path, {
        "main.tf": 'resource "kubernetes_manifest" "svc" {\n'
                   '  manifest = yamldecode(file("${path.module}/svc.yaml"))\n}\n'
                   'locals {\n  other = file("${path.module}/sub/other.yaml")\n}\n',
        "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: LoadBalancer\n",
        "sub/other.yaml": "a: 1\n",
        "unread.yaml": "b: 2\n"})
    names = {p.name for p in result.consumed}
    assert "svc.yaml" in names and "main.tf" in names
    assert "unread.yaml" not in names
    assert [r.kind for r in result.resources] == ["Service"]


def test_scanning_a_manifest_read_by_terraform_reports_it_once(tmp_path: Path, plugins: Plugins) -> None:
    (tmp_path / "main.tf").write_text('resource "kubernetes_manifest" "svc" {\n'
                                      '  manifest = yamldecode(file("${path.module}/svc.yaml"))\n}\n')
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: LoadBalancer\n"
        "  selector:\n    app: s\n  ports:\n    - port: 80\n")
    result, _ = engine_scan(plugins, build_config({}, {}), [tmp_path])
    assert [(f.rule_id, f.location.path) for f in result.findings if f.rule_id == "LB001"] == [
        ("LB001", "main.tf")]


def test_commented_out_module_calls_do_not_hide_a_root(tmp_path: Path) -> None:
    from iacguard_builtin.terraform.loader import called_directories

    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "main.tf").write_text('resource "aws_security_group" "x" {\n  name = "x"\n}\n')
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "main.tf").write_text('resource "aws_security_group" "y" {\n  name = "y"\n}\n')
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "main.tf").write_text(
        '# module "a" {\n#   source = "../legacy"\n# }\n'
        '// module "b" { source = "../legacy" }\n'
        '/*\nmodule "c" {\n  source = "../legacy"\n}\n*/\n'
        'resource "aws_s3_object" "o" {\n  key = "arn:aws:s3:::b/*" # a comment\n  source = "./f"\n}\n'
        'module "used" {\n  source = "../used" # the one real call\n}\n')
    called = called_directories(tmp_path)
    assert (tmp_path / "used").resolve() in called
    assert (tmp_path / "legacy").resolve() not in called
