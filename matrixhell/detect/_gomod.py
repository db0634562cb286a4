"""go.mod / go.work: Go's own line grammar (directives, parenthesised blocks, quoted paths, comments).

The lexer follows golang.org/x/mod/modfile: a line is a list of tokens, ``(`` at the end of a directive
opens a block whose lines each repeat the directive, ``//`` starts a comment (kept, since ``// indirect``
carries meaning), strings are "interpreted" or `raw`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["GoLine", "GoModFile", "parse_gomod"]


@dataclass(frozen=True, slots=True)
class GoLine:
    verb: str  # module | go | toolchain | require | replace | exclude | use | retract | godebug
    args: tuple[str, ...]
    line: int
    comment: str = ""


@dataclass
class GoModFile:
    path: str
    lines: list[GoLine] = field(default_factory=list)

    def first(self, verb: str) -> GoLine | None:
        return next((ln for ln in self.lines if ln.verb == verb), None)

    def all(self, verb: str) -> list[GoLine]:
        return [ln for ln in self.lines if ln.verb == verb]


def _lex(text: str, path: str, n: int) -> tuple[list[str], str]:
    toks: list[str] = []
    i, size = 0, len(text)
    while i < size:
        c = text[i]
        if c in " \t\r":
            i += 1
        elif text.startswith("//", i):
            return toks, text[i + 2 :].strip()
        elif c in "()":
            toks.append(c)
            i += 1
        elif text.startswith("=>", i):
            toks.append("=>")
            i += 2
        elif c == '"':
            j = i + 1
            while j < size and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= size:
                raise InputError(
                    "unterminated string",
                    origin=Origin(path, n, i + 1),
                    code="bad-go-mod",
                    hint="close the quoted path",
                )
            try:
                toks.append(json.loads(text[i : j + 1]))
            except ValueError as e:
                raise InputError(
                    "bad string escape",
                    origin=Origin(path, n, i + 1),
                    code="bad-go-mod",
                    hint="use Go string escapes, or a `raw` string",
                ) from e
            i = j + 1
        elif c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise InputError(
                    "unterminated raw string",
                    origin=Origin(path, n, i + 1),
                    code="bad-go-mod",
                    hint="close the backquote",
                )
            toks.append(text[i + 1 : j])
            i = j + 1
        else:
            j = i
            while (
                j < size
                and text[j] not in ' \t\r()"`'
                and not text.startswith("//", j)
                and not text.startswith("=>", j)
            ):
                j += 1
            toks.append(text[i:j])
            i = j
    return toks, ""


_VERBS = {
    "module",
    "go",
    "toolchain",
    "require",
    "replace",
    "exclude",
    "use",
    "retract",
    "godebug",
    "ignore",
    "tool",
}


def parse_gomod(text: str, path: str) -> GoModFile:
    out = GoModFile(path)
    block: str | None = None
    block_line = 0
    for n, line in enumerate(text.splitlines(), start=1):
        toks, comment = _lex(line, path, n)
        if not toks:
            continue
        if block is not None:
            if toks == [")"]:
                block = None
                continue
            out.lines.append(GoLine(block, tuple(toks), n, comment))
            continue
        verb = toks[0]
        if verb not in _VERBS:
            raise InputError(
                f"unknown directive {verb!r}",
                origin=Origin(path, n, 1),
                code="bad-go-mod",
                hint="see `go help go.mod` for the directives",
            )
        if toks[1:] == ["("]:
            block, block_line = verb, n
            continue
        if "(" in toks or ")" in toks:
            raise InputError(
                "unexpected parenthesis",
                origin=Origin(path, n),
                code="bad-go-mod",
                hint="a block opens with `(` at the end of its directive line and closes on a line of its own",
            )
        out.lines.append(GoLine(verb, tuple(toks[1:]), n, comment))
    if block is not None:
        raise InputError(
            f"{block} block is never closed",
            origin=Origin(path, block_line),
            code="bad-go-mod",
            hint="end the block with a line holding only )",
        )
    return out
