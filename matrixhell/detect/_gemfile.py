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
                raise InputError(
                    "unterminated %-literal",
                    origin=Origin(path, line),
                    code="bad-gemfile",
                    hint="close the %q / %w literal",
                )
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
                raise InputError(
                    "unterminated symbol", origin=Origin(path, line), code="bad-gemfile", hint="close the quoted symbol"
                )
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


def _split(toks: list[_Tok]) -> list[list[_Tok]]:
    """A call's arguments, split at the commas outside brackets; a ``do``/``if``/``unless`` outside them
    ends the list (a block, or a statement modifier)."""
    if toks and toks[0].kind == "op" and toks[0].value == "(":
        depth, end = 0, len(toks)
        for k, t in enumerate(toks):
            if t.kind == "op" and t.value in "([{":
                depth += 1
            elif t.kind == "op" and t.value in ")]}":
                depth -= 1
                if depth == 0:
                    end = k
                    break
        toks = toks[1:end]
    args: list[list[_Tok]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == "op" and t.value in "([{":
            depth += 1
        elif t.kind == "op" and t.value in ")]}":
            depth -= 1
        elif depth == 0 and t.kind == "ident" and t.value in ("do", "if", "unless"):
            break
        if depth == 0 and t.kind == "op" and t.value == ",":
            args.append([])
            continue
        args[-1].append(t)
    return [a for a in args if a]


def _text(toks: list[_Tok]) -> tuple[str, str]:
    """(kind, text) of one argument: a lone literal keeps its kind; an array is the comma-joined
    literals in it; anything else is an ``expr`` (``ENV.fetch("V", "1.0")``), whose text is not used."""
    if len(toks) == 1:
        return toks[0].kind, toks[0].value
    if toks[0].kind == "op" and toks[0].value in "[{":
        return "array", ",".join(t.value for t in toks if t.kind in ("str", "sym", "ident", "num"))
    return "expr", " ".join(t.value for t in toks)


def _args(toks: list[_Tok]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(positional (kind, text), options (key, text)) of a call's argument list."""
    pos: list[tuple[str, str]] = []
    opts: list[tuple[str, str]] = []
    for arg in _split(toks):
        head = arg[0]
        if head.kind == "label" and len(arg) > 1:
            opts.append((head.value, _text(arg[1:])[1]))
        elif head.kind in ("sym", "str") and len(arg) > 2 and arg[1].kind == "op" and arg[1].value == "=>":
            opts.append((head.value, _text(arg[2:])[1]))
        else:
            pos.append(_text(arg))
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
