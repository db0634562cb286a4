"""JSON in and out without importing the json package (its `re` import costs ~5 ms on the start path).

Parsing uses the C scanner in `_json`, exactly what json.loads uses; writing uses the C string encoder.
"""

from __future__ import annotations

import _json

__all__ = ["JsonError", "dumps", "loads"]

_WS = " \t\n\r"


class JsonError(ValueError):
    def __init__(self, msg: str, pos: int, doc: str) -> None:
        line = doc.count("\n", 0, pos) + 1
        col = pos - doc.rfind("\n", 0, pos)
        super().__init__(f"line {line} column {col}: {msg}")
        self.line = line
        self.col = col


class _Ctx:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> float:
        raise ValueError(f"{name} is not valid JSON")


_scan = _json.make_scanner(_Ctx())  # type: ignore[arg-type]  # duck-typed context


def loads(doc: str) -> object:
    pos = 0
    n = len(doc)
    while pos < n and doc[pos] in _WS:
        pos += 1
    try:
        value, end = _scan(doc, pos)
    except StopIteration as e:
        raise JsonError("expecting a value", e.value, doc) from None
    except ValueError as e:  # json.decoder.JSONDecodeError
        raise JsonError(getattr(e, "msg", str(e)), getattr(e, "pos", pos), doc) from None
    except SystemError:
        # The C scanner builds its error from json.decoder, which this module never imports: its
        # lookup fails and leaves no exception set.  Errors are the slow path, so let json say it.
        _raise_from_json(doc)
        raise
    while end < n and doc[end] in _WS:
        end += 1
    if end != n:
        raise JsonError("extra data", end, doc)
    return value


def _raise_from_json(doc: str) -> None:
    import json

    try:
        json.loads(doc)
    except json.JSONDecodeError as e:
        raise JsonError(e.msg, e.pos, doc) from None


_enc = _json.encode_basestring_ascii


def dumps(value: object, indent: int | None = None, _level: int = 0) -> str:
    """Serialize str/int/float/bool/None/list/tuple/dict[str, ...]; keys keep insertion order."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return str(_enc(value))
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [dumps(v, indent, _level + 1) for v in value]
        return _join("[", items, "]", indent, _level)
    if isinstance(value, dict):
        if not value:
            return "{}"
        sep = ": " if indent is not None else ":"
        items = [_enc(str(k)) + sep + dumps(v, indent, _level + 1) for k, v in value.items()]
        return _join("{", items, "}", indent, _level)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _join(open_: str, items: list[str], close: str, indent: int | None, level: int) -> str:
    if indent is None:
        return open_ + ",".join(items) + close
    pad = "\n" + " " * (indent * (level + 1))
    return open_ + pad + ("," + pad).join(items) + "\n" + " " * (indent * level) + close
