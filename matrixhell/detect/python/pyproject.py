"""pyproject.toml: PEP 621 [project], PEP 735 [dependency-groups], [build-system], [tool.poetry], [tool.uv].

Values come from tomllib; the line of each entry comes from the TOML line scanner in ``_locate``.
"""

from __future__ import annotations

from typing import Any

from packaging.specifiers import SpecifierSet

from matrixhell.detect.python import poetry_constraints
from matrixhell.detect.python._common import (
    Facts,
    get_table,
    load_toml,
    normalize,
    parse_pep508,
    scope_of_group,
)
from matrixhell.detect.python._locate import Lines, toml_lines
from matrixhell.detect.python.runtimes import PRECEDENCE
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Ecosystem, Origin, PackageReq, RuntimeReq, Scope, Severity

__all__ = ["poetry_python_marker", "read_pyproject", "resolve_dependency_groups", "widen"]


def read_pyproject(view: RepoView, path: str, facts: Facts) -> dict[str, Any] | None:
    """Read one pyproject.toml into ``facts``; returns the parsed document (None when unreadable)."""
    loaded = load_toml(view, path, facts.sink)
    facts.read(path)
    if loaded is None:
        return None
    data, text = loaded
    lines = toml_lines(text)
    project = get_table(data, "project")
    if project is not None:
        _project(project, path, lines, facts)
    groups = get_table(data, "dependency-groups")
    if groups is not None:
        _dependency_groups(groups, path, lines, facts)
    build = get_table(data, "build-system")
    if build is not None:
        _pep508_list(
            build.get("requires"),
            ("build-system", "requires"),
            path,
            lines,
            facts,
            scope=Scope.BUILD,
            group=None,
        )
    poetry = get_table(data, "tool", "poetry")
    if poetry is not None:
        _poetry(poetry, path, lines, facts)
    uv = get_table(data, "tool", "uv")
    if uv is not None:
        _uv(uv, path, lines, facts)
    return data


def _uv(uv: dict[str, Any], path: str, lines: Lines, facts: Facts) -> None:
    """[tool.uv]: dev-dependencies, constraint/override dependencies, and sources (git, path, url)."""
    _pep508_list(
        uv.get("dev-dependencies"),
        ("tool", "uv", "dev-dependencies"),
        path,
        lines,
        facts,
        scope=Scope.DEV,
        group="dev",
    )
    for key, group in (("constraint-dependencies", None), ("override-dependencies", "override")):
        mark = len(facts.packages)
        _pep508_list(uv.get(key), ("tool", "uv", key), path, lines, facts, scope=Scope.MAIN, group=group)
        facts.constraints.extend(facts.packages[mark:])  # limits on versions, not packages of the service
        del facts.packages[mark:]
    sources = uv.get("sources")
    if not isinstance(sources, dict):
        return
    where: dict[str, tuple[str | None, bool]] = {}
    for name, src in sources.items():
        first = src[0] if isinstance(src, list) and src else src
        if not isinstance(first, dict):
            continue
        url: str | None = None
        if isinstance(first.get("git"), str):
            ref = next((first[k] for k in ("rev", "tag", "branch") if isinstance(first.get(k), str)), None)
            url = "git+" + first["git"] + (f"@{ref}" if ref else "")
        elif isinstance(first.get("path"), str):
            url = first["path"]
        elif isinstance(first.get("url"), str):
            url = first["url"]
        elif first.get("workspace") is True:
            url = "workspace"
        where[normalize(name)] = (url, bool(first.get("editable")) or first.get("workspace") is True)
    for i, req in enumerate(facts.packages):
        hit = where.get(req.name)
        if hit is not None and req.origin.path == path and req.url is None and hit[0] is not None:
            facts.packages[i] = _with_source(req, hit[0], hit[1])


def _with_source(req: PackageReq, url: str, editable: bool) -> PackageReq:
    from dataclasses import replace

    return replace(req, url=url, editable=editable)


def _bad(facts: Facts, path: str, line: int | None, what: str, expected: str) -> None:
    facts.sink.add(
        "pyproject-bad-value",
        Severity.ERROR,
        f"{what} must be {expected}",
        Origin(path, line),
        f"make {what} {expected}",
    )


