"""The minor list: wording and notes a user reads."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from iacguard_builtin.helm.render import died_message
from iacguard_builtin.terraform.functions import builtin
from iacguard_builtin.terraform.semantics import EvalError

from iacguard.plugin import Plugins

from helpers import scan, write

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_symlinks_leaving_the_root_are_listed_once(plugins: Plugins, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    root = tmp_path / "repo"
    write(outside, {"secret.yaml": CONFIGMAP, "d/x.yaml": CONFIGMAP})
    write(root, {"a.yaml": CONFIGMAP, "sub/b.yaml": CONFIGMAP})
    (root / "leak.yaml").symlink_to(outside / "secret.yaml")
    (root / "sub" / "leakdir").symlink_to(outside / "d")
    (root / "sub" / "dangling.yaml").symlink_to(root / "missing.yaml")  # reaches nothing
    (root / "inside.yaml").symlink_to(root / "a.yaml")  # stays inside: no note
    result, _ = scan(plugins, root)
    notes = [(f.rule_name, f.severity.label, f.message) for f in result.findings
             if f.category == "parse-error"]
    assert notes == [("unresolved-input", "info", "2 symlink(s) lead outside the scan root and were "
                      "not followed: leak.yaml, sub/leakdir")]
    assert result.errors == []


def test_utf16_without_bom_is_named(plugins: Plugins, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(CONFIGMAP.encode("utf-16-le"))
    (tmp_path / "b.yaml").write_bytes(CONFIGMAP.encode("utf-16-be"))
    (tmp_path / "c.yaml").write_bytes(CONFIGMAP.encode("utf-16"))  # with a BOM: fine
    result, _ = scan(plugins, tmp_path)
    assert {(f.location.path, f.message) for f in result.findings if f.category == "parse-error"} == {
        (name, "UTF-16 text without a byte-order mark: save it as UTF-8, or as UTF-16 with a BOM")
        for name in ("a.yaml", "b.yaml")}


def test_parseint_does_not_repeat_a_long_argument() -> None:
    found = builtin("parseint")
    assert found is not None
    with pytest.raises(EvalError) as raised:
        found[0]("z" * 6000, 10)
    assert str(raised.value) == f"parseint(): cannot parse '{'z' * 40}… (6000 characters)' in base 10"


def test_go_stack_overflow_and_memory_are_told_apart() -> None:
    overflow = died_message(2, b"runtime: goroutine stack exceeds 1000000000-byte limit\n"
                               b"fatal error: stack overflow\n")
    memory = died_message(2, b"fatal error: runtime: out of memory\n")
    cpu = died_message(-signal.SIGXCPU, b"")
    assert overflow.startswith("render stopped: Go's stack overflowed")
    assert memory.endswith("need more than 2048 MiB of memory")
    assert cpu == "render stopped after 65 s of CPU time: the templates loop or do too much work"
