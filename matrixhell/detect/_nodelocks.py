"""Node lock files read into one shape: package-lock.json v1-v3, yarn.lock (classic, berry), pnpm-lock.yaml.

A NodeLock answers ``resolve(name, range)`` (the version installed for a direct dependency) and lists
every locked package with its line, so transitive ones can be reported with ``direct=False``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from matrixhell.detect._jsonlines import load_json, parse_json
from matrixhell.detect._parsecache import memo
from matrixhell.detect._yamllines import load_yaml
from matrixhell.detect._yarnlock import parse_yarn_lock
from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model.origin import Origin

__all__ = ["LockedPackage", "NodeLock", "read_bun_lock", "read_npm_lock", "read_pnpm_lock", "read_yarn_lock"]


@dataclass(frozen=True, slots=True)
class LockedPackage:
    name: str
    version: str
    origin: Origin
    dev: bool = False
    optional: bool = False


@dataclass
class NodeLock:
    kind: str  # package-lock | yarn-classic | yarn-berry | pnpm
    path: str
    version: str  # the lock format version as written
    packages: list[LockedPackage] = field(default_factory=list)
    top: dict[str, str] = field(default_factory=dict)  # name -> version installed at the top level
    by_range: dict[tuple[str, str], str] = field(default_factory=dict)  # (name, range) -> version

    def resolve(self, name: str, rng: str) -> str | None:
        if (name, rng) in self.by_range:
            return self.by_range[(name, rng)]
        if name in self.top:
            return self.top[name]
        versions = {p.version for p in self.packages if p.name == name}
        return versions.pop() if len(versions) == 1 else None


def _top_mapping(data: object, path: str, what: str, tool: str) -> dict[str, Any]:
    """The lock file's top-level mapping; anything else means the file is not the lock it is named for."""
    if not isinstance(data, dict):
        raise InputError(
            f"is not a {what}",
            origin=Origin(path, 1),
            code="bad-lock-file",
            hint=f"regenerate it with `{tool}`",
        )
    return data


def _flagged(name: str, version: str, origin: Origin, body: dict[str, Any]) -> LockedPackage:
    """A locked package whose entry carries npm-style ``dev`` / ``optional`` flags."""
    return LockedPackage(name, version, origin, bool(body.get("dev")), bool(body.get("optional")))


def _name_from_path(key: str) -> str:
    return key.rsplit("node_modules/", 1)[-1]


def read_npm_lock(view: RepoView, path: str) -> NodeLock:
    doc = load_json(view, path, max_depth=24)
    data = _top_mapping(doc.data, path, "package-lock object", "npm install")
    lv = data.get("lockfileVersion", 1)
    lock = NodeLock("package-lock", path, str(lv))
    packages = data.get("packages")
    if isinstance(packages, dict) and packages:
        doc.max_depth = 2  # only the package keys need lines; v1 trees below need every level
        for key, body in packages.items():
            if not key or "node_modules/" not in key or not isinstance(body, dict) or body.get("link"):
                continue
            name = str(body.get("name") or _name_from_path(key))
            version = body.get("version")
            if not isinstance(version, str):
                continue
            lock.packages.append(_flagged(name, version, doc.origin("packages", key), body))
            if key == f"node_modules/{name}":
                lock.top[name] = version
        return lock
    deps = data.get("dependencies")
    if isinstance(deps, dict):  # v1: a tree of nested "dependencies"
        stack: list[tuple[tuple[str, ...], dict[str, Any], bool]] = [(("dependencies",), deps, True)]
        while stack:
            at, level, top = stack.pop()
            for name, body in level.items():
                if not isinstance(body, dict):
                    continue
                version = body.get("version")
                if isinstance(version, str):
                    lock.packages.append(_flagged(name, version, doc.origin(*at, name), body))
                    if top:
                        lock.top[name] = version
                nested = body.get("dependencies")
                if isinstance(nested, dict):
                    stack.append(((*at, name, "dependencies"), nested, False))
    return lock


_TRAILING = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[}\]])')


