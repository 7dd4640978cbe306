"""The comment scanners and the directive grammar, on their own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from iacguard.comments import scan_comments
from iacguard.suppressions import parse_annotation, parse_directive


def _found(name: str, text: str) -> set[tuple[int, str, bool]]:
    return {(c.line, c.text, c.own_line) for c in scan_comments(Path(name), text)}


def test_hcl_comment_forms_and_what_is_not_a_comment() -> None:
    text = ('# iacguard:ignore A one\n'
            'x = "a # iacguard:ignore B in a string" // iacguard:ignore C two\n'
            '/* iacguard:ignore D\n   three */\n'
            'y = <<-EOT\n  # iacguard:ignore E heredoc\n  EOT\n'
            'z = 1 # just a comment\n')
    assert _found("main.tf", text) == {(1, "iacguard:ignore A one", True),
                                       (2, "iacguard:ignore C two", False),
                                       (3, "iacguard:ignore D three", True)}


def test_yaml_comments_quotes_block_scalars_and_template_comments() -> None:
    text = ("a: 'x # iacguard:ignore A quoted'\n"
            "b: 1 # iacguard:ignore B trailing\n"
            "c: |\n  # iacguard:ignore C scalar\n  more\n"
            "# iacguard:ignore D own line\n"
            "{{- /* iacguard:ignore E template */ -}}\n"
            "url: http://x/#iacguard:ignore F fragment\n")
    assert _found("values.yaml", text) == {(2, "iacguard:ignore B trailing", False),
                                           (6, "iacguard:ignore D own line", True),
                                           (7, "iacguard:ignore E template", True)}
    assert _found("notes.txt", text) == set()


def test_directive_grammar() -> None:
    parsed = parse_directive('iacguard:ignore BAS001["lab"],PSC001 until=2030-01-31 lab only',
                             kind="inline", path="main.tf", line=3)
    assert parsed is not None
    assert (parsed.rules, parsed.expires, parsed.reason, parsed.problem) == (
        (("BAS001", "lab"), ("PSC001", None)), dt.date(2030, 1, 31), "lab only", None)
    bad_date = parse_directive("iacguard:ignore X until=31.01.2030 why", kind="inline",
                               path="a", line=1)
    assert bad_date is not None and bad_date.problem == (
        "cannot read the expiry '31.01.2030' (write until=YYYY-MM-DD)")
    assert parse_directive("iacguard:ignore", kind="inline", path="a", line=1).problem == (  # type: ignore[union-attr]
        "names no rule")
    assert parse_directive("no directive here", kind="inline", path="a", line=1) is None
    entries = parse_annotation("PSC001: driver; LB001: until=2030-01-01 edge; ", path="p", line=4)
    assert [(e.rules, e.reason, e.expires) for e in entries] == [
        ((("PSC001", None),), "driver", None), ((("LB001", None),), "edge", dt.date(2030, 1, 1))]
