"""The libyaml composer is the one that runs; the pure-Python fallback gives the same
documents, source maps and failure lines; hostile documents stop while they are composed."""

from __future__ import annotations

from pathlib import Path

import pytest
from iacguard_builtin.kubernetes import yamlsource
from iacguard_builtin.kubernetes.yamlsource import Document, ParseFailure, decode, parse_documents

REPO = Path(__file__).resolve().parents[2]

SAMPLES = {
    "yaml 1.1 scalars": "a: yes\nb: off\nc: 012\nd: 0x1f\ne: 1:30\nf: .inf\ng: ~\nh: 2024-01-01\n",
    "merge keys and aliases": "base: &b {x: 1, y: 2}\nder:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n",
    "empty values": "metadata:\n  annotations:\n  name: x\nitems:\n  -\n  - a\n",
    "block scalars": "data:\n  script: |\n    echo hi\n    exit 0\n  folded: >\n    a\n    b\nafter: 1\n",
    "documents": "---\na: 1\n---\n# only a comment\n---\n- x\n- y\n...\n---\nb: {c: [1, 2]}\n",
    "duplicate key": "a: 1\nb: 2\na: 3\n",
    "tab indentation": "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: tabs\n",
    "unclosed flow": "a: [1, 2\nb: 3\n",
}


def _outcome(text: str, pure: bool) -> list[object]:
    """Documents and failures as they are (syntax errors are always worded by ruamel)."""
    return [(d.data, d.start_line, d.end_line, d.source_map) if isinstance(d, Document)
            else (d.line, d.column, d.message) for d in parse_documents(text, "f.yaml", pure=pure)]


def test_libyaml_is_the_parser_that_runs() -> None:
    assert yamlsource.parser_name() == "libyaml"
    assert yamlsource.CParser is not None


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_fallback_gives_the_same_documents(name: str) -> None:
    assert _outcome(SAMPLES[name], pure=False) == _outcome(SAMPLES[name], pure=True)


def test_fallback_gives_the_same_documents_on_every_fixture() -> None:
    files = sorted(p for top in ("tests", "policies", "examples") for p in (REPO / top).rglob("*")
                   if p.suffix in (".yaml", ".yml") and p.is_file())
    assert len(files) > 50
    for file in files:
        text = decode(file.read_bytes())
        assert _outcome(text, pure=False) == _outcome(text, pure=True), file


def test_fallback_gives_the_same_documents_on_the_corpus(corpus: Path) -> None:
    for file in sorted(p for p in corpus.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()):
        try:
            text = decode(file.read_bytes())
        except UnicodeDecodeError:
            continue
        assert _outcome(text, pure=False) == _outcome(text, pure=True), file


class _Counting(yamlsource._Converter):
    converted = 0

    def convert(self, node: object, path: list[str | int]) -> tuple[object, int]:
        _Counting.converted += 1
        return super().convert(node, path)  # type: ignore[arg-type]


@pytest.mark.parametrize("pure", [False, True], ids=["libyaml", "pure"])
@pytest.mark.parametrize("shape", ["one-line flow mapping", "block mapping"])
def test_too_many_nodes_stop_while_composing(monkeypatch: pytest.MonkeyPatch, pure: bool,
                                             shape: str) -> None:
    monkeypatch.setattr(yamlsource, "MAX_COMPOSED_NODES", 1_000)
    monkeypatch.setattr(yamlsource, "_Converter", _Counting)
    _Counting.converted = 0
    keys = [f"k{i}: v" for i in range(100_000)]
    text = "{" + ", ".join(keys) + "}\n" if shape.startswith("one-line") else "\n".join(keys) + "\n"
    seen: list[int] = []
    original = yamlsource._Budget.descend_resolver

    def counting(self: yamlsource._Budget, node: object, index: object) -> None:
        seen.append(self.nodes)
        original(self, node, index)

    monkeypatch.setattr(yamlsource._Budget, "descend_resolver", counting)
    out = list(parse_documents(text, "big.yaml", pure=pure))
    assert [type(o) for o in out] == [ParseFailure]
    assert out[0].message == "invalid YAML: more than 1000 nodes in one document"
    assert _Counting.converted == 0  # nothing was converted: composing stopped
    assert len(seen) == 1_001  # and it stopped at the budget, not at the end of the input


def test_the_budget_is_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "MAX_COMPOSED_NODES", 50)
    doc = "\n".join(f"k{i}: v" for i in range(20)) + "\n"
    out = list(parse_documents("---\n".join([doc] * 10), "many.yaml"))
    assert [type(o) for o in out] == [Document] * 10
