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


@pytest.mark.parametrize("doc", ["{bad json", '{"a": [1,,2]}', '{"a" 1}', '["unterminated'])
def test_errors_in_a_fresh_interpreter_are_errors_not_crashes(doc: str) -> None:
    """The runtime's start path never imports json; the C scanner's error path then has no json.decoder to
    build its exception from.  Checked in a fresh interpreter, since this test process has json loaded."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from matrixhell.runtime.jsonio import JsonError, loads\n"
        "assert 'json' not in sys.modules\n"
        "try:\n    loads(sys.argv[1])\nexcept JsonError as e:\n    print(e.line, e.col)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, doc], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    try:
        json.loads(doc)
    except json.JSONDecodeError as e:
        assert proc.stdout.split() == [str(e.lineno), str(e.colno)]
