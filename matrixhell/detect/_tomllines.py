"""TOML with line numbers: ``tomllib`` for the values, a line pass for where each key sits.

The line pass knows table headers (``[a.b]``, ``[[bin]]`` with its index), ``key =`` / dotted / quoted
keys at the start of a line, and skips multi-line strings and arrays, so ``("dependencies", "serde")`` or
``("package", 3, "name")`` map to the 1-based line of the key.  Values always come from tomllib.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["TomlDoc", "load_toml", "parse_toml"]

Path = tuple[str | int, ...]

_KEYPART = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_KEY = re.compile(rf"^\s*({_KEYPART}(?:\s*\.\s*{_KEYPART})*)\s*=")
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_KEYPART}(?:\s*\.\s*{_KEYPART})*)\s*\]\]?")
_PART = re.compile(_KEYPART)
_AT = re.compile(r"at line (\d+), column (\d+)")


def _parts(text: str) -> tuple[str, ...]:
    out = []
    for m in _PART.finditer(text):
        p = m.group()
        out.append(p[1:-1] if p[0] in "\"'" else p)
    return tuple(out)


class TomlDoc:
    def __init__(self, text: str, data: dict[str, Any], path: str) -> None:
        self.text = text
        self.data = data
        self.path = path
        self._lines: dict[Path, int] | None = None

    def line(self, *keys: str | int) -> int | None:
        if self._lines is None:
            self._lines = _index(self.text)
        return self._lines.get(tuple(keys))

    def origin(self, *keys: str | int) -> Origin:
        for n in range(len(keys), 0, -1):
            line = self.line(*keys[:n])
            if line is not None:
                return Origin(self.path, line)
        return Origin(self.path, 1)


def _index(text: str) -> dict[Path, int]:
    lines: dict[Path, int] = {}
    table: Path = ()
    counts: dict[tuple[str, ...], int] = {}
    in_string: str | None = None
    depth = 0  # open brackets of a multi-line array / inline table value
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if in_string is not None:
            if in_string in line:
                line = line.split(in_string, 1)[1]
                in_string = None
            else:
                continue
        if depth == 0:
            h = _HEADER.match(line)
            if h and not _KEY.match(line):
                keys = _parts(h.group(2))
                if h.group(1) == "[[":
                    i = counts.get(keys, -1) + 1
                    counts[keys] = i
                    table = (*keys, i)
                    lines.setdefault(table, n)
                else:
                    table = keys
                    lines.setdefault(table, n)
                continue
            k = _KEY.match(line)
            if k:
                keys = _parts(k.group(1))
                for i in range(1, len(keys) + 1):  # a dotted key also places its prefixes
                    lines.setdefault((*table, *keys[:i]), n)
                line = line[k.end() :]
        depth, in_string = _scan_value(line, depth)
    return lines


def _scan_value(line: str, depth: int) -> tuple[int, str | None]:
    """Bracket depth after ``line`` and the multi-line string still open at its end, if any."""
    i = 0
    while i < len(line):
        c = line[i]
        if c == "#":
            break
        if line.startswith('"""', i) or line.startswith("'''", i):
            q = line[i : i + 3]
            end = line.find(q, i + 3)
            if end < 0:
                return depth, q
            i = end + 3
            continue
        if c in "\"'":
            j = i + 1
            while j < len(line) and line[j] != c:
                j += 2 if c == '"' and line[j] == "\\" else 1
            i = j + 1
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return depth, None


def parse_toml(text: str, path: str) -> TomlDoc:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = _AT.search(str(e))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        msg = _AT.sub("", str(e)).replace("()", "").strip().rstrip("(").strip()
        raise InputError(
            f"is not valid TOML: {msg}",
            origin=Origin(path, line, col),
            code="bad-toml",
            hint="fix the TOML syntax at that line",
        ) from e
    return TomlDoc(text, data, path)


def load_toml(view: RepoView, path: str) -> TomlDoc:
    return parse_toml(view.read_text(path), path)
