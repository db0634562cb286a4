"""Version-manager files every ecosystem shares: asdf's ``.tool-versions`` and mise's ``mise.toml``.

``.tool-versions`` lines read ``nodejs 20.11.0 18.19.0`` (the first version is the one in use);
``mise.toml`` / ``.mise.toml`` hold ``[tools] node = "20"`` (a string, a list whose first item is used,
or a table with ``version``).  Each detector asks for its own tool names.  ``latest``, ``lts``,
``system`` and the like name no fixed version: spec ``""`` and an info finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from matrixhell.detect._facts import Facts, ancestors, read_or_note, read_text_or_note
from matrixhell.detect._ranges import RangeError, version_prefix
from matrixhell.detect._tomllines import load_toml
from matrixhell.detect.base import DetectContext, join
from matrixhell.model import Origin, Severity
from matrixhell.model.facts import RuntimeReq

__all__ = ["read_version_managers"]

_ALIASES = {"latest", "lts", "system", "stable", "nightly", "beta"}
_LEADING = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*-(?=\d)")  # temurin-21.0.2, corretto-17, ruby-3.2


def _default_version(raw: str) -> str:
    return _LEADING.sub("", raw.strip().removeprefix("v")).split("+", 1)[0]


def _add(
    facts: Facts,
    runtime: str,
    raw: str,
    origin: Origin,
    source: str,
    precedence: int,
    normalize: Callable[[str], str | None],
) -> None:
    value = raw.strip()
    if value.lower() in _ALIASES or value.lower().startswith(("lts/", "ref:", "path:", "prefix:", "sub-")):
        facts.note(
            "runtime-alias",
            f"{origin.path} names {value!r} for {runtime}, not a fixed version",
            origin,
            hint="write a version number",
            severity=Severity.INFO,
        )
        facts.runtimes.append(RuntimeReq(runtime, "", value, source, origin, precedence))
        return
    version = normalize(value)
    try:
        if version is None:
            raise RangeError(value)
        spec = version_prefix(version).spec
    except RangeError:
        facts.note(
            "unreadable-version",
            f"{origin.path}: {value!r} is not a {runtime} version",
            origin,
            hint="write a version number such as 20.11.1",
        )
        return
    facts.runtimes.append(RuntimeReq(runtime, spec, value, source, origin, precedence))


def read_version_managers(
    facts: Facts,
    ctx: DetectContext,
    runtime: str,
    tools: tuple[str, ...],
    precedence: int,
    normalize: Callable[[str], str | None] = _default_version,
) -> None:
    """Add ``runtime`` requirements from ``.tool-versions`` (at ``precedence``) and mise (``precedence + 1``).

    Like asdf and mise, each looks in the service directory and then each parent, and the nearest file
    that names one of ``tools`` wins."""
    for d in ancestors(ctx):
        path = join(d, ".tool-versions")
        if not (ctx.has(".tool-versions") if d == ctx.directory else ctx.view.is_file(path)):
            continue
        text = read_text_or_note(facts, ctx.view, path)
        hit = False
        for n, line in enumerate((text or "").splitlines(), start=1):
            words = line.split("#", 1)[0].split()
            if len(words) >= 2 and words[0] in tools:
                _add(facts, runtime, words[1], Origin(path, n), "tool-versions", precedence, normalize)
                hit = True
                break
        if hit:
            break
    for d in ancestors(ctx):
        if _mise(facts, ctx, d, runtime, tools, precedence + 1, normalize):
            break


def _mise(
    facts: Facts,
    ctx: DetectContext,
    d: str,
    runtime: str,
    tools: tuple[str, ...],
    precedence: int,
    normalize: Callable[[str], str | None],
) -> bool:
    for name in ("mise.toml", ".mise.toml"):
        path = join(d, name)
        if not (ctx.has(name) if d == ctx.directory else ctx.view.is_file(path)):
            continue
        doc = read_or_note(facts, ctx.view, path, load_toml)
        table = doc.data.get("tools") if doc is not None else None
        if doc is None or not isinstance(table, dict):
            continue
        for tool in tools:
            value = table.get(tool)
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, dict):
                value = value.get("version")
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                _add(facts, runtime, str(value), doc.origin("tools", tool), "mise-toml", precedence, normalize)
                return True
    return False
