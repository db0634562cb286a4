"""Line numbers for values that tomllib and json return without any.

tomllib gives no positions, so after it has accepted a document we scan the same text once more with a
small lexer that knows TOML's (and JSON's) tokens: table headers, arrays of tables, dotted and quoted
keys, the four string forms (multi-line ones included), arrays, inline tables and comments.  It records
the 1-based line where every key and every array item starts, under its full path, with array-of-table
and array indexes as ints: ``("project", "dependencies", 2)`` or ``("package", 5, "version")``.  It does
not check the syntax (tomllib already did) and never raises; on text it does not understand it skips to
the next line.
"""

from __future__ import annotations

import bisect
import re

__all__ = ["Lines", "array_table_lines", "json_lines", "table_key_line", "toml_lines"]

Path = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class Lines:
    """Path -> line map; a missing path falls back to its nearest recorded ancestor."""

    def __init__(self, lines: dict[Path, int]) -> None:
        self._lines = lines

    def exact(self, *path: str | int) -> int | None:
        return self._lines.get(tuple(path))

    def line(self, *path: str | int) -> int | None:
        p: Path = tuple(path)
        while p:
            if p in self._lines:
                return self._lines[p]
            p = p[:-1]
        return None


_WS_NL = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
_WS = re.compile(r"(?:[ \t\r]+|#[^\n]*)*")
_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"?')
_LITERAL = re.compile(r"'[^'\n]*'?")
_ML_BASIC = re.compile(r'"""(?:[^\\"]|\\.|""?(?!"))*(?:"""|$)"{0,2}', re.S)
_ML_LITERAL = re.compile(r"'''(?:[^']|''?(?!'))*(?:'''|$)'{0,2}", re.S)
_BARE_RE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")


class _Lexer:
    """Regex-driven: positions advance by whole tokens; lines come from the newline offsets."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.out: dict[Path, int] = {}
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    @property
    def line(self) -> int:
        return bisect.bisect_left(self._newlines, self.i) + 1

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < self.n else ""

    def adv(self, k: int = 1) -> None:
        self.i = min(self.n, self.i + k)

    def record(self, path: Path, line: int) -> None:
        self.out.setdefault(path, line)

    def skip_ws(self, newlines: bool) -> None:
        m = (_WS_NL if newlines else _WS).match(self.s, self.i)
        if m:
            self.i = m.end()

    def skip_line(self) -> None:
        k = self.s.find("\n", self.i)
        self.i = self.n if k < 0 else k + 1

    def string(self) -> str:
        """Consume one string (any TOML form, or a JSON string) and return its raw content."""
        s = self.s
        if s.startswith('"""', self.i):
            pattern, q = _ML_BASIC, 3
        elif s.startswith("'''", self.i):
            pattern, q = _ML_LITERAL, 3
        elif s[self.i] == '"':
            pattern, q = _BASIC, 1
        else:
            pattern, q = _LITERAL, 1
        m = pattern.match(s, self.i)
        if m is None:  # cannot happen: every pattern accepts its opening quote
            self.i += q
            return ""
        self.i = m.end()
        text = m.group(0)
        return text[q:-q] if len(text) >= 2 * q else text[q:]

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_ws(False)
            c = self.peek()
            if c in ('"', "'"):
                parts.append(self.string())
            else:
                m = _BARE_RE.match(self.s, self.i)
                if m is None:
                    return parts
                parts.append(m.group(0))
                self.i = m.end()
            self.skip_ws(False)
            if self.peek() == ".":
                self.adv()
                continue
            return parts

    def value(self, path: Path) -> None:
        c = self.peek()
        if c in ('"', "'"):
            self.string()
        elif c == "[":
            self.adv()
            idx = 0
            while self.i < self.n:
                self.skip_ws(True)
                if self.peek() == "]":
                    self.adv()
                    return
                if self.peek() == ",":  # tolerate stray commas
                    self.adv()
                    continue
                before = self.i
                self.record((*path, idx), self.line)
                self.value((*path, idx))
                idx += 1
                self.skip_ws(True)
                if self.peek() == "," or self.i == before:
                    self.adv()
        elif c == "{":
            self.adv()
            while self.i < self.n:
                self.skip_ws(True)
                c = self.peek()
                if c == "}":
                    self.adv()
                    return
                if c == ",":
                    self.adv()
                    continue
                before = self.i
                kline = self.line
                keys = self.key()
                self.skip_ws(True)
                if self.peek() in ("=", ":"):
                    self.adv()
                    self.skip_ws(True)
                if keys:
                    self.record(path + tuple(keys), kline)
                    self.value(path + tuple(keys))
                if self.i == before:
                    self.adv()
        else:
            m = _SCALAR.match(self.s, self.i)
            if m is not None:
                self.i = m.end()


