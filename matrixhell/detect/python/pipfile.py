"""Pipfile (TOML) and Pipfile.lock (JSON), as pipenv writes them."""

from __future__ import annotations

import json
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from matrixhell.detect.python._common import Facts, get_table, load_toml, normalize, read_text, scope_of_group
from matrixhell.detect.python._locate import Lines, json_lines, toml_lines
from matrixhell.detect.python.runtimes import python_req
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Ecosystem, Origin, PackageReq, Scope, Severity

__all__ = ["read_pipfile", "read_pipfile_lock"]

_RESERVED = frozenset({"source", "requires", "pipenv", "scripts", "packages", "dev-packages"})
#: keys of a package table that pipenv turns into environment markers
_MARKER_KEYS = (
    "os_name",
    "sys_platform",
    "platform_machine",
    "platform_system",
    "platform_release",
    "platform_version",
    "python_version",
    "python_full_version",
    "implementation_name",
    "platform_python_implementation",
)


def _categories(data: dict[str, Any]) -> list[tuple[str, Scope, str | None]]:
    out: list[tuple[str, Scope, str | None]] = [
        ("packages", Scope.MAIN, None),
        ("dev-packages", Scope.DEV, "dev"),
    ]
    for key, value in data.items():
        if key not in _RESERVED and isinstance(value, dict):
            out.append((key, scope_of_group(key), normalize(key)))
    return out


def _marker(parts: list[str], origin: Origin, facts: Facts, name: str) -> str | None:
    if not parts:
        return None
    text = " and ".join(f"({p})" if len(parts) > 1 else p for p in parts)
    from packaging.markers import InvalidMarker, Marker  # markers are rare: imported here

    try:
        return str(Marker(text))
    except InvalidMarker as e:
        facts.sink.add(
            "invalid-requirement",
            Severity.ERROR,
            f"{name}: invalid marker {text!r}: {e}",
            origin,
            "write a PEP 508 marker",
        )
        return None


def _spec(value: str, origin: Origin, facts: Facts, name: str) -> str | None:
    if value.strip() in ("", "*"):
        return ""
    try:
        return str(SpecifierSet(value))
    except InvalidSpecifier:
        facts.sink.add(
            "invalid-requirement",
            Severity.ERROR,
            f"{name}: {value!r} is not a PEP 440 specifier",
            origin,
            'write it like "==1.2.3", ">=1.2" or "*"',
        )
        return None


def _entry(
    name: str, value: object, origin: Origin, facts: Facts, scope: Scope, group: str | None
) -> PackageReq | None:
    norm = normalize(name)
    if isinstance(value, str):
        spec = _spec(value, origin, facts, name)
        if spec is None:
            return None
        return PackageReq(Ecosystem.PYPI, norm, spec, origin, scope=scope, group=group)
    if not isinstance(value, dict):
        facts.sink.add(
            "pipfile-bad-value",
            Severity.ERROR,
            f"{name} must be a version string or a table",
            origin,
            'write name = "*" or name = {version = "..."}',
        )
        return None
    spec = ""
    if isinstance(value.get("version"), str):
        s = _spec(value["version"], origin, facts, name)
        if s is None:
            return None
        spec = s
    parts: list[str] = []
    if isinstance(value.get("markers"), str):
        parts.append(value["markers"])
    for key in _MARKER_KEYS:
        if isinstance(value.get(key), str):
            parts.append(f"{key} {value[key]}")
    marker = _marker(parts, origin, facts, name)
    extras = (
        tuple(sorted(normalize(e) for e in value.get("extras", []) if isinstance(e, str)))
        if isinstance(value.get("extras"), list)
        else ()
    )
    url = None
    for vcs in ("git", "hg", "svn", "bzr"):
        if isinstance(value.get(vcs), str):
            ref = value.get("ref")
            url = f"{vcs}+{value[vcs]}" + (f"@{ref}" if isinstance(ref, str) else "") + f"#egg={name}"
            break
    else:
        if isinstance(value.get("path"), str):
            url = value["path"]
        elif isinstance(value.get("file"), str):
            url = value["file"]
    return PackageReq(
        Ecosystem.PYPI,
        norm,
        spec,
        origin,
        extras=extras,
        marker=marker,
        url=url,
        editable=bool(value.get("editable")),
        scope=scope,
        group=group,
    )


def _requires(
    table: dict[str, Any], key_path: tuple[str, ...], lines: Lines, path: str, source: str, facts: Facts
) -> None:
    for key in ("python_full_version", "python_version"):
        value = table.get(key)
        if isinstance(value, str):
            origin = Origin(path, lines.line(*key_path, key))
            req = python_req(value, source, origin, facts.sink)
            if req is not None:
                facts.runtimes.append(req)


def read_pipfile(view: RepoView, path: str, facts: Facts) -> None:
    loaded = load_toml(view, path, facts.sink)
    facts.read(path)
    if loaded is None:
        return
    data, text = loaded
    lines = toml_lines(text)
    for key, scope, group in _categories(data):
        table = data.get(key)
        if table is None:
            continue
        if not isinstance(table, dict):
            facts.sink.add(
                "pipfile-bad-value", Severity.ERROR, f"[{key}] must be a table", Origin(path, lines.line(key))
            )
            continue
        for name, value in table.items():
            req = _entry(name, value, Origin(path, lines.line(key, name)), facts, scope, group)
            if req is not None:
                facts.packages.append(req)
    requires = get_table(data, "requires")
    if requires is not None:
        _requires(requires, ("requires",), lines, path, "pipfile-requires", facts)


def read_pipfile_lock(view: RepoView, path: str, facts: Facts) -> None:
    text = read_text(view, path, facts.sink)
    facts.read(path)
    if text is None:
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        facts.sink.add(
            "json-syntax",
            Severity.ERROR,
            f"is not valid JSON: {e.msg}",
            Origin(path, e.lineno, e.colno),
            "regenerate it with pipenv lock",
        )
        return
    if not isinstance(data, dict):
        facts.sink.add("pipfile-bad-value", Severity.ERROR, "Pipfile.lock must hold a JSON object", Origin(path, 1))
        return
    lines = json_lines(text)
    meta = data.get("_meta")
    if isinstance(meta, dict) and isinstance(meta.get("requires"), dict):
        _requires(meta["requires"], ("_meta", "requires"), lines, path, "pipfile-lock-requires", facts)
    for section, table in data.items():
        if section == "_meta" or not isinstance(table, dict):
            continue
        scope = Scope.MAIN if section == "default" else Scope.DEV if section == "develop" else scope_of_group(section)
        for name, entry in table.items():
            if not isinstance(entry, dict):
                continue
            origin = Origin(path, lines.line(section, name))
            version = entry.get("version")
            locked = version[2:] if isinstance(version, str) and version.startswith("==") else None
            hashes = (
                tuple(h for h in entry.get("hashes", []) if isinstance(h, str))
                if isinstance(entry.get("hashes"), list)
                else ()
            )
            marker = None
            if isinstance(entry.get("markers"), str):
                marker = _marker([entry["markers"]], origin, facts, name)
            url = None
            if isinstance(entry.get("git"), str):
                ref = entry.get("ref")
                url = f"git+{entry['git']}" + (f"@{ref}" if isinstance(ref, str) else "")
            facts.locked.append(
                PackageReq(
                    Ecosystem.PYPI,
                    normalize(name),
                    "",
                    origin,
                    locked=locked,
                    marker=marker,
                    url=url,
                    scope=scope,
                    group=None if section == "default" else section,
                    direct=False,
                    hashes=hashes,
                )
            )