def _pep508_list(
    value: object,
    key: tuple[str, ...],
    path: str,
    lines: Lines,
    facts: Facts,
    *,
    scope: Scope,
    group: str | None,
) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        _bad(facts, path, lines.line(*key), ".".join(key), "an array of strings")
        return
    for i, item in enumerate(value):
        origin = Origin(path, lines.line(*key, i))
        if not isinstance(item, str):
            _bad(facts, path, origin.line, f"{'.'.join(key)}[{i}]", "a PEP 508 string")
            continue
        req = parse_pep508(item, origin, facts.sink, scope=scope, group=group)
        if req is not None:
            facts.packages.append(req)


def _project(project: dict[str, Any], path: str, lines: Lines, facts: Facts) -> None:
    dynamic = project.get("dynamic")
    if isinstance(dynamic, list):
        for field in ("dependencies", "optional-dependencies", "requires-python"):
            if field in dynamic:
                facts.sink.add(
                    "pyproject-dynamic",
                    Severity.INFO,
                    f"[project] {field} is dynamic: the build backend computes it",
                    Origin(path, lines.line("project", "dynamic")),
                    "list them statically for the scan to see them",
                )
    _pep508_list(
        project.get("dependencies"),
        ("project", "dependencies"),
        path,
        lines,
        facts,
        scope=Scope.MAIN,
        group=None,
    )
    optional = project.get("optional-dependencies")
    if isinstance(optional, dict):
        for extra, items in optional.items():
            _pep508_list(
                items,
                ("project", "optional-dependencies", extra),
                path,
                lines,
                facts,
                scope=Scope.OPTIONAL,
                group=normalize(extra),
            )
    elif optional is not None:
        _bad(
            facts,
            path,
            lines.line("project", "optional-dependencies"),
            "[project] optional-dependencies",
            "a table of arrays",
        )
    rp = project.get("requires-python")
    if rp is not None:
        origin = Origin(path, lines.line("project", "requires-python"))
        if not isinstance(rp, str):
            _bad(facts, path, origin.line, "[project] requires-python", "a string")
        else:
            _requires_python(rp, "requires-python", origin, facts)


def _requires_python(raw: str, source: str, origin: Origin, facts: Facts) -> None:
    from matrixhell.detect.python.runtimes import python_req

    req = python_req(raw, source, origin, facts.sink, specifier=True)
    if req is not None:
        facts.runtimes.append(req)


def resolve_dependency_groups(
    groups: dict[str, Any],
) -> tuple[dict[str, list[tuple[str, str, int]]], list[tuple[str, str]]]:
    """PEP 735 expansion: group -> [(requirement, group it is written in, index there)], and problems.

    Problems are (kind, text): ``cycle`` with the chain, ``missing`` with ``group -> name``,
    ``duplicate`` for two names that normalize alike, ``bad`` for an entry that is neither form.
    """
    problems: list[tuple[str, str]] = []
    by_norm: dict[str, str] = {}
    for name in groups:
        n = normalize(name)
        if n in by_norm:
            problems.append(("duplicate", f"{by_norm[n]!r} and {name!r}"))
        else:
            by_norm[n] = name
    seen: set[tuple[str, object]] = set()

    def problem(kind: str, text: str, key: object = None) -> None:
        k = (kind, key if key is not None else text)
        if k not in seen:
            seen.add(k)
            problems.append((kind, text))

    memo: dict[str, list[tuple[str, str, int]]] = {}

    def expand(name: str, stack: tuple[str, ...]) -> tuple[list[tuple[str, str, int]], bool]:
        """The closure of ``name`` and whether it met no cycle (only such closures are memoized: a
        group reached inside a cycle must still get its full closure when expanded on its own)."""
        if name in memo:
            return memo[name], True
        out: list[tuple[str, str, int]] = []
        clean = True
        items = groups.get(name)
        if not isinstance(items, list):
            problem("bad", f"{name}: not an array")
            return out, True
        for i, item in enumerate(items):
            if isinstance(item, str):
                out.append((item, name, i))
            elif isinstance(item, dict) and isinstance(item.get("include-group"), str) and len(item) == 1:
                target = by_norm.get(normalize(item["include-group"]))
                if target is None:
                    problem("missing", f"{name} -> {item['include-group']}")
                    continue
                if target in stack or target == name:
                    before = list(stack[stack.index(target) :]) if target in stack else []
                    members = [*before, name, target]
                    problem("cycle", " -> ".join(members), frozenset(members))
                    clean = False
                    continue
                sub, sub_clean = expand(target, (*stack, name))
                out.extend(sub)
                clean = clean and sub_clean
            else:
                problem("bad", f"{name}[{i}]")
        if clean:
            memo[name] = out
        return out, clean

    return {name: expand(name, ())[0] for name in groups}, problems


