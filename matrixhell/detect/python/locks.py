"""Lock files: poetry.lock, uv.lock and pdm.lock (all TOML with ``[[package]]`` entries).

Every entry becomes a PackageReq with ``locked`` set and ``direct=False``; the detector matches them to
the direct requirements by normalized name.  The Python constraint a lock file copied from its
project (poetry's ``metadata.python-versions``, uv's ``requires-python``) becomes a RuntimeReq.
"""

from __future__ import annotations

from typing import Any

from matrixhell.detect.python import poetry_constraints
from matrixhell.detect.python._common import Facts, get_table, load_toml, normalize, scope_of_group
from matrixhell.detect.python._locate import Lines, array_table_lines, table_key_line, toml_lines
from matrixhell.detect.python.pyproject import widen
from matrixhell.detect.python.runtimes import PRECEDENCE, python_req
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Ecosystem, Origin, PackageReq, RuntimeReq, Scope, Severity

__all__ = ["read_pdm_lock", "read_poetry_lock", "read_uv_lock"]


def _hashes(*groups: object) -> tuple[str, ...]:
    out: list[str] = []
    for g in groups:
        items = g if isinstance(g, list) else [g]
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("hash"), str):
                out.append(item["hash"])
    return tuple(out)


class _LockLines:
    """Lines in a lock file: a header-only scan when it accounts for every entry, else the full scanner."""

    def __init__(self, text: str, data: dict[str, Any]) -> None:
        pkgs = data.get("package")
        self._text = text
        self._fast = array_table_lines(text, "package", "name", len(pkgs)) if isinstance(pkgs, list) else None
        self._full: Lines | None = None

    def _lines(self) -> Lines:
        if self._full is None:
            self._full = toml_lines(self._text)
        return self._full

    def package(self, i: int) -> int | None:
        if self._fast is not None:
            return self._fast[i]
        return self._lines().line("package", i, "name")

    def key(self, table: str, key: str) -> int | None:
        found = table_key_line(self._text, table, key)
        return found if found is not None else self._lines().line(*(table, key) if table else (key,))


def _packages(data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    pkgs = data.get("package")
    if not isinstance(pkgs, list):
        return []
    return [(i, p) for i, p in enumerate(pkgs) if isinstance(p, dict) and isinstance(p.get("name"), str)]


def _open_lock(view: RepoView, path: str, facts: Facts) -> tuple[dict[str, Any], _LockLines] | None:
    """Load a TOML lock file, record it as read, and pair its data with its line index."""
    loaded = load_toml(view, path, facts.sink)
    facts.read(path)
    if loaded is None:
        return None
    data, text = loaded
    return data, _LockLines(text, data)


def _url_from(table: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The last of ``keys`` holding a string in ``table``; a ``git`` entry gets the ``git+`` prefix."""
    url = None
    for key in keys:
        if isinstance(table.get(key), str):
            url = table[key] if key != "git" else f"git+{table[key]}"
    return url


def read_poetry_lock(view: RepoView, path: str, facts: Facts) -> None:
    opened = _open_lock(view, path, facts)
    if opened is None:
        return
    data, lines = opened
    for i, pkg in _packages(data):
        origin = Origin(path, lines.package(i))
        version = pkg.get("version") if isinstance(pkg.get("version"), str) else None
        scope = Scope.DEV if pkg.get("category") == "dev" else Scope.MAIN
        source = pkg.get("source")
        url = None
        if isinstance(source, dict) and source.get("type") in ("git", "url", "directory", "file"):
            url = str(source.get("url", ""))
            ref = source.get("resolved_reference") or source.get("reference")
            if source.get("type") == "git":
                url = f"git+{url}" + (f"@{ref}" if isinstance(ref, str) and ref else "")
        facts.locked.append(
            PackageReq(
                Ecosystem.PYPI,
                normalize(pkg["name"]),
                "",
                origin,
                locked=version,
                url=url,
                scope=scope,
                direct=False,
                hashes=_hashes(pkg.get("files")),
            )
        )
    meta = get_table(data, "metadata")
    if meta is not None and isinstance(meta.get("python-versions"), str):
        raw = meta["python-versions"]
        origin = Origin(path, lines.key("metadata", "python-versions"))
        try:
            alts = poetry_constraints.translate(raw)
        except ValueError as e:
            facts.sink.add("poetry-bad-constraint", Severity.ERROR, f"metadata.python-versions: {e}", origin)
            return
        spec = alts[0] if len(alts) == 1 else widen(alts, raw, origin, facts, "metadata.python-versions")
        facts.runtimes.append(
            RuntimeReq(
                "python",
                spec,
                raw,
                "poetry-lock-python-versions",
                origin,
                PRECEDENCE["poetry-lock-python-versions"],
            )
        )


def read_uv_lock(view: RepoView, path: str, facts: Facts) -> None:
    opened = _open_lock(view, path, facts)
    if opened is None:
        return
    data, lines = opened
    rp = data.get("requires-python")
    if isinstance(rp, str):
        req = python_req(
            rp,
            "uv-lock-requires-python",
            Origin(path, lines.key("", "requires-python")),
            facts.sink,
            specifier=True,
        )
        if req is not None:
            facts.runtimes.append(req)
    for i, pkg in _packages(data):
        source = pkg.get("source")
        origin = Origin(path, lines.package(i))
        url = None
        editable = False
        if isinstance(source, dict):
            if "virtual" in source or ("editable" in source and source.get("editable") == "."):
                continue  # the project itself (or a virtual workspace root), not a dependency
            if isinstance(source.get("editable"), str):
                url, editable = source["editable"], True
            found = _url_from(source, ("git", "url", "path", "directory"))
            if found is not None:
                url = found
        version = pkg.get("version") if isinstance(pkg.get("version"), str) else None
        facts.locked.append(
            PackageReq(
                Ecosystem.PYPI,
                normalize(pkg["name"]),
                "",
                origin,
                locked=version,
                url=url,
                editable=editable,
                direct=False,
                hashes=_hashes(pkg.get("sdist"), pkg.get("wheels")),
            )
        )


def read_pdm_lock(view: RepoView, path: str, facts: Facts) -> None:
    opened = _open_lock(view, path, facts)
    if opened is None:
        return
    data, lines = opened
    for i, pkg in _packages(data):
        origin = Origin(path, lines.package(i))
        groups = [g for g in pkg.get("groups", []) if isinstance(g, str)] if isinstance(pkg.get("groups"), list) else []
        scope = Scope.MAIN if not groups or "default" in groups else scope_of_group(groups[0])
        version = pkg.get("version") if isinstance(pkg.get("version"), str) else None
        url = _url_from(pkg, ("git", "url", "path"))
        facts.locked.append(
            PackageReq(
                Ecosystem.PYPI,
                normalize(pkg["name"]),
                "",
                origin,
                locked=version,
                url=url,
                scope=scope,
                group=None if scope is Scope.MAIN else groups[0],
                direct=False,
                hashes=_hashes(pkg.get("files")),
            )
        )
