"""Every `iacguard ...` command line in docs/ci.md, docs/pr.md and the README's shell
snippets parses with iacguard's real argument parser and names registered formats."""

from __future__ import annotations

import re
import shlex
from itertools import pairwise
from pathlib import Path

import pytest

from iacguard.cli import build_parser
from iacguard.plugin import Plugins, make_plugins

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "ci.md"
# page -> the fences read there (the README's usage block is a synopsis, not commands)
PAGES = {DOC: "[a-z]*", REPO / "docs" / "pr.md": "[a-z]*", REPO / "README.md": "(?:sh|yaml)"}
COMMAND = re.compile(r"(?:^|[\s:'\"])(iacguard (?:scan|pr|baseline|graph|explain)\b[^|;&#>\n]*)")
FORMAT_FLAGS = {"-f", "--format"}


def command_lines() -> list[str]:
    lines = []
    for page, fences in PAGES.items():
        fence = re.compile(rf"^```{fences}\n(.*?)^```", re.DOTALL | re.MULTILINE)
        for block in fence.findall(page.read_text(encoding="utf-8")):
            for line in block.splitlines():
                # a synopsis (`[--base REF]`) is not a command line
                lines += [m.strip() for m in COMMAND.findall(line) if " [" not in m]
    return sorted(set(lines))


def formats_named(argv: list[str]) -> set[str]:
    named = {value for flag, value in pairwise(argv) if flag in FORMAT_FLAGS}
    for flag, value in pairwise(argv):
        if flag in ("-o", "--output"):
            name, sep, _ = value.partition("=")
            named.add(name if sep else value)
    return named


@pytest.fixture(scope="module")
def plugins_() -> Plugins:
    return make_plugins()


def test_the_page_has_command_lines() -> None:
    lines = command_lines()
    assert len(lines) >= 6
    assert any(line.startswith("iacguard pr") for line in lines)
    assert any("gitlab" in line for line in lines)


@pytest.mark.parametrize("line", command_lines())
def test_command_line_parses(line: str, plugins_: Plugins) -> None:
    argv = shlex.split(line)[1:]
    parser, _ = build_parser(plugins_)
    known = plugins_.register_reporters().names()
    missing = {f for f in formats_named(argv) if f not in known and "." not in f}
    assert missing == set(), f"unknown formats in {line!r}"
    parser.parse_args(argv)  # raises UsageError (exit 2) on an unknown option or value


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_relative_links_resolve() -> None:
    text = DOC.read_text(encoding="utf-8")
    links = re.findall(r"\]\(((?:\.\./|#)[^)\s]*)\)", text)
    assert links
    for link in links:
        target, _, anchor = link.partition("#")
        page = (DOC.parent / target).resolve() if target else DOC
        assert page.is_file(), link
        headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
        assert not anchor or anchor in {_anchor(h) for h in headings}, link
