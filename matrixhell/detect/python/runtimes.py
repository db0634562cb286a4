"""Where a Python service says which Python it wants, and how each source's text becomes PEP 440.

Every source found is returned as a RuntimeReq; ranking them and reporting disagreement is the merge
step's job.  ``PRECEDENCE`` is the table docs/detection/python.md shows (lower wins): the explicit
pins first, in nixpacks' and railpack's order (env > .python-version > runtime.txt > Pipfile >
.tool-versions), then mise, then the manifests' constraints, then what lock files copied from them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from matrixhell.detect.python._common import Findings, get_table, load_toml, read_text
from matrixhell.detect.python._locate import toml_lines
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Origin, RuntimeReq, Severity

__all__ = [
    "ENV_KEYS",
    "PRECEDENCE",
    "normalize_version",
    "python_req",
    "read_env",
    "read_mise",
    "read_python_version",
    "read_runtime_txt",
    "read_tool_versions",
]

PRECEDENCE: dict[str, int] = {
    "env": 12,  # after a hand-written Dockerfile's FROM (10): that is what really runs
    "python-version-file": 20,
    "runtime-txt": 30,
    "pipfile-requires": 40,
    "tool-versions": 50,
    "mise-toml": 55,
    "requires-python": 60,
    "poetry-python": 62,
    "setup-cfg-python-requires": 64,
    "setup-py-python-requires": 66,
    "pipfile-lock-requires": 70,
    "uv-lock-requires-python": 75,
    "pylock-requires-python": 76,
    "poetry-lock-python-versions": 80,
}

#: .env keys that pin the Python version, first match wins (nixpacks', railpack's, the common one)
ENV_KEYS = ("NIXPACKS_PYTHON_VERSION", "RAILPACK_PYTHON_VERSION", "PYTHON_VERSION")

_VERSION = re.compile(r"^(?P<release>\d+(?:\.\d+){0,2})(?P<pre>(?:a|b|rc)\d+)?(?P<t>t)?$")
_PYPY = re.compile(r"^pypy(?P<lang>\d+(?:\.\d+)?)?(?:-(?P<impl>[0-9.]+))?$")


def normalize_version(text: str) -> tuple[str, str | None]:
    """``3.8`` -> ``==3.8.*``, ``3.8.10`` -> ``==3.8.10``, ``>=3.8`` stays; returns (spec, note).

    ``note`` names an implementation or build other than plain CPython (``pypy``, ``free-threaded``).
    Raises ValueError for text that is neither a version nor a specifier.
    """
    t = text.strip()
    low = t.lower()
    for prefix in ("python-", "cpython-", "python"):
        if low.startswith(prefix) and len(low) > len(prefix) and low[len(prefix)].isdigit():
            t, low = t[len(prefix) :], low[len(prefix) :]
            break
    pypy = _PYPY.match(low)
    if pypy:
        lang = pypy.group("lang")
        if lang is None:
            return "", "pypy"
        if "." not in lang:  # pypy3
            return f"=={lang}.*", "pypy"
        return f"=={lang}.*", "pypy"
    m = _VERSION.match(low)
    if m:
        release = m.group("release")
        note = "free-threaded" if m.group("t") else None
        if m.group("pre"):
            return f"=={release}{m.group('pre')}", note
        if release.count(".") == 2:
            return f"=={release}", note
        return f"=={release}.*", note
    if low and low[0] in "<>=!~":
        try:
            return str(SpecifierSet(t)), None
        except InvalidSpecifier as e:
            raise ValueError(f"{text!r} is not a PEP 440 specifier") from e
    try:
        Version(t)
    except InvalidVersion as e:
        raise ValueError(f"{text!r} is not a Python version") from e
    return f"=={t}", None


def python_req(
    raw: str,
    source: str,
    origin: Origin,
    sink: Findings,
    *,
    precedence: int | None = None,
    specifier: bool = False,
    hint: str | None = None,
    severity: Severity = Severity.ERROR,
) -> RuntimeReq | None:
    """A RuntimeReq for ``raw`` or None after a finding.  ``specifier``: the text is a PEP 440 set."""
    prec = PRECEDENCE[source] if precedence is None else precedence
    if specifier:
        try:
            spec = str(SpecifierSet(raw.strip()))
        except InvalidSpecifier:
            sink.add(
                "python-version-invalid",
                Severity.ERROR,
                f"{raw!r} is not a valid PEP 440 version specifier",
                origin,
                "write it like >=3.10 or >=3.10,<3.13",
            )
            return None
        return RuntimeReq(runtime="python", spec=spec, raw=raw, source=source, origin=origin, precedence=prec)
    try:
        spec, note = normalize_version(raw)
    except ValueError as e:
        sink.add(
            "python-version-invalid",
            severity,
            f"cannot read a Python version: {e}",
            origin,
            hint or "write a version such as 3.12 or 3.12.4",
        )
        return None
    if note == "pypy":
        sink.add(
            "python-implementation",
            Severity.WARNING,
            f"{raw!r} asks for PyPy, not CPython",
            origin,
            "PyPy base images differ from python:* ones; check the generated base",
        )
    elif note == "free-threaded":
        sink.add("python-implementation", Severity.INFO, f"{raw!r} asks for a free-threaded build", origin)
    return RuntimeReq(runtime="python", spec=spec, raw=raw, source=source, origin=origin, precedence=prec)


def read_runtime_txt(view: RepoView, path: str, sink: Findings) -> list[RuntimeReq]:
    """Heroku-style ``python-3.8.10`` on the first non-empty line."""
    text = read_text(view, path, sink)
    if text is None:
        return []
    for number, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not s.lower().startswith("python-"):
            sink.add(
                "python-version-invalid",
                Severity.ERROR,
                f"runtime.txt says {s!r}, expected python-X.Y[.Z]",
                Origin(path, number),
                "write python-3.12.4",
            )
            return []
        req = python_req(s, "runtime-txt", Origin(path, number), sink)
        return [req] if req else []
    return []


def read_python_version(view: RepoView, path: str, sink: Findings) -> list[RuntimeReq]:
    """pyenv's .python-version: one version per line, the first the primary one; ``#`` lines skipped."""
    text = read_text(view, path, sink)
    if text is None:
        return []
    out: list[RuntimeReq] = []
    for number, line in enumerate(text.splitlines(), start=1):
        s = line.split("#", 1)[0].strip()
        if not s:
            continue
        origin = Origin(path, number)
        if s == "system":
            sink.add(
                "python-version-system",
                Severity.INFO,
                ".python-version says 'system': no version is pinned",
                origin,
            )
            continue
        req = python_req(
            s,
            "python-version-file",
            origin,
            sink,
            precedence=PRECEDENCE["python-version-file"] + (1 if out else 0),
            severity=Severity.WARNING,  # pyenv also accepts virtualenv names here
            hint="a pyenv virtualenv name is not a version; write the Python version (3.12.4)",
        )
        if req:
            out.append(req)
    return out


