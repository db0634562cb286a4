"""yarn.lock, both formats: classic v1's indented syntax (a real parser of it) and berry's YAML.

Classic v1::

    "@babel/core@^7.0.0", "@babel/core@^7.1.0":
      version "7.1.2"
      dependencies:
        debug "^4.1.0"

Each top-level entry becomes a YarnEntry: the descriptors it answers (``("@babel/core", "^7.0.0")``),
the resolved version and the entry's line.  Berry (``__metadata:`` at the top) is YAML whose descriptors
carry a protocol (``express@npm:^4.18.2``); the protocol is kept apart from the range.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["YarnEntry", "YarnLock", "parse_yarn_lock", "split_descriptor"]


@dataclass(frozen=True, slots=True)
class YarnEntry:
    descriptors: tuple[tuple[str, str], ...]  # (name, range) pairs, protocol stripped from npm ranges
    version: str
    line: int
    protocol: str = "npm"  # npm | workspace | patch | file | git ...

    @property
    def name(self) -> str:
        return self.descriptors[0][0]


@dataclass(frozen=True, slots=True)
class YarnLock:
    flavour: str  # classic | berry
    entries: tuple[YarnEntry, ...]


def split_descriptor(text: str) -> tuple[str, str, str]:
    """``@scope/name@npm:^1.2`` -> (``@scope/name``, ``npm``, ``^1.2``); the protocol is "" when absent."""
    at = text.find("@", 1)
    if at < 0:
        return text, "", ""
    name, rng = text[:at], text[at + 1 :]
    proto, sep, rest = rng.partition(":")
    if sep and proto.isalpha():
        return name, proto, rest
    return name, "", rng


_TOKEN = re.compile(
    r'(?P<ws>[ \t]+)|(?P<comment>\#.*)|(?P<str>"(?:[^"\\]|\\.)*")|(?P<comma>,)|(?P<colon>:(?=[ \t]|$))'
    r"|(?P<word>[^\s,:\"]+(?::(?![ \t]|$)[^\s,:\"]*)*|:(?![ \t]|$)[^\s,:\"]*)"
)


def _tokens(content: str, path: str, n: int) -> list[tuple[str, Any]]:
    """One line's tokens: strings (JSON-style escapes), bare words, commas and a key's colon."""
    out: list[tuple[str, Any]] = []
    pos, size = 0, len(content)
    while pos < size:
        m = _TOKEN.match(content, pos)
        if m is None:  # only an unterminated string can fail to match
            raise InputError(
                "unterminated string in yarn.lock",
                origin=Origin(path, n, pos + 1),
                code="bad-yarn-lock",
                hint="regenerate it with `yarn install`",
            )
        kind = m.lastgroup
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "comment":
            break
        text = m.group()
        if kind == "str":
            try:
                out.append(("str", json.loads(text) if "\\" in text else text[1:-1]))
            except ValueError as e:
                raise InputError(
                    "bad string escape in yarn.lock",
                    origin=Origin(path, n, m.start() + 1),
                    code="bad-yarn-lock",
                    hint="regenerate it with `yarn install`",
                ) from e
        elif kind == "comma":
            out.append((",", text))
        elif kind == "colon":
            out.append((":", text))
        else:
            out.append(("word", {"true": True, "false": False}.get(text, text)))
    return out


_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PAIR = re.compile(rf"^({_QUOTED}|[^\s\",:#][^\s\",]*) +({_QUOTED}|[^\s\",:#][^\s\",]*)$")


def _unquote(text: str, path: str, n: int) -> str:
    if not text.startswith('"'):
        return text
    if "\\" not in text:
        return text[1:-1]
    try:
        return str(json.loads(text))
    except ValueError as e:
        raise InputError(
            "bad string escape in yarn.lock",
            origin=Origin(path, n),
            code="bad-yarn-lock",
            hint="regenerate it with `yarn install`",
        ) from e


def _scalar(text: str, path: str, n: int) -> Any:
    if text.startswith('"'):
        return _unquote(text, path, n)
    return {"true": True, "false": False}.get(text, text)


def _classic(text: str, path: str) -> YarnLock:
    root: dict[str, Any] = {}
    lines: dict[str, int] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    for n, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip(" ")
        if not stripped.strip() or stripped.startswith("#"):
            continue
        if "\t" in raw[: len(raw) - len(stripped) + 1]:
            raise InputError(
                "tab in indentation",
                origin=Origin(path, n),
                code="bad-yarn-lock",
                hint="yarn.lock indents with spaces; regenerate it with `yarn install`",
            )
        indent = len(raw) - len(stripped)
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        pair = _PAIR.match(stripped)
        if pair:  # the common `key "value"` line, read without the general tokenizer
            parent[_unquote(pair.group(1), path, n)] = _scalar(pair.group(2), path, n)
            continue
        toks = _tokens(stripped, path, n)
        kinds = [k for k, _ in toks]
        if (
            kinds
            and kinds[-1] == ":"
            and all(k in ("str", "word") for k in kinds[:-1:2])
            and all(k == "," for k in kinds[1:-1:2])
        ):
            keys = [str(v) for k, v in toks[:-1] if k != ","]
            child: dict[str, Any] = {}
            if indent == 0:  # an entry: every descriptor it answers, under one key
                lines[", ".join(keys)] = n
                parent[", ".join(keys)] = child
            else:
                for key in keys:
                    parent[key] = child
            stack.append((indent, child))
        elif len(toks) == 2 and kinds[0] in ("str", "word") and kinds[1] in ("str", "word"):
            parent[str(toks[0][1])] = toks[1][1]
        elif len(toks) == 3 and kinds[0] in ("str", "word") and kinds[1] == ":" and kinds[2] != ",":
            parent[str(toks[0][1])] = toks[2][1]
        else:
            raise InputError(
                "cannot read this yarn.lock line",
                origin=Origin(path, n, indent + 1),
                code="bad-yarn-lock",
                hint="regenerate it with `yarn install`",
            )
    entries = []
    for key, body in root.items():
        if not isinstance(body, dict):
            continue
        descs = []
        for d in key.split(", "):
            name, proto, rng = split_descriptor(d.strip())
            descs.append((name, rng if proto in ("", "npm") else f"{proto}:{rng}"))
        entries.append(YarnEntry(tuple(descs), str(body.get("version", "")), lines.get(key, 1)))
    return YarnLock("classic", tuple(entries))


def _berry(doc: Any) -> YarnLock:
    entries = []
    for key, body in doc.data.items():
        if key == "__metadata" or not isinstance(body, dict):
            continue
        descs, protocol = [], "npm"
        for d in str(key).split(","):
            name, proto, rng = split_descriptor(d.strip())
            if proto and proto != "npm":
                protocol = proto
            descs.append((name, rng))
        if not descs:
            continue
        entries.append(YarnEntry(tuple(descs), str(body.get("version", "")), doc.line(key) or 1, protocol))
    return YarnLock("berry", tuple(entries))


def parse_yarn_lock(text: str, path: str) -> YarnLock:
    head = [ln.strip() for ln in text.splitlines()[:5]]
    if "# yarn lockfile v1" not in head:
        from matrixhell.detect._yamllines import parse_yaml

        try:
            doc = parse_yaml(text, path, max_depth=2, lite_depth=2)  # only each entry's version is read
        except InputError:
            doc = None
        if doc is not None and isinstance(doc.data, dict) and "__metadata" in doc.data:
            return _berry(doc)
    return _classic(text, path)
