"""Terraform's regex functions use RE2: linear-time matching, Go's syntax and error wording."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from iacguard_builtin.terraform.functions import builtin
from iacguard_builtin.terraform.loader import collect
from iacguard_builtin.terraform.semantics import EvalError

from iacguard.children import run_bounded
from iacguard.config import build_config
from iacguard.loading import LoadContext


def call(name: str, *args: Any) -> Any:
    found = builtin(name)
    assert found is not None
    return found[0](*args)


def test_catastrophic_backtracking_pattern_finishes_within_a_cpu_limit() -> None:
    """`(a+)+$` on 40 a's and a '!' never finishes with a backtracking engine: the child
    is killed by its CPU limit (SIGXCPU) and the assertion fails; RE2 answers at once."""
    code = ("from iacguard_builtin.terraform.functions import builtin\n"
            "from iacguard_builtin.terraform.semantics import EvalError\n"
            "for fn, args in [('regexall', ('(a+)+$', 'a' * 40 + '!')),\n"
            "                 ('replace', ('a' * 40 + '!', '/(a|aa)+$/', 'x')),\n"
            "                 ('regex', ('(x+x+)+y', 'x' * 5000))]:\n"
            "    try:\n"
            "        print(fn, builtin(fn)[0](*args))\n"
            "    except EvalError as exc:\n"
            "        print(fn, exc)\n")
    done = run_bounded([sys.executable, "-c", code], timeout=600, cpu_seconds=20)
    assert (done.returncode, done.stdout.decode().splitlines()) == (0, [
        "regexall []", "replace " + "a" * 40 + "!",
        "regex regex(): pattern did not match any part of the given string"])


@pytest.mark.parametrize(("pattern", "message"), [
    ("(a", "error parsing regexp: missing closing ): `(a`"),
    ("(?=a)b", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
    ("(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
    ("a{2000}", "error parsing regexp: invalid repeat count: `{2000}`"),
    ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
    ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
    ("(?P<n>a)(?P<n>b)", "error parsing regexp: duplicate capture group name: `n`"),
])
def test_patterns_re2_rejects_are_reported_as_terraform_would(pattern: str, message: str) -> None:
    for fn, args in (("regex", (pattern, "x")), ("regexall", (pattern, "x")),
                     ("replace", ("x", f"/{pattern}/", "y"))):
        with pytest.raises(EvalError) as raised:
            call(fn, *args)
        assert str(raised.value) == f"{fn}(): invalid regexp pattern: {message}"


def test_go_semantics_of_groups_and_expansion() -> None:
    assert call("regex", "(?P<k>[a-z]+)=(?P<v>[0-9]*)", "key=") == {"k": "key", "v": ""}
    assert call("regex", "(a)|(b)", "b") == ["", "b"]
    assert call("replace", "a-b", "/(?P<x>\\w)-(\\w)/", "${2}.$x.$$") == "b.a.$"
    assert call("replace", "ab", "/(a)/", "$1x") == "b"  # `$1x` names group "1x": empty


def test_a_bad_pattern_in_a_module_is_a_located_problem(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('locals {\n  v = regex("(?<=a)b", "ab")\n}\n'
                                      'resource "aws_instance" "a" {\n  ami = local.v\n}\n')
    result = collect(tmp_path, LoadContext(root=tmp_path, config=build_config({}, {})))
    assert result is not None
    assert [(Path(p.span.file).name, p.span.start_line) for p in result.problems] == [("main.tf", 2)]
    assert result.problems[0].message == ("cannot evaluate v: regex(): invalid regexp pattern: error "
                                          "parsing regexp: invalid or unsupported Perl syntax: `(?<=`")