def read_tool_versions(view: RepoView, path: str, sink: Findings) -> list[RuntimeReq]:
    """asdf's .tool-versions: ``python 3.11.4 3.10.2`` (the first version is the default)."""
    text = read_text(view, path, sink)
    if text is None:
        return []
    out: list[RuntimeReq] = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "python":
            continue
        origin = Origin(path, number)
        if len(words) == 1:
            sink.add(
                "python-version-invalid",
                Severity.ERROR,
                ".tool-versions names python without a version",
                origin,
                "write python 3.12.4",
            )
            continue
        for k, ver in enumerate(words[1:]):
            if ver == "system" or ver.startswith(("ref:", "path:")):
                sink.add(
                    "python-version-system",
                    Severity.INFO,
                    f".tool-versions says python {ver}: not a version number",
                    origin,
                )
                continue
            req = python_req(
                ver, "tool-versions", origin, sink, precedence=PRECEDENCE["tool-versions"] + (1 if k else 0)
            )
            if req:
                out.append(req)
    return out


def read_mise(view: RepoView, path: str, sink: Findings) -> list[RuntimeReq]:
    """mise.toml / .mise.toml: ``[tools] python = "3.11"`` (or a list, or ``{ version = "3.11" }``)."""
    loaded = load_toml(view, path, sink)
    if loaded is None:
        return []
    data, text = loaded
    tools = get_table(data, "tools")
    if tools is None or "python" not in tools:
        return []
    lines = toml_lines(text)
    value = tools["python"]
    items: list[tuple[str, int | None]] = []
    if isinstance(value, str):
        items = [(value, lines.line("tools", "python"))]
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, str):
                items.append((v, lines.line("tools", "python", i)))
            elif isinstance(v, dict) and isinstance(v.get("version"), str):
                items.append((v["version"], lines.line("tools", "python", i)))
    elif isinstance(value, dict) and isinstance(value.get("version"), str):
        items = [(value["version"], lines.line("tools", "python", "version"))]
    out: list[RuntimeReq] = []
    for k, (ver, line) in enumerate(items):
        origin = Origin(path, line)
        if ver in ("latest", "system"):
            sink.add(
                "python-version-system",
                Severity.INFO,
                f"mise says python {ver!r}: no version is pinned",
                origin,
            )
            continue
        ver = ver.removeprefix("prefix:")
        req = python_req(ver, "mise-toml", origin, sink, precedence=PRECEDENCE["mise-toml"] + (1 if k else 0))
        if req:
            out.append(req)
    if not items:
        sink.add(
            "python-version-invalid",
            Severity.WARNING,
            "mise's python entry has no version string",
            Origin(path, lines.line("tools", "python")),
        )
    return out


def read_env(env: Mapping[str, str], env_path: str, env_text: str | None, sink: Findings) -> list[RuntimeReq]:
    """A version pinned in the service's .env (the first of ENV_KEYS that is set)."""
    for key in ENV_KEYS:
        value = env.get(key)
        if not value:
            continue
        line = None
        if env_text is not None:
            for number, text in enumerate(env_text.splitlines(), start=1):
                stripped = text.strip().removeprefix("export ").lstrip()
                if stripped.split("=", 1)[0].strip() == key:
                    line = number
        req = python_req(value, "env", Origin(env_path, line), sink)
        return [req] if req else []
    return []
