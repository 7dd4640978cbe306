"""Hostile Terraform input: each case ends as a LoadProblem with a file and line (or an
Unknown), never as an exception, a hang or a memory blow-up."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from iacguard_builtin.terraform import hcl, semantics
from iacguard_builtin.terraform.loader import collect

from iacguard.config import build_config
from iacguard.loading import LoadContext, LoadResult
from iacguard.values import Unknown

TIME_LIMIT = 20.0  # CPU seconds of this process per case (not wall-clock: a loaded machine
# must not fail a correct build); the cases take 0.1-3 s


def scan(directory: Path, files: dict[str, str | bytes]) -> LoadResult:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    ctx = LoadContext(root=directory, config=build_config({}, {}))
    started = time.process_time()
    result = collect(directory, ctx)
    assert time.process_time() - started < TIME_LIMIT
    assert result is not None
    return result


def problems(result: LoadResult) -> list[tuple[str, int, str]]:
    return [(Path(p.span.file).name, p.span.start_line, p.message) for p in result.problems]


def body_of(result: LoadResult, address: str) -> dict[str, object]:
    return next(r.body for r in result.resources if r.address == address)


def locals_file(lines: list[str], use: str) -> str:
    return "locals {\n" + "\n".join(lines) + f'\n}}\nresource "aws_instance" "a" {{\n  ami = {use}\n}}\n'


def test_deeply_nested_expression(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": 'resource "aws_instance" "a" {\n  ami = ' + "(" * 3000 + "1"
                             + ")" * 3000 + "\n}\n"})
    assert problems(result) == [("main.tf", 2, "expression of ami is nested too deeply")]
    assert result.resources == []


def test_expressions_nested_as_deep_as_real_modules_still_evaluate(tmp_path: Path) -> None:
    nested = "{a = " * 40 + "1" + "}" * 40
    result = scan(tmp_path, {"main.tf": f'resource "aws_instance" "a" {{\n  tags = {nested}\n'
                             f'  ami = {"max(" * 40 + "1" + ")" * 40}\n}}\n'})
    assert problems(result) == []
    assert body_of(result, "aws_instance.a")["ami"] == 1


def test_deeply_nested_blocks(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": 'resource "aws_instance" "a" {\n' + "b {\n" * 2000
                             + "}\n" * 2000 + "}\n"})
    [(file, line, message)] = problems(result)
    assert (file, message) == ("main.tf", f"blocks nested deeper than {hcl.MAX_BLOCK_DEPTH} levels")
    assert line > 1


def test_deeply_nested_json(tmp_path: Path) -> None:
    value = "[" * 5000 + "]" * 5000
    result = scan(tmp_path, {"main.tf.json": '{"locals": {"x": ' + value + "}}"})
    [(file, _, message)] = problems(result)
    assert file == "main.tf.json" and "nested" in message


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    result = scan(tmp_path, {
        "binary.tf": b'resource "aws_instance" "a" {\n ami = "\x00\x01\xff"\n}\n\x00',
        "latin1.tf": 'resource "aws_instance" "b" {\n ami = "caf\xe9"\n}\n'.encode("latin-1"),
        "ok.tf": 'resource "aws_instance" "c" {\n ami = "x"\n}\n'})
    assert sorted((f, line) for f, line, _ in problems(result)) == [("binary.tf", 1), ("latin1.tf", 1)]
    assert all("cannot read file" in m for _, _, m in problems(result))
    assert [r.address for r in result.resources] == ["aws_instance.c"]


def test_nul_bytes_in_a_utf8_file(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": 'resource "aws_instance" "a" {\n ami = "x"\n}\n\x00\x00\n'})
    [(file, _, message)] = problems(result)
    assert file == "main.tf" and "syntax" in message


def test_huge_file_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hcl, "MAX_HCL_BYTES", 10_000)
    block = 'resource "aws_security_group" "sg" {\n  name = "x"\n}\n'
    result = scan(tmp_path, {"main.tf": block * 400})
    [(file, line, message)] = problems(result)
    assert (file, line) == ("main.tf", 1) and message.startswith("file too large to parse")


def test_symlink_loop(tmp_path: Path) -> None:
    os.symlink(".", tmp_path / "loop")
    os.symlink("missing", tmp_path / "dangling.tf")
    result = scan(tmp_path, {"main.tf": 'resource "aws_instance" "a" {\n'
                                        '  ami = file("loop/loop/loop/x")\n}\n'})
    assert [r.address for r in result.resources] == ["aws_instance.a"]
    assert [(f, line) for f, line, _ in problems(result)] == [("main.tf", 2)]


def test_module_sources_pointing_at_themselves_or_system_directories(tmp_path: Path) -> None:
    result = scan(tmp_path / "root", {"main.tf": (
        'module "me" {\n  source = "./"\n}\n'
        'module "etc" {\n  source = "/etc"\n}\n'
        'module "up" {\n  source = "../../../../../../../../etc"\n}\n'
        'resource "aws_instance" "a" {\n  ami = module.me.x\n}\n')})
    assert [(f, line) for f, line, _ in problems(result)] == [("main.tf", 1), ("main.tf", 4), ("main.tf", 7)]
    assert "calls itself" in problems(result)[0][2]
    assert isinstance(body_of(result, "aws_instance.a")["ami"], Unknown)


def test_files_outside_the_root_are_not_read(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": (
        'resource "aws_instance" "a" {\n'
        '  user_data = file("/etc/passwd")\n'
        '  ami = templatefile("${path.module}/../../../../etc/hosts", {})\n}\n')})
    assert [(f, line) for f, line, _ in problems(result)] == [("main.tf", 2), ("main.tf", 3)]
    assert all("outside the scan root" in m for _, _, m in problems(result))
    body = body_of(result, "aws_instance.a")
    assert isinstance(body["user_data"], Unknown) and "root:" not in str(body["user_data"])


def test_huge_count_is_not_expanded(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": (
        'resource "aws_instance" "a" {\n  count = 100000000\n  ami = "x"\n}\n'
        'module "m" {\n  source = "./m"\n  count = 1e9\n}\n'),
        "m/main.tf": 'resource "aws_instance" "b" {\n  ami = "y"\n}\n'})
    assert [(f, line) for f, line, _ in problems(result)] == [("main.tf", 2), ("main.tf", 7)]
    assert all("more than" in m for _, _, m in problems(result))
    # Like an unknown count: one placeholder instance keeps the configuration checked.
    assert sorted(str(r.address) for r in result.resources) == [
        "aws_instance.a[*]", "module.m[*].aws_instance.b"]


def test_huge_range(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": locals_file(["  r = range(1e9)"], "length(local.r)")})
    assert [(f, line) for f, line, _ in problems(result)] == [("main.tf", 2)]
    assert isinstance(body_of(result, "aws_instance.a")["ami"], Unknown)


@pytest.mark.parametrize("step", [
    'join("", [local.s{p}, local.s{p}])',
    'format("%s%s", local.s{p}, local.s{p})',
    '"${{local.s{p}}}${{local.s{p}}}"',
    'replace(local.s{p}, "x", "xx")',
])
def test_doubling_strings_stop_at_the_string_limit(tmp_path: Path, step: str) -> None:
    lines = ['  s0 = "' + "x" * 100 + '"'] + [f"  s{i} = " + step.format(p=i - 1) for i in range(1, 40)]
    result = scan(tmp_path, {"main.tf": locals_file(lines, "local.s39")})
    [(file, line, message)] = problems(result)
    assert file == "main.tf" and "longer than" in message
    assert 10 < line < 40
    assert isinstance(body_of(result, "aws_instance.a")["ami"], Unknown)


def test_template_loops_stop_at_the_string_limit(tmp_path: Path) -> None:
    lines = ['  s = "' + "x" * 10_000 + '"',
             '  t = "%{for i in range(1000)}${local.s}%{endfor}"']
    result = scan(tmp_path, {"main.tf": locals_file(lines, "local.t")})
    assert [(line, "string longer than" in m) for _, line, m in problems(result)] == [(3, True)]


@pytest.mark.parametrize("step", [
    "concat(local.l{p}, local.l{p})", "[local.l{p}, local.l{p}]",
    "flatten([local.l{p}, local.l{p}])", "merge({{a = local.l{p}}}, {{b = local.l{p}}})"])
def test_doubling_collections_stop_at_the_size_limit(tmp_path: Path, step: str) -> None:
    lines = ["  l0 = [1, 2, 3, 4, 5, 6, 7, 8]"] + [f"  l{i} = " + step.format(p=i - 1) for i in range(1, 45)]
    result = scan(tmp_path, {"main.tf": locals_file(lines, "jsonencode(local.l44)")})
    assert problems(result)
    assert all("too large" in m or "nested deeper" in m for _, _, m in problems(result))
    assert isinstance(body_of(result, "aws_instance.a")["ami"], Unknown)


def test_format_width_and_precision(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": (
        'resource "aws_instance" "a" {\n  ami = format("%999999999d", 1)\n'
        '  user_data = format("%.999999999f", 1)\n  x = formatlist("%999999999s", ["a"])\n'
        '  ok = format("%05d|%-4s|%.2f", 42, "ab", 3.14159)\n}\n')})
    assert [(line, "too large" in m) for _, line, m in problems(result)] == [(2, True), (3, True), (4, True)]
    assert body_of(result, "aws_instance.a")["ok"] == "00042|ab  |3.14"


def test_nested_loops_stop_at_the_step_budget(tmp_path: Path) -> None:
    lines = ["  x = length(flatten([for a in range(1000) : [for b in range(1000) : "
             "[for c in range(1000) : a + b + c]]]))"]
    result = scan(tmp_path, {"main.tf": locals_file(lines, "local.x") + (
        'resource "aws_instance" "b" {\n  ami = local.x\n  user_data = "${local.x}"\n}\n')})
    # Said once, at the first attribute that ran out; everything after it is unknown.
    [(file, line, message)] = problems(result)
    assert (file, line) == ("main.tf", 2) and "expression steps" in message
    assert isinstance(body_of(result, "aws_instance.b")["user_data"], Unknown)


def test_recursive_locals(tmp_path: Path) -> None:
    lines = ["  a = local.b", "  b = local.c", "  c = local.a", '  d = "${local.d}x"']
    result = scan(tmp_path, {"main.tf": locals_file(lines, "[local.a, local.d]")})
    assert sorted(problems(result)) == [("main.tf", 2, "local.a depends on itself (cycle)"),
                                        ("main.tf", 5, "local.d depends on itself (cycle)")]


def test_yaml_aliases_do_not_expand_without_limit(tmp_path: Path) -> None:
    levels = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]'] + [
        f"a{i}: &a{i} [*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1}]"
        for i in range(1, 10)]
    result = scan(tmp_path, {"bomb.yaml": "\n".join(levels) + "\n",
                             "main.tf": locals_file(['  y = yamldecode(file("bomb.yaml"))'],
                                                    "jsonencode(local.y)")})
    assert [(f, line, "too large" in m) for f, line, m in problems(result)] == [("main.tf", 2, True)]


def test_tf_symlink_to_a_file_outside_the_root_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.tf"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "shared").mkdir()
    (root / "shared" / "vars.tf").write_text('variable "name" {\n  default = "n"\n}\n')
    os.symlink(outside, root / "passwd.tf")
    os.symlink(root / "shared" / "vars.tf", root / "vars.tf")  # inside the root: read
    result = scan(root, {"main.tf": 'resource "aws_instance" "a" {\n  ami = var.name\n}\n'})
    assert [(f, m) for f, _, m in problems(result)] == [
        ("passwd.tf", "passwd.tf links to a file outside the scan root: not read")]
    assert "root:x" not in str(result.problems)
    assert body_of(result, "aws_instance.a")["ami"] == "n"


def test_nested_module_counts_stop_at_the_instance_limit(tmp_path: Path) -> None:
    # 100 x 100 x 100 module instances of 10 resources each would be ten million resources.
    result = scan(tmp_path, {
        "main.tf": 'module "a" {\n  source = "./a"\n  count  = 100\n}\n',
        "a/main.tf": 'module "b" {\n  source = "../b"\n  count  = 100\n}\n',
        "b/main.tf": 'module "c" {\n  source = "../c"\n  count  = 100\n}\n',
        "c/main.tf": 'resource "aws_instance" "x" {\n  count = 10\n  ami   = "a"\n}\n'})
    assert len(result.resources) < 30_000
    assert problems(result)
    assert all("instances in this root module: not expanded" in m for _, _, m in problems(result))


def test_negative_count(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": 'resource "aws_instance" "a" {\n  count = -1\n  ami = "x"\n}\n'})
    assert problems(result) == [("main.tf", 2, "invalid count: -1 is negative")]
    assert result.resources == []


def test_deeply_nested_tfvars_json(tmp_path: Path) -> None:
    result = scan(tmp_path, {"terraform.tfvars.json": '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}",
                             "main.tf": 'variable "x" {}\nresource "aws_instance" "a" {\n  ami = var.x\n}\n'})
    assert problems(result) == [("terraform.tfvars.json", 1, "JSON nested too deeply")]
    assert isinstance(body_of(result, "aws_instance.a")["ami"], Unknown)
    assert "terraform.tfvars.json" in {p.name for p in result.consumed}


@pytest.mark.parametrize("call", [
    'replace(local.s, "a", local.r)',
    'replace(local.s, "/a/", local.r)',
    'replace(local.s, "", local.r)',
])
def test_replace_that_would_grow_past_the_limit(tmp_path: Path, call: str) -> None:
    lines = ['  s = "' + "a" * 5000 + '"', '  r = "' + "x" * 5000 + '"', f"  v = {call}"]
    result = scan(tmp_path, {"main.tf": locals_file(lines, "local.v")})
    assert [(line, "longer than" in m) for _, line, m in problems(result)] == [(4, True)]


def test_regex_replace_still_expands_groups(tmp_path: Path) -> None:
    result = scan(tmp_path, {"main.tf": locals_file([], 'replace("a-b", "/(\\\\w)-(\\\\w)/", "$2.$1")')})
    assert problems(result) == []
    assert body_of(result, "aws_instance.a")["ami"] == "b.a"


def _nested(levels: int, shared: bool) -> list[object]:
    value: list[object] = [1]
    for _ in range(levels - 1):
        value = [value, value] if shared else [value]
    return value


@pytest.mark.parametrize(("value", "outcome"), [
    # Shared parts count once for each place they appear: 1 + 999 * (1 + 999) values.
    ([[0] * 999] * 999, None),
    ([[0] * 999] * 1000, "too large"),
    (["x" * 16 * 999_998], None),  # a string weighs one value per 16 characters
    (["x" * 16 * 999_999], "too large"),
    (_nested(100, shared=False), None),
    (_nested(101, shared=False), "nested deeper"),
    # Too deep and, expanded, far too large: the walk reaches the depth first, and says so.
    (_nested(101, shared=True), "nested deeper"),
    (_nested(60, shared=True), "too large"),
])
def test_mass_limit_counts_every_place_a_shared_part_appears(value: object, outcome: str | None) -> None:
    if outcome is None:
        semantics.check_mass(value)
    else:
        with pytest.raises(semantics.LimitExceeded, match=outcome):
            semantics.check_mass(value)