def toml_lines(text: str) -> Lines:
    lx = _Lexer(text)
    prefix: Path = ()
    counts: dict[Path, int] = {}

    def resolve(keys: list[str]) -> Path:
        out: list[str | int] = []
        for k in keys:
            out.append(k)
            t = tuple(out)
            if t in counts:
                out.append(counts[t])
        return tuple(out)

    while lx.i < lx.n:
        lx.skip_ws(True)
        if lx.i >= lx.n:
            break
        hline = lx.line
        if lx.s.startswith("[[", lx.i):
            lx.adv(2)
            keys = lx.key()
            if keys:
                arr = (*resolve(keys[:-1]), keys[-1])
                counts[arr] = counts.get(arr, -1) + 1
                prefix = (*arr, counts[arr])
                lx.record(arr, hline)
                lx.record(prefix, hline)
            lx.skip_line()
        elif lx.peek() == "[":
            lx.adv()
            keys = lx.key()
            prefix = resolve(keys)
            lx.record(prefix, hline)
            lx.skip_line()
        elif lx.peek() in _BARE or lx.peek() in ('"', "'"):
            keys = lx.key()
            lx.skip_ws(False)
            if lx.peek() != "=" or not keys:
                lx.skip_line()
                continue
            lx.adv()
            lx.skip_ws(False)
            path = prefix + tuple(keys)
            lx.record(path, hline)
            lx.value(path)
        else:
            lx.skip_line()
    return Lines(lx.out)


def json_lines(text: str) -> Lines:
    """The same map for a JSON document (keys after ``:`` and array items)."""
    lx = _Lexer(text)
    lx.skip_ws(True)
    if lx.peek() in ("{", "["):
        lx.value(())
    return Lines(lx.out)


def array_table_lines(text: str, table: str, key: str, count: int) -> list[int] | None:
    """Fast path for machine-written lock files: the line of ``key`` in each ``[[table]]`` entry.

    It looks only at lines that start a header or a key (``^[[package]]``, ``^name =``), which is how
    poetry, uv and pdm write their locks.  The result is trusted only when it finds exactly ``count``
    headers (what tomllib parsed); otherwise it returns None and the caller uses :func:`toml_lines`.
    """
    header = re.compile(rf"^\[\[\s*{re.escape(table)}\s*\]\][ \t]*(?:#.*)?$", re.M)
    other = re.compile(r"^\[", re.M)
    key_re = re.compile(rf"^{re.escape(key)}[ \t]*=", re.M)
    starts = [m.start() for m in header.finditer(text)]
    if len(starts) != count:
        return None
    newlines = [m.start() for m in re.finditer("\n", text)]
    out: list[int] = []
    for k, start in enumerate(starts):
        nxt = other.search(text, start + 1)
        end = nxt.start() if nxt else len(text)
        if k + 1 < len(starts):
            end = min(end, starts[k + 1])
        m = key_re.search(text, start, end)
        pos = m.start() if m else start
        out.append(bisect.bisect_left(newlines, pos) + 1)
    return out


def table_key_line(text: str, table: str, key: str) -> int | None:
    """Line of ``key =`` at the start of a line inside ``[table]`` (``""``: before the first header)."""
    start = 0
    if table:
        h = re.search(rf"^\[\s*{re.escape(table)}\s*\][ \t]*(?:#.*)?$", text, re.M)
        if h is None:
            return None
        start = h.end()
    nxt = re.compile(r"^\[", re.M).search(text, start)
    m = re.compile(rf"^{re.escape(key)}[ \t]*=", re.M).search(text, start, nxt.start() if nxt else len(text))
    return text.count("\n", 0, m.start()) + 1 if m else None