def _dependency_groups(groups: dict[str, Any], path: str, lines: Lines, facts: Facts) -> None:
    expanded, problems = resolve_dependency_groups(groups)
    head = Origin(path, lines.line("dependency-groups"))
    for kind, text in problems:
        if kind == "cycle":
            first = text.split(" -> ")[0]
            facts.sink.add(
                "dependency-group-cycle",
                Severity.ERROR,
                f"include-group cycle: {text}",
                Origin(path, lines.line("dependency-groups", first)),
                "remove one of the include-group entries of the cycle",
            )
        elif kind == "missing":
            src = text.split(" -> ")[0]
            facts.sink.add(
                "dependency-group-missing",
                Severity.ERROR,
                f"include-group names no group: {text}",
                Origin(path, lines.line("dependency-groups", src)),
                "add the group or fix its name",
            )
        elif kind == "duplicate":
            facts.sink.add(
                "dependency-group-duplicate",
                Severity.ERROR,
                f"dependency groups {text} have the same normalized name",
                head,
                "rename one",
            )
        else:
            facts.sink.add(
                "pyproject-bad-value",
                Severity.ERROR,
                f"[dependency-groups] {text} is neither a PEP 508 string nor an include-group table",
                head,
            )
    # A requirement written once but reached from several groups (include-group) of one scope is one
    # entry whose group lists them all, in the order the groups are written.
    merged: dict[tuple[str, int, Scope], tuple[str, list[str]]] = {}
    for name in groups:
        group = normalize(name)
        scope = scope_of_group(group)
        for req_text, written_in, index in expanded.get(name, []):
            hit = merged.setdefault((written_in, index, scope), (req_text, []))
            if group not in hit[1]:
                hit[1].append(group)
    for (written_in, index, scope), (req_text, names) in merged.items():
        origin = Origin(path, lines.line("dependency-groups", written_in, index))
        req = parse_pep508(req_text, origin, facts.sink, scope=scope, group=", ".join(names))
        if req is not None:
            facts.packages.append(req)


# --- poetry -------------------------------------------------------------------------------------------


def poetry_python_marker(constraint: str) -> str:
    """A poetry ``python = "^3.8"`` dependency restriction as a PEP 508 marker."""
    parts: list[str] = []
    for alt in poetry_constraints.translate(constraint):
        specs = []
        for spec in SpecifierSet(alt):
            var = "python_full_version" if spec.version.rstrip(".*").count(".") >= 2 else "python_version"
            specs.append(f'{var} {spec.operator} "{spec.version}"')
        parts.append(" and ".join(sorted(specs)) if specs else "")
    parts = [p for p in parts if p]
    if len(parts) > 1:
        return " or ".join(f"({p})" for p in parts)
    return parts[0] if parts else ""


def _poetry_spec(raw: str, origin: Origin, facts: Facts, what: str) -> str | None:
    try:
        alts = poetry_constraints.translate(raw)
    except ValueError as e:
        facts.sink.add(
            "poetry-bad-constraint",
            Severity.ERROR,
            f"{what}: {e}",
            origin,
            "write a poetry constraint such as ^1.2 or >=1.2,<2",
        )
        return None
    if len(alts) > 1:
        return widen(alts, raw, origin, facts, what)
    return alts[0]


def widen(alts: tuple[str, ...], raw: str, origin: Origin, facts: Facts, what: str) -> str:
    """One PEP 440 set for ``||`` alternatives: their hull, noted; any version when there is none."""
    try:
        spec = poetry_constraints.hull(alts)
    except ValueError:
        facts.sink.add(
            "poetry-or-constraint",
            Severity.WARNING,
            f"{what}: {raw!r} has alternatives (||) that one PEP 440 specifier cannot hold; any version is assumed",
            origin,
            "narrow it to one range",
        )
        return ""
    facts.sink.add(
        "range-widened",
        Severity.INFO,
        f"{what}: {raw!r} is read as {spec or 'any version'}; versions between the alternatives are admitted",
        origin,
        "write one range if the gap matters",
    )
    return spec


