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

__all__ = ["Lines", "json_lines", "toml_lines"]

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


class _Lexer:
    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.line = 1
        self.out: dict[Path, int] = {}

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < self.n else ""

    def adv(self, k: int = 1) -> None:
        for _ in range(k):
            if self.i < self.n:
                if self.s[self.i] == "\n":
                    self.line += 1
                self.i += 1

    def record(self, path: Path, line: int) -> None:
        self.out.setdefault(path, line)

    def skip_ws(self, newlines: bool) -> None:
        while self.i < self.n:
            c = self.s[self.i]
            if c in " \t\r" or (c == "\n" and newlines):
                self.adv()
            elif c == "#":
                while self.i < self.n and self.s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def skip_line(self) -> None:
        while self.i < self.n and self.s[self.i] != "\n":
            self.i += 1
        self.adv()

    def string(self) -> str:
        """Consume one string (any TOML form, or a JSON string) and return its raw content."""
        s = self.s
        if s.startswith('"""', self.i) or s.startswith("'''", self.i):
            quote = s[self.i : self.i + 3]
            self.adv(3)
            start = self.i
            while self.i < self.n and not s.startswith(quote, self.i):
                if quote == '"""' and s[self.i] == "\\":
                    self.adv()
                self.adv()
            end = self.i
            self.adv(3)
            while self.peek() == quote[0]:  # up to two quotes may close the content
                self.adv()
            return s[start:end]
        quote = s[self.i]
        self.adv()
        start = self.i
        while self.i < self.n and s[self.i] != quote and s[self.i] != "\n":
            if quote == '"' and s[self.i] == "\\":
                self.adv()
            self.adv()
        end = self.i
        if self.peek() == quote:
            self.adv()
        return s[start:end]

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_ws(False)
            c = self.peek()
            if c in ('"', "'"):
                parts.append(self.string())
            else:
                start = self.i
                while self.i < self.n and self.s[self.i] in _BARE:
                    self.i += 1
                if self.i == start:
                    return parts
                parts.append(self.s[start : self.i])
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
            while self.i < self.n and self.s[self.i] not in ",]}\n#":
                self.i += 1


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
