"""jsonio: the json-free reader/writer of the start path must agree with the json module."""

from __future__ import annotations

import json

import pytest

from matrixhell.runtime.jsonio import JsonError, dumps, loads

SAMPLES = [
    {"a": [1, 2.5, None, True, False, "é\"\\\n\u2028"], "b": {}, "c": {"d": []}},
    [],
    "text",
    {"n": -17, "big": 2**63, "e": 1e-9},
]


@pytest.mark.parametrize("value", SAMPLES)
def test_roundtrip_agrees_with_json(value: object) -> None:
    for indent in (None, 2):
        text = dumps(value, indent=indent)
        assert json.loads(text) == value
        assert loads(text) == value
    assert loads(json.dumps(value)) == value


@pytest.mark.parametrize(("doc", "line", "col"), [("{", 1, 2), ("[1,]", 1, 4), ("1 2", 1, 3), ("", 1, 1),
                                                  ('{"a": 1}\n}', 2, 1)])
def test_errors_carry_line_and_column(doc: str, line: int, col: int) -> None:
    with pytest.raises(JsonError) as ei:
        loads(doc)
    assert (ei.value.line, ei.value.col) == (line, col)


@pytest.mark.parametrize("const", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused(const: str) -> None:
    with pytest.raises(JsonError, match="is not valid JSON"):
        loads(f'{{"a": {const}}}')
