"""Workspace roots and their members: npm/yarn, pnpm, go.work, Cargo, uv and Poetry.

``workspace_members(view, directory)`` says whether ``directory`` is a workspace root and which member
directories belong to it, with member globs expanded against the RepoView (``packages/*``, ``apps/**``,
``!**/test``).  A member counts only when it holds the ecosystem's manifest, as each tool requires;
a member named without a glob that lacks one is reported.  Syntax errors of package.json, Cargo.toml
and pyproject.toml are left to the detectors that read those files anyway, so they are not reported
twice, except a Cargo member's manifest (a member that cannot be read is no service, so no detector's
note would reach the user); pnpm-workspace.yaml has no other reader, so its errors are findings here.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from matrixhell.detect._gomod import parse_gomod
from matrixhell.detect._jsonlines import load_json
from matrixhell.detect._parsecache import memo
from matrixhell.detect._tomllines import TomlDoc, load_toml
from matrixhell.detect._yamllines import load_yaml
from matrixhell.detect.base import finding_from_error, join
from matrixhell.detect.repoview import ALWAYS_SKIPPED, RepoView
from matrixhell.errors import InputError
from matrixhell.model import Finding, Origin, Severity

__all__ = ["WorkspaceInfo", "expand_member_globs", "workspace_members"]

_MAX_DEPTH = 8  # how deep ** descends; deeper member trees are not a workspace layout anyone uses


@dataclass(frozen=True, slots=True)
class WorkspaceInfo:
    kind: str  # npm | yarn | pnpm | go | cargo | uv | poetry
    members: tuple[str, ...]  # repo-relative member directories, sorted, the root itself excluded
    origin: Origin  # the file and line that declares the workspace
    findings: tuple[Finding, ...] = ()


def _is_glob(seg: str) -> bool:
    return any(c in seg for c in "*?[")


def _descendants(view: RepoView, top: str, depth: int) -> Iterable[str]:
    yield top
    if depth <= 0:
        return
    for name in view.listdir(top):
        if name in ALWAYS_SKIPPED or name.startswith("."):
            continue
        child = join(top, name)
        if view.is_dir(child):
            yield from _descendants(view, child, depth - 1)


def _expand_one(view: RepoView, directory: str, pattern: str) -> list[str] | None:
    """Directories the pattern names, or None when it leaves the repository."""
    joined = posixpath.normpath(join(directory, pattern.strip().removeprefix("./").rstrip("/")))
    if joined == ".":
        joined = ""
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    level = [""]
    for seg in [s for s in joined.split("/") if s]:
        nxt: list[str] = []
        for base in level:
            if seg == "**":
                nxt.extend(_descendants(view, base, _MAX_DEPTH))
            elif _is_glob(seg):
                nxt.extend(
                    join(base, n)
                    for n in view.listdir(base)
                    if fnmatch.fnmatchcase(n, seg) and n not in ALWAYS_SKIPPED and view.is_dir(join(base, n))
                )
            elif view.is_dir(join(base, seg)):
                nxt.append(join(base, seg))
        level = list(dict.fromkeys(nxt))
    return level


def expand_member_globs(
    view: RepoView,
    directory: str,
    patterns: Iterable[str],
    excludes: Iterable[str] = (),
    manifest: str | None = None,
    origin: Origin | None = None,
) -> tuple[tuple[str, ...], list[Finding]]:
    """Expand member patterns (``!pattern`` excludes) to member directories holding ``manifest``."""
    found: list[str] = []
    findings: list[Finding] = []
    excluded: set[str] = set()
    excl = list(excludes)
    for pat in patterns:
        if not isinstance(pat, str) or not pat.strip():
            continue
        if pat.startswith("!"):
            excl.append(pat[1:])
            continue
        dirs = _expand_one(view, directory, pat)
        if dirs is None:
            findings.append(
                Finding(
                    "workspace-member-outside",
                    Severity.WARNING,
                    f"workspace member {pat!r} lies outside the repository",
                    origin,
                    "scan from a directory that holds every member",
                )
            )
            continue
        if not dirs and not _is_glob(pat):
            findings.append(
                Finding(
                    "workspace-member-missing",
                    Severity.WARNING,
                    f"workspace member {pat!r} does not exist",
                    origin,
                    "remove it from the workspace or create it",
                )
            )
        for d in dirs:
            if manifest is None or view.is_file(join(d, manifest)):
                found.append(d)
            elif not _is_glob(pat):
                findings.append(
                    Finding(
                        "workspace-member-without-manifest",
                        Severity.WARNING,
                        f"workspace member {d!r} has no {manifest}",
                        origin,
                        f"add {manifest} to it or remove it from the workspace",
                    )
                )
    for pat in excl:
        excluded.update(_expand_one(view, directory, pat) or ())
    members = sorted({d for d in found if d not in excluded and d != directory})
    return tuple(members), findings


def _strings(v: Any) -> list[str]:
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


def _globbed(
    kind: str,
    view: RepoView,
    directory: str,
    patterns: Iterable[str],
    manifest: str,
    origin: Origin,
    excludes: Iterable[str] = (),
) -> WorkspaceInfo:
    """The workspace whose member globs, declared at ``origin``, expand to directories holding ``manifest``."""
    members, findings = expand_member_globs(view, directory, patterns, excludes, manifest=manifest, origin=origin)
    return WorkspaceInfo(kind, members, origin, tuple(findings))


def _pnpm(view: RepoView, directory: str) -> WorkspaceInfo | None:
    path = join(directory, "pnpm-workspace.yaml")
    if not view.is_file(path):
        return None
    try:
        doc = load_yaml(view, path, max_depth=2)
    except InputError as e:
        return WorkspaceInfo("pnpm", (), Origin(path, 1), (finding_from_error(e),))
    data = doc.data if isinstance(doc.data, dict) else {}
    return _globbed("pnpm", view, directory, _strings(data.get("packages")), "package.json", doc.origin("packages"))


def _npm(view: RepoView, directory: str) -> WorkspaceInfo | None:
    path = join(directory, "package.json")
    if not view.is_file(path):
        return None
    try:
        doc = load_json(view, path, max_depth=2)
    except InputError:
        return None
    data = doc.data if isinstance(doc.data, dict) else {}
    ws = data.get("workspaces")
    if isinstance(ws, dict):
        ws = ws.get("packages")
    if not isinstance(ws, list):
        return None
    pm = data.get("packageManager")
    yarn = view.is_file(join(directory, "yarn.lock")) or (isinstance(pm, str) and pm.startswith("yarn@"))
    kind = "yarn" if yarn else "npm"
    return _globbed(kind, view, directory, _strings(ws), "package.json", doc.origin("workspaces"))


def _go(view: RepoView, directory: str) -> WorkspaceInfo | None:
    path = join(directory, "go.work")
    if not view.is_file(path):
        return None
    try:
        work = parse_gomod(view.read_text(path), path)
    except InputError:
        return None  # the Go detector reports it
    uses = work.all("use")
    origin = Origin(path, uses[0].line if uses else 1)
    return _globbed("go", view, directory, [u.args[0] for u in uses if u.args], "go.mod", origin)


def _toml(view: RepoView, path: str) -> TomlDoc | None:
    if not view.is_file(path):
        return None
    try:
        return load_toml(view, path)
    except InputError:
        return None


def _cargo(view: RepoView, directory: str) -> WorkspaceInfo | None:
    doc = _toml(view, join(directory, "Cargo.toml"))
    ws = doc.data.get("workspace") if doc is not None else None
    if doc is None or not isinstance(ws, dict):
        return None
    origin = doc.origin("workspace", "members")
    info = _globbed(
        "cargo", view, directory, _strings(ws.get("members")), "Cargo.toml", origin, _strings(ws.get("exclude"))
    )
    # a member whose manifest cargo cannot read breaks the whole workspace's build; its detector's note is
    # lost when the member is no service, so the workspace says it (file:line) once for all
    broken: list[Finding] = []
    for m in info.members:
        try:
            load_toml(view, join(m, "Cargo.toml"))
        except InputError as e:
            broken.append(finding_from_error(e))
    if not broken:
        return info
    return dataclasses.replace(info, findings=(*info.findings, *broken))


def _uv(doc: TomlDoc | None, view: RepoView, directory: str) -> WorkspaceInfo | None:
    tool = doc.data.get("tool") if doc is not None else None
    uv = tool.get("uv") if isinstance(tool, dict) else None
    ws = uv.get("workspace") if isinstance(uv, dict) else None
    if doc is None or not isinstance(ws, dict):
        return None
    origin = doc.origin("tool", "uv", "workspace", "members")
    return _globbed(
        "uv", view, directory, _strings(ws.get("members")), "pyproject.toml", origin, _strings(ws.get("exclude"))
    )


def _poetry(doc: TomlDoc | None, view: RepoView, directory: str) -> WorkspaceInfo | None:
    tool = doc.data.get("tool") if doc is not None else None
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if doc is None or not isinstance(poetry, dict):
        return None
    tables: list[tuple[tuple[str, ...], Any]] = [
        (("tool", "poetry", "dependencies"), poetry.get("dependencies")),
        (("tool", "poetry", "dev-dependencies"), poetry.get("dev-dependencies")),
    ]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for g, body in groups.items():
            if isinstance(body, dict):
                tables.append((("tool", "poetry", "group", g, "dependencies"), body.get("dependencies")))
    paths: list[tuple[str, Origin]] = []
    for keys, table in tables:
        if not isinstance(table, dict):
            continue
        for name, spec in table.items():
            if isinstance(spec, dict) and spec.get("develop") is True and isinstance(spec.get("path"), str):
                paths.append((spec["path"], doc.origin(*keys, name)))
    if not paths:
        return None
    members: list[str] = []
    findings: list[Finding] = []
    for p, origin in paths:
        m, f = expand_member_globs(view, directory, [p], manifest="pyproject.toml", origin=origin)
        members.extend(m)
        findings.extend(f)
    return WorkspaceInfo("poetry", tuple(sorted(set(members))), paths[0][1], tuple(findings))


def workspace_members(view: RepoView, directory: str) -> WorkspaceInfo | None:
    """The workspace ``directory`` is the root of, or None.  Several kinds at one root are merged:
    the first of pnpm, npm/yarn, cargo, go, uv, poetry names the kind and the others are noted.

    Remembered per view: each member service asks again for its root."""
    return memo(view, "workspace", directory, lambda: _workspace_members(view, directory))


def _workspace_members(view: RepoView, directory: str) -> WorkspaceInfo | None:
    pyproject = _toml(view, join(directory, "pyproject.toml"))
    found = [
        w
        for w in (
            _pnpm(view, directory),
            _npm(view, directory),
            _cargo(view, directory),
            _go(view, directory),
            _uv(pyproject, view, directory),
            _poetry(pyproject, view, directory),
        )
        if w is not None
    ]
    if not found:
        return None
    first = found[0]
    if len(found) == 1:
        return first
    members = sorted({m for w in found for m in w.members})
    findings = [f for w in found for f in w.findings]
    for w in found[1:]:
        findings.append(
            Finding(
                "several-workspaces",
                Severity.INFO,
                f"{directory or '.'} is also a {w.kind} workspace; its members are included",
                w.origin,
            )
        )
    return WorkspaceInfo(first.kind, tuple(members), first.origin, tuple(findings))
