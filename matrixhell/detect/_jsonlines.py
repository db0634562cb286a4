"""JSON with line numbers: ``json.loads`` for the values, a token pass for where each key sits.

The standard parser is fast but forgets positions; the token pass (strings and brackets only, newlines
counted in C) maps key paths such as ``("dependencies", "express")`` or ``("packages", 3)`` to the
1-based line of the key (or of the array element's start).  It runs only when a line is first asked for.
"""

from __future__ import annotations

import contextlib
import json
import json.scanner
import re
from collections.abc import Callable
from typing import Any

from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["JsonDoc", "load_json", "parse_json"]

Path = tuple[str | int, ...]


class JsonDoc:
    """A parsed JSON file: ``data`` and ``line(*path)``."""

    def __init__(self, text: str, data: Any, path: str, max_depth: int = 4) -> None:
        self.text = text
        self.data = data
        self.path = path
        self.max_depth = max_depth
        self._lines: dict[Path, int] | None = None

    def origin(self, *keys: str | int) -> Origin:
        """Origin of the deepest key of ``keys`` that has a known line (the file itself at worst)."""
        for n in range(len(keys), 0, -1):
            line = self.line(*keys[:n])
            if line is not None:
                return Origin(self.path, line)
        return Origin(self.path, 1)

    def line(self, *keys: str | int) -> int | None:
        if self._lines is None:
            self._lines = _index(self.text, self.max_depth)
        return self._lines.get(tuple(keys))


_WS = re.compile(r"[ \t\n\r]*")
# the C scanner json.loads itself uses: scan_once(text, pos) -> (value, end)
_scan_once: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type]
)


def _index(text: str, max_depth: int) -> dict[Path, int]:
    """Key path -> line, walking the first ``max_depth`` levels in Python and skipping deeper values
    with the C scanner, so a 4 MB lock file costs little more than ``json.loads`` itself."""
    lines: dict[Path, int] = {}
    state = [1, 0]  # line at ``last``, last position counted

    def line_at(pos: int) -> int:
        state[0] += text.count("\n", state[1], pos)
        state[1] = pos
        return state[0]

    # _WS matches the empty string too: ws(pos) is one C call, never None
    ws = _WS.match

    def value(pos: int, path: Path) -> int:
        pos = ws(text, pos).end()  # type: ignore[union-attr]
        c = text[pos : pos + 1]
        if len(path) >= max_depth or (c != "{" and c != "["):
            return int(_scan_once(text, pos)[1])
        pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
        if c == "{":
            if text[pos] == "}":
                return pos + 1
            while True:
                key, after = _scan_once(text, pos)
                p = (*path, key)
                if p not in lines:
                    lines[p] = line_at(pos)
                pos = ws(text, after).end()  # type: ignore[union-attr]
                pos = value(pos + 1, p)  # past the ':'
                pos = ws(text, pos).end()  # type: ignore[union-attr]
                if text[pos] == "}":
                    return pos + 1
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]  # past the ','
        if text[pos] == "]":
            return pos + 1
        i = 0
        while True:
            p = (*path, i)
            if p not in lines:
                lines[p] = line_at(pos)
            pos = ws(text, value(pos, p)).end()  # type: ignore[union-attr]
            if text[pos] == "]":
                return pos + 1
            pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
            i += 1

    with contextlib.suppress(IndexError, StopIteration, ValueError):  # only valid JSON gets here
        value(0, ())
    return lines


def parse_json(text: str, path: str, *, max_depth: int = 4) -> JsonDoc:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"is not valid JSON: {e.msg}",
            origin=Origin(path, e.lineno, e.colno),
            code="bad-json",
            hint="fix the JSON syntax at that line",
        ) from e
    except RecursionError as e:
        raise InputError(
            "is nested too deeply to read", origin=Origin(path), code="bad-json", hint="flatten the document"
        ) from e
    return JsonDoc(text, data, path, max_depth)


def load_json(view: RepoView, path: str, *, max_depth: int = 4) -> JsonDoc:
    """Read and parse ``path``; every failure is an InputError that names the file (and line)."""
    return parse_json(view.read_text(path), path, max_depth=max_depth)