def read_bun_lock(view: RepoView, path: str) -> NodeLock:
    """bun.lock (Bun 1.2+): JSON with trailing commas; ``packages`` maps a key to
    ``["name@version", registry, {dependencies}, integrity]``."""
    text = view.read_text(path)
    # drop the trailing commas (outside strings) that bun writes; the newlines stay, and with them the lines
    doc = parse_json(_TRAILING.sub(lambda m: m.group(1) or m.group(2), text), path, max_depth=2)
    data = _top_mapping(doc.data, path, "bun lock object", "bun install")
    lock = NodeLock("bun", path, str(data.get("lockfileVersion", "")))
    pkgs = data.get("packages")
    for key, entry in pkgs.items() if isinstance(pkgs, dict) else ():
        if not isinstance(entry, list) or not entry or not isinstance(entry[0], str):
            continue
        ident = entry[0]
        at = ident.rfind("@")
        if at <= 0 or ident[at + 1 :].startswith(("workspace:", "link:", "file:")):
            continue
        name, version = ident[:at], ident[at + 1 :]
        lock.packages.append(LockedPackage(name, version, doc.origin("packages", key)))
        if len(key.split("/")) == (2 if key.startswith("@") else 1):  # not a nested copy (parent/child)
            lock.top.setdefault(name, version)
    return lock


def read_yarn_lock(view: RepoView, path: str) -> NodeLock:
    parsed = parse_yarn_lock(view.read_text(path), path)
    lock = NodeLock(f"yarn-{parsed.flavour}", path, "1" if parsed.flavour == "classic" else "berry")
    for entry in parsed.entries:
        if entry.protocol == "workspace" or not entry.version:
            continue
        lock.packages.append(LockedPackage(entry.name, entry.version, Origin(path, entry.line)))
        for name, rng in entry.descriptors:
            lock.by_range[(name, rng)] = entry.version
    return lock


def _pnpm_key(key: str, old: bool) -> tuple[str, str] | None:
    """``/@scope/a/1.0.0_peer`` (v5), ``/a@1.0.0(peer)`` (v6), ``a@1.0.0`` (v9) -> (name, version)."""
    k = key.lstrip("/")
    if old:
        name, sep, version = k.rpartition("/")
        if not sep:
            return None
        return name, version.split("_", 1)[0]
    k = k.split("(", 1)[0]
    at = k.rfind("@")
    if at <= 0:
        return None
    return k[:at], k[at + 1 :]


def _clean_version(v: object, old: bool) -> str | None:
    if isinstance(v, dict):
        v = v.get("version")
    if not isinstance(v, str | int | float) or isinstance(v, bool):
        return None
    s = str(v)
    if s.startswith(("link:", "file:", "workspace:")):
        return None
    s = s.split("(", 1)[0]
    if old:
        s = s.split("_", 1)[0]
    return s.lstrip("/") or None


#: what the reading of a pnpm lock never looks at: v9's peer-resolved copy of ``packages``
_PNPM_SKIP = frozenset({"snapshots", "settings", "overrides", "patchedDependencies"})


def read_pnpm_lock(view: RepoView, path: str, importers: tuple[str, ...] = (".",)) -> NodeLock:
    doc = memo(
        view, "yaml", path, lambda: load_yaml(view, path, max_depth=3, lite_depth=5, skip=_PNPM_SKIP)
    )  # importers differ per member
    data = _top_mapping(doc.data, path, "pnpm lock mapping", "pnpm install")
    lv = str(data.get("lockfileVersion", ""))
    major = lv.split(".", 1)[0]
    old = major.isdigit() and int(major) < 6  # v5 keys read /name/version, later ones name@version
    lock = NodeLock("pnpm", path, lv)
    sections = ("dependencies", "devDependencies", "optionalDependencies")
    blocks: list[dict[str, Any]] = []
    imp = data.get("importers")
    if isinstance(imp, dict):
        blocks.extend(b for k, b in imp.items() if k in importers and isinstance(b, dict))
    else:
        blocks.append(data)
    for block in blocks:
        for sec in sections:
            deps = block.get(sec)
            if isinstance(deps, dict):
                for name, v in deps.items():
                    version = _clean_version(v, old)
                    if version:
                        lock.top.setdefault(str(name), version)
    pkgs = data.get("packages")
    if isinstance(pkgs, dict):
        for key, body in pkgs.items():
            nv = _pnpm_key(str(key), old)
            if nv is None:
                continue
            body = body if isinstance(body, dict) else {}
            lock.packages.append(_flagged(nv[0], nv[1], doc.origin("packages", key), body))
    return lock