def _poetry(poetry: dict[str, Any], path: str, lines: Lines, facts: Facts) -> None:
    extras_of: dict[str, list[str]] = {}
    extras = poetry.get("extras")
    if isinstance(extras, dict):
        for extra, names in extras.items():
            if isinstance(names, list):
                for n in names:
                    if isinstance(n, str):
                        extras_of.setdefault(normalize(n), []).append(normalize(extra))
    sections: list[tuple[tuple[str | int, ...], Scope, str | None]] = [
        (("tool", "poetry", "dependencies"), Scope.MAIN, None),
        (("tool", "poetry", "dev-dependencies"), Scope.DEV, "dev"),
    ]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for gname in groups:
            gkey: tuple[str | int, ...] = ("tool", "poetry", "group", gname, "dependencies")
            if normalize(gname) == "main":  # poetry's implicit group: the main dependencies
                sections.append((gkey, Scope.MAIN, None))
            else:
                sections.append((gkey, scope_of_group(gname), normalize(gname)))
    for key, scope, group in sections:
        table: Any = poetry
        for k in key[2:]:
            table = table.get(k) if isinstance(table, dict) else None
        if table is None:
            continue
        if not isinstance(table, dict):
            _bad(facts, path, lines.line(*key), ".".join(map(str, key)), "a table")
            continue
        for name, value in table.items():
            origin = Origin(path, lines.line(*key, name))
            if normalize(name) == "python":
                if key[2] == "dependencies" and isinstance(value, str):
                    spec = _poetry_spec(value, origin, facts, "tool.poetry.dependencies.python")
                    if spec is not None:
                        facts.runtimes.append(
                            RuntimeReq("python", spec, value, "poetry-python", origin, PRECEDENCE["poetry-python"])
                        )
                continue
            entries = value if isinstance(value, list) else [value]
            for j, entry in enumerate(entries):
                o = origin.at(lines.line(*key, name, j)) if isinstance(value, list) else origin
                _poetry_dep(name, entry, o, facts, scope, group, extras_of)


def _poetry_dep(
    name: str,
    value: object,
    origin: Origin,
    facts: Facts,
    scope: Scope,
    group: str | None,
    extras_of: dict[str, list[str]],
) -> None:
    norm = normalize(name)
    what = f"poetry dependency {name}"
    spec_text: str | None = None
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    editable = False
    optional = False
    if isinstance(value, str):
        spec_text = value
    elif isinstance(value, dict):
        v = value.get("version")
        spec_text = v if isinstance(v, str) else None
        ex = value.get("extras")
        if isinstance(ex, list):
            extras = tuple(sorted(normalize(e) for e in ex if isinstance(e, str)))
        markers: list[str] = []
        if isinstance(value.get("markers"), str):
            markers.append(value["markers"])
        if isinstance(value.get("python"), str):
            try:
                pm = poetry_python_marker(value["python"])
            except ValueError as e:
                facts.sink.add("poetry-bad-constraint", Severity.ERROR, f"{what}: python {e}", origin)
                pm = ""
            if pm:
                markers.append(pm)
        if markers:
            marker = " and ".join(f"({m})" if len(markers) > 1 else m for m in markers)
            from packaging.markers import InvalidMarker, Marker  # markers are rare: imported here

            try:
                marker = str(Marker(marker))
            except InvalidMarker as e:
                facts.sink.add("invalid-requirement", Severity.ERROR, f"{what}: invalid marker {marker!r}: {e}", origin)
                marker = None
        if isinstance(value.get("git"), str):
            ref = next((value[k] for k in ("rev", "tag", "branch") if isinstance(value.get(k), str)), None)
            url = "git+" + value["git"] + (f"@{ref}" if ref else "")
            if isinstance(value.get("subdirectory"), str):
                url += f"#subdirectory={value['subdirectory']}"
        elif isinstance(value.get("path"), str):
            url = value["path"]
            editable = bool(value.get("develop"))
        elif isinstance(value.get("url"), str):
            url = value["url"]
        optional = bool(value.get("optional"))
    else:
        _bad(facts, "" if origin.path is None else origin.path, origin.line, what, "a string or a table")
        return
    spec = ""
    if spec_text is not None:
        s = _poetry_spec(spec_text, origin, facts, what)
        if s is None:
            return
        spec = s
    base = PackageReq(
        ecosystem=Ecosystem.PYPI,
        name=norm,
        specifier=spec,
        origin=origin,
        extras=extras,
        marker=marker,
        url=url,
        editable=editable,
        scope=scope,
        group=group,
    )
    if optional and scope is Scope.MAIN:
        named: list[str | None] = list(extras_of.get(norm, [])) or [None]
        for extra in named:
            facts.packages.append(_with(base, Scope.OPTIONAL, extra))
    else:
        facts.packages.append(base)


def _with(req: PackageReq, scope: Scope, group: str | None) -> PackageReq:
    from dataclasses import replace

    return replace(req, scope=scope, group=group)
