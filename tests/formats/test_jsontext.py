"""The JSON report's encoder writes exactly what `json.dumps(indent=2, sort_keys=True,
ensure_ascii=False)` writes, for any JSON data and for what it leaves to `json.dumps`."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iacguard_builtin.reporters.jsontext import Encoded, dumps, dumps_document

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=30)


def _reference(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(DATA)
def test_same_text_as_json_dumps(value: Any) -> None:
    assert dumps(value) == _reference(value)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=6), DATA, max_size=4))
def test_encoded_parts_are_placed_as_they_are(value: dict[str, Any]) -> None:
    """A part encoded once at its level reads as if it had been encoded in place."""
    parts = {key: Encoded(dumps(item, 2)) for key, item in value.items()}
    assert dumps([parts]) == _reference([value])


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=6).filter(lambda k: k != "items"), DATA, max_size=4),
       st.lists(DATA, max_size=5))
def test_document_with_a_streamed_list(document: dict[str, Any], items: list[Any]) -> None:
    expected = _reference({**document, "items": items})
    assert "".join(dumps_document(document, "items", iter(items))) == expected


def test_what_json_converts_is_left_to_json() -> None:
    odd: list[Any] = [{2: "a", 1: "b"}, {2.5: "x", 1.5: "y"}, {True: "t"}, (1, 2), math.inf, -math.inf,
                      math.nan, "é\u2028\x00\"\\", [{}], {"k": []}]
    for value in odd:
        assert dumps(value) == _reference(value)
    assert dumps({"n": odd[0]}, 2) == _reference({"n": odd[0]}).replace("\n", "\n    ")


@pytest.mark.parametrize("value", [{"a": {1, 2}}, [object()]], ids=["set", "object"])
def test_values_json_refuses_are_refused_the_same(value: Any) -> None:
    with pytest.raises(TypeError) as expected:
        _reference(value)
    with pytest.raises(TypeError) as got:
        dumps(value)
    assert str(got.value) == str(expected.value)
