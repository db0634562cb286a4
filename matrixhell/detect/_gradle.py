"""Gradle build scripts (Groovy and Kotlin DSL) read through a tokenizer, never by regex on the file.

The tokens (identifiers, strings, numbers, punctuation, newlines; comments dropped) are walked with a
stack of the ``name {`` blocks they sit in, which is enough for what a build states declaratively:
``dependencies { implementation("g:a:v") }``, ``java { toolchain { languageVersion = JavaLanguageVersion
.of(17) } }``, ``kotlin { jvmToolchain(17) }``, ``sourceCompatibility = JavaVersion.VERSION_17``,
``plugins { id("org.springframework.boot") version "3.2.0" }``.  Computed values are out of reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["GradleBuild", "GradleDep", "GradlePlugin", "parse_gradle"]


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # id | str | num | op | nl
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class GradleDep:
    configuration: str  # implementation | api | testImplementation ...
    notation: str  # g:a:v, g:a, or a catalog reference "libs.spring.web"
    line: int
    platform: bool = False


@dataclass(frozen=True, slots=True)
class GradlePlugin:
    id: str
    version: str | None
    line: int
    applied: bool = True  # False for `apply false`: declared for subprojects, not used here


@dataclass
class GradleBuild:
    deps: list[GradleDep] = field(default_factory=list)
    toolchain: tuple[str, int] | None = None  # languageVersion / jvmToolchain
    compatibility: list[tuple[str, str, int]] = field(default_factory=list)  # (which, version, line)
    plugins: list[GradlePlugin] = field(default_factory=list)


def _tokenize(text: str, path: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            toks.append(_Tok("nl", "", line))
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise InputError(
                    "unterminated comment",
                    origin=Origin(path, line),
                    code="bad-gradle",
                    hint="close the /* comment",
                )
            line += text.count("\n", i, j)
            i = j + 2
        elif text.startswith('"""', i) or text.startswith("'''", i):
            q = text[i : i + 3]
            j = text.find(q, i + 3)
            if j < 0:
                raise InputError(
                    "unterminated string", origin=Origin(path, line), code="bad-gradle", hint="close the triple quote"
                )
            toks.append(_Tok("str", text[i + 3 : j], line))
            line += text.count("\n", i, j)
            i = j + 3
        elif c in "\"'":
            j, buf = i + 1, []
            while j < n and text[j] != c and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j + 1])
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            if j >= n or text[j] != c:
                raise InputError(
                    "unterminated string",
                    origin=Origin(path, line, i + 1),
                    code="bad-gradle",
                    hint="close the quote on the same line",
                )
            toks.append(_Tok("str", "".join(buf), line))
            i = j + 1
        elif c.isalpha() or c in "_$":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            toks.append(_Tok("id", text[i:j], line))
            i = j
        elif c.isdigit():
            j = i
            while j < n and (text[j].isalnum() or text[j] in "._"):
                j += 1
            toks.append(_Tok("num", text[i:j].rstrip("LlFfDd") if not text[i:j].isdigit() else text[i:j], line))
            i = j
        else:
            toks.append(_Tok("op", c, line))
            i += 1
    return toks


_CONFIG_SKIP = {"project", "files", "fileTree", "gradleApi", "localGroovy"}


def _at(toks: list[_Tok], i: int) -> _Tok | None:
    return toks[i] if 0 <= i < len(toks) else None


def _is(t: _Tok | None, kind: str, value: str | None = None) -> bool:
    return t is not None and t.kind == kind and (value is None or t.value == value)


def _java_version(toks: list[_Tok], i: int) -> tuple[str, int] | None:
    """A Java version written at toks[i]: 17, "17", '1.8', JavaVersion.VERSION_17, JavaVersion.toVersion(17),
    JavaLanguageVersion.of(17), JvmTarget.JVM_17."""
    t = _at(toks, i)
    if t is None:
        return None
    if t.kind in ("num", "str"):
        return t.value, t.line
    if t.kind == "id" and t.value in ("JavaVersion", "JavaLanguageVersion", "JvmTarget") and i + 2 < len(toks):
        member = toks[i + 2]
        if member.kind == "id" and member.value.startswith(("VERSION_", "JVM_")):
            v = member.value.split("_", 1)[1].replace("_", ".")
            return v, member.line
        if member.kind == "id" and member.value in ("of", "toVersion") and i + 4 < len(toks):
            inner = toks[i + 4]
            if inner.kind in ("num", "str"):
                return inner.value, inner.line
    return None


