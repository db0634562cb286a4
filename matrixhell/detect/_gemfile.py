"""The Gemfile's Ruby DSL, read statically with a small tokenizer (never evaluated).

Understood: ``gem "name", "~> 7.0", ">= 7.0.1", require: false, group: :test``, ``ruby "3.2.2"``,
``group :development, :test do ... end`` (and any other ``do ... end`` block, whose name is kept),
``source``, ``gemspec``, strings ('', "", %q()), symbols, ``key: value`` and ``:key => value`` hashes,
arrays, comments.  Anything else is skipped statement by statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["GemDecl", "Gemfile", "GemfileLock", "parse_gemfile", "parse_gemfile_lock"]


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # str | sym | label | ident | num | op | nl
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class GemDecl:
    name: str
    requirements: tuple[str, ...]
    line: int
    groups: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()  # git: / path: / require: / platforms: ... as text

    def option(self, key: str) -> str | None:
        return next((v for k, v in self.options if k == key), None)


@dataclass
class Gemfile:
    gems: list[GemDecl] = field(default_factory=list)
    ruby: tuple[str, int] | None = None  # requirement text and line
    ruby_file: str | None = None
    gemspec: int | None = None  # line of a `gemspec` statement


_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}


def _tokenize(text: str, path: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            toks.append(_Tok("nl", "\n", line))
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "\\" and text.startswith("\\\n", i):
            i += 2
            line += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in "\"'":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j + 1])
                    j += 2
                    continue
                if text[j] == "\n":
                    line += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise InputError(
                    "unterminated string",
                    origin=Origin(path, line),
                    code="bad-gemfile",
                    hint="close the quote",
                )
            toks.append(_Tok("str", "".join(buf), line))
            i = j + 1
        elif c == "%" and i + 2 < n and text[i + 1] in "qQw" and text[i + 2] in _PAIRS:
            close = _PAIRS[text[i + 2]]
            j = text.find(close, i + 3)
            if j < 0:
                raise InputError("unterminated %-literal", origin=Origin(path, line), code="bad-gemfile")
            body = text[i + 3 : j]
            if text[i + 1] == "w":
                toks.append(_Tok("op", "[", line))
                for k, w in enumerate(body.split()):
                    if k:
                        toks.append(_Tok("op", ",", line))
                    toks.append(_Tok("str", w, line))
                toks.append(_Tok("op", "]", line))
            else:
                toks.append(_Tok("str", body, line))
            line += body.count("\n")
            i = j + 1
        elif c == ":" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == "_"):
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_?!"):
                j += 1
            toks.append(_Tok("sym", text[i + 1 : j], line))
            i = j
        elif c == ":" and i + 1 < n and text[i + 1] in "\"'":
            j = text.find(text[i + 1], i + 2)
            if j < 0:
                raise InputError("unterminated symbol", origin=Origin(path, line), code="bad-gemfile")
            toks.append(_Tok("sym", text[i + 2 : j], line))
            i = j + 1
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_?!"):
                j += 1
            word = text[i:j]
            if j < n and text[j] == ":" and not text.startswith("::", j):
                toks.append(_Tok("label", word, line))
                j += 1
            else:
                toks.append(_Tok("ident", word, line))
            i = j
        elif c.isdigit():
            j = i
            while j < n and (text[j].isalnum() or text[j] in "._"):
                j += 1
            toks.append(_Tok("num", text[i:j], line))
            i = j
        elif text.startswith("=>", i):
            toks.append(_Tok("op", "=>", line))
            i += 2
        elif text.startswith("->", i):
            toks.append(_Tok("op", "->", line))
            i += 2
        else:
            toks.append(_Tok("op", c, line))
            i += 1
    return toks


def _statements(toks: list[_Tok]) -> list[list[_Tok]]:
    """Split at newlines, except inside brackets or after a trailing comma / hash arrow."""
    out: list[list[_Tok]] = []
    cur: list[_Tok] = []
    depth = 0
    for t in toks:
        if t.kind == "op" and t.value in "([{":
            depth += 1
        elif t.kind == "op" and t.value in ")]}":
            depth = max(depth - 1, 0)
        if t.kind == "nl" or (t.kind == "op" and t.value == ";" and depth == 0):
            if depth > 0 or (cur and cur[-1].kind == "op" and cur[-1].value in (",", "=>")):
                continue
            if cur:
                out.append(cur)
            cur = []
            continue
        cur.append(t)
    if cur:
        out.append(cur)
    return out


def _value(toks: list[_Tok], i: int) -> tuple[str, int]:
    """Text of one argument value starting at ``toks[i]`` and the index after it."""
    t = toks[i]
    if t.kind == "op" and t.value in "[{":
        depth, j, parts = 0, i, []
        while j < len(toks):
            tj = toks[j]
            if tj.kind == "op" and tj.value in "[{":
                depth += 1
            elif tj.kind == "op" and tj.value in "]}":
                depth -= 1
                if depth == 0:
                    break
            elif tj.kind in ("str", "sym", "ident", "num"):
                parts.append(tj.value)
            j += 1
        return ",".join(parts), j + 1
    return t.value, i + 1


def _args(toks: list[_Tok]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(positional (kind, text), options (key, text)) of a call's argument list."""
    if toks and toks[0].kind == "op" and toks[0].value == "(":
        toks = toks[1:-1] if toks[-1].kind == "op" and toks[-1].value == ")" else toks[1:]
    pos: list[tuple[str, str]] = []
    opts: list[tuple[str, str]] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "op" and t.value == ",":
            i += 1
            continue
        if t.kind == "label" and i + 1 < len(toks):
            v, i = _value(toks, i + 1)
            opts.append((t.value, v))
            continue
        if t.kind in ("sym", "str") and i + 2 < len(toks) and toks[i + 1].kind == "op" and toks[i + 1].value == "=>":
            v, i = _value(toks, i + 2)
            opts.append((t.value, v))
            continue
        if t.kind == "ident" and t.value in ("do", "if", "unless"):
            break
        kind = t.kind
        v, i = _value(toks, i)
        pos.append((kind, v))
    return pos, opts


