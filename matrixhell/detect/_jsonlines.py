"""JSON with line numbers: ``json.loads`` for the values, a token pass for where each key sits.

The standard parser is fast but forgets positions; the token pass (strings and brackets only, newlines
counted in C) maps key paths such as ``("dependencies", "express")`` or ``("packages", 3)`` to the
1-based line of the key (or of the array element's start).  It runs only when a line is first asked for.
"""

from __future__ import annotations

import json
import re
from typing import Any

from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["JsonDoc", "load_json", "parse_json"]

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')

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


def _index(text: str, max_depth: int) -> dict[Path, int]:
    lines: dict[Path, int] = {}
    # One frame per open container: [is_object, key_or_index, want_key]
    stack: list[list[Any]] = []
    line, last = 1, 0

    def here(pos: int) -> int:
        nonlocal line, last
        line += text.count("\n", last, pos)
        last = pos
        return line

    def path() -> Path:
        return tuple(f[1] for f in stack)

    for m in _TOKEN.finditer(text):
        tok = m.group()
        c = tok[0]
        top = stack[-1] if stack else None
        if c == '"':
            if top is not None and top[0] and top[2]:
                key = tok[1:-1] if "\\" not in tok else json.loads(tok)
                top[1] = key
                if len(stack) <= max_depth:
                    p = path()
                    lines.setdefault(p, here(m.start()))
            elif top is not None and not top[0] and len(stack) <= max_depth:
                lines.setdefault(path(), here(m.start()))
        elif c in "{[":
            if top is not None and not top[0] and len(stack) <= max_depth:
                lines.setdefault(path(), here(m.start()))
            stack.append([c == "{", 0 if c == "[" else None, c == "{"])
        elif c in "}]":
            if stack:
                stack.pop()
        elif c == ":":
            if top is not None and top[0]:
                top[2] = False
        elif c == "," and top is not None:
            if top[0]:
                top[2] = True
            else:
                top[1] += 1
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
        raise InputError("is nested too deeply to read", origin=Origin(path), code="bad-json") from e
    return JsonDoc(text, data, path, max_depth)


def load_json(view: RepoView, path: str, *, max_depth: int = 4) -> JsonDoc:
    """Read and parse ``path``; every failure is an InputError that names the file (and line)."""
    return parse_json(view.read_text(path), path, max_depth=max_depth)