def parse_gradle(text: str, path: str) -> GradleBuild:
    toks = _tokenize(text, path)
    out = GradleBuild()
    stack: list[str] = []
    last_id: str | None = None
    i = 0
    at_statement_start = True
    while i < len(toks):
        t = toks[i]
        if t.kind == "nl" or _is(t, "op", ";"):
            at_statement_start = True
            i += 1
            continue
        if _is(t, "op", "{"):
            stack.append(last_id or "?")
            last_id = None
            at_statement_start = True
            i += 1
            continue
        if _is(t, "op", "}"):
            if stack:
                stack.pop()
            at_statement_start = True
            i += 1
            continue
        starts = at_statement_start
        at_statement_start = False
        if t.kind == "id":
            last_id = t.value
            nxt = _at(toks, i + 1)
            # java { toolchain { languageVersion = JavaLanguageVersion.of(17) } } / .set(...)
            if t.value == "JavaLanguageVersion" and _is(_at(toks, i + 2), "id", "of"):
                v = _java_version(toks, i)
                if v is not None and out.toolchain is None:
                    out.toolchain = v
            elif t.value == "jvmToolchain" and _is(nxt, "op", "("):
                v = _java_version(toks, i + 2)
                if v is not None and out.toolchain is None:
                    out.toolchain = v
            elif (t.value in ("sourceCompatibility", "targetCompatibility", "jvmTarget") and starts) or (
                t.value in ("sourceCompatibility", "targetCompatibility") and i > 0 and _is(toks[i - 1], "op", ".")
            ):
                j = i + 1
                if _is(_at(toks, j), "op", "="):
                    j += 1
                elif _is(_at(toks, j), "op", "."):  # jvmTarget.set(JvmTarget.JVM_17)
                    j += 3 if _is(_at(toks, j + 1), "id", "set") else 0
                v = _java_version(toks, j)
                if v is not None:
                    out.compatibility.append((t.value, v[0], t.line))
            elif starts and stack and stack[-1] == "plugins" and t.value in ("id", "kotlin"):
                i = _plugin(toks, i, out)
                continue
            elif (
                starts
                and stack
                and stack[-1] == "dependencies"
                and "buildscript" not in stack
                and t.value not in _CONFIG_SKIP
            ):
                i = _dependency(toks, i, out)
                continue
            elif starts and t.value == "apply" and not stack:
                # apply plugin: 'org.springframework.boot'
                j = i + 1
                if _is(_at(toks, j), "id", "plugin") and j + 2 < len(toks) and toks[j + 2].kind == "str":
                    out.plugins.append(GradlePlugin(toks[j + 2].value, None, t.line))
        i += 1
    return out


def _call_args(toks: list[_Tok], i: int) -> tuple[list[_Tok], int]:
    """Tokens of the argument list starting at toks[i] (with or without parentheses), and the end index."""
    args: list[_Tok] = []
    if _is(_at(toks, i), "op", "("):
        depth, j = 0, i
        while j < len(toks):
            if _is(toks[j], "op", "("):
                depth += 1
            elif _is(toks[j], "op", ")"):
                depth -= 1
                if depth == 0:
                    return args, j + 1
            if depth >= 1 and not (depth == 1 and _is(toks[j], "op", "(")):
                args.append(toks[j])
            j += 1
        return args, j
    j = i
    while j < len(toks) and toks[j].kind != "nl" and not _is(toks[j], "op", "}") and not _is(toks[j], "op", ";"):
        if _is(toks[j], "op", "{"):  # a configuration closure: { exclude ... }
            depth = 0
            while j < len(toks):
                if _is(toks[j], "op", "{"):
                    depth += 1
                elif _is(toks[j], "op", "}"):
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            j += 1
            continue
        args.append(toks[j])
        j += 1
    return args, j


def _dependency(toks: list[_Tok], i: int, out: GradleBuild) -> int:
    conf = toks[i]
    args, end = _call_args(toks, i + 1)
    platform = False
    if args and args[0].kind == "id" and args[0].value in ("platform", "enforcedPlatform"):
        platform = True
        inner, _ = _call_args(args, 1)
        args = inner
    if not args:
        return end
    if args[0].kind == "str":
        out.deps.append(GradleDep(conf.value, args[0].value, conf.line, platform))
        return end
    named: dict[str, str] = {}
    k = 0
    while k + 2 < len(args) + 1 and k < len(args):
        a = args[k]
        if (
            a.kind == "id"
            and k + 2 < len(args)
            and args[k + 1].kind == "op"
            and args[k + 1].value in ":="
            and args[k + 2].kind == "str"
        ):
            named[a.value] = args[k + 2].value
            k += 3
        else:
            k += 1
    if "name" in named:
        notation = ":".join(x for x in (named.get("group", ""), named["name"], named.get("version")) if x is not None)
        out.deps.append(GradleDep(conf.value, notation, conf.line, platform))
        return end
    if args[0].kind == "id" and args[0].value == "libs":
        ref = "".join(a.value for a in args if a.kind in ("id", "op") and a.value != "(" and a.value != ")")
        out.deps.append(GradleDep(conf.value, ref, conf.line, platform))
    return end


def _plugin(toks: list[_Tok], i: int, out: GradleBuild) -> int:
    """``id("x") version "1" apply false`` / ``id 'x' version '1'`` / ``kotlin("jvm") version "1.9"``."""
    t = toks[i]
    j = i + 1
    stmt: list[_Tok] = []
    depth = 0
    while j < len(toks):
        tj = toks[j]
        if depth == 0 and (tj.kind == "nl" or _is(tj, "op", ";") or _is(tj, "op", "}")):
            break
        if _is(tj, "op", "("):
            depth += 1
        elif _is(tj, "op", ")"):
            depth -= 1
        stmt.append(tj)
        j += 1
    strs = [a for a in stmt if a.kind == "str"]
    if not strs:
        return j
    pid = strs[0].value if t.value == "id" else f"org.jetbrains.kotlin.{strs[0].value}"
    version = None
    for k, a in enumerate(stmt):
        if _is(a, "id", "version"):
            version = next((b.value for b in stmt[k + 1 : k + 3] if b.kind == "str"), None)
    applied = not any(_is(a, "id", "apply") and _is(_at(stmt, k + 1), "id", "false") for k, a in enumerate(stmt))
    out.plugins.append(GradlePlugin(pid, version, t.line, applied))
    return j