def parse_gemfile(text: str, path: str) -> Gemfile:
    out = Gemfile()
    blocks: list[tuple[str, tuple[str, ...]]] = []  # (block name, groups it adds)
    for st in _statements(_tokenize(text, path)):
        head = st[0]
        rest = st[1:]
        opens = any(t.kind == "ident" and t.value == "do" for t in st) or (
            head.kind == "ident" and head.value in ("if", "unless", "case", "begin", "while")
        )
        if head.kind == "ident" and head.value == "end":
            if blocks:
                blocks.pop()
            continue
        groups = tuple(g for _, gs in blocks for g in gs)
        if head.kind == "ident" and head.value == "gem":
            pos, opts = _args(rest)
            if not pos or pos[0][0] != "str":
                raise InputError(
                    "gem needs a name in quotes",
                    origin=Origin(path, head.line),
                    code="bad-gemfile",
                    hint='write gem "name", "~> 1.0"',
                )
            reqs = tuple(v for k, v in pos[1:] if k == "str")
            extra = tuple(g for k, v in opts if k == "group" or k == "groups" for g in v.split(",") if g)
            out.gems.append(GemDecl(pos[0][1], reqs, head.line, groups + extra, tuple(opts)))
        elif head.kind == "ident" and head.value == "ruby":
            pos, opts = _args(rest)
            if pos and pos[0][0] == "str":
                out.ruby = (", ".join(v for k, v in pos if k == "str"), head.line)
            elif dict(opts).get("file"):
                out.ruby_file = dict(opts)["file"]
        elif head.kind == "ident" and head.value == "gemspec":
            out.gemspec = head.line
        if opens:
            name = head.value if head.kind == "ident" else "?"
            adds: tuple[str, ...] = ()
            if name == "group":
                pos, _ = _args(rest)
                adds = tuple(v for k, v in pos if k in ("sym", "str"))
            blocks.append((name, adds))
    return out


@dataclass
class GemfileLock:
    specs: list[tuple[str, str, int]] = field(default_factory=list)  # (name, version, line) of GEM/GIT/PATH
    dependencies: list[tuple[str, str, int]] = field(default_factory=list)  # (name, requirement, line)
    ruby: tuple[str, int] | None = None
    bundler: tuple[str, int] | None = None


def parse_gemfile_lock(text: str, path: str) -> GemfileLock:
    out = GemfileLock()
    section = ""
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if not raw.startswith(" "):
            section = raw.strip()
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        body = raw.strip()
        if section in ("GEM", "GIT", "PATH") and indent == 4:
            name, _, rest = body.partition(" ")
            if not (rest.startswith("(") and rest.endswith(")")):
                raise InputError(
                    "a spec line must read `name (version)`",
                    origin=Origin(path, n, 5),
                    code="bad-gemfile-lock",
                    hint="regenerate it with `bundle lock`",
                )
            version = rest[1:-1].split("-", 1)[0]  # 1.15.4-x86_64-linux: the platform follows the dash
            out.specs.append((name, version, n))
        elif section == "DEPENDENCIES" and indent == 2:
            name, _, rest = body.partition(" ")
            req = rest[1:-1] if rest.startswith("(") and rest.endswith(")") else ""
            out.dependencies.append((name.rstrip("!"), req, n))
        elif section == "RUBY VERSION":
            out.ruby = (body, n)
        elif section == "BUNDLED WITH":
            out.bundler = (body, n)
    return out
