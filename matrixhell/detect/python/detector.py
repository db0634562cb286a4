"""PythonDetector: reads every Python manifest of one service directory into facts with origins."""

from __future__ import annotations

import fnmatch
import functools
import posixpath
import re
from collections.abc import Callable
from dataclasses import replace

from matrixhell.detect.base import DetectContext
from matrixhell.detect.python import frameworks, locks, pipfile, pyproject, runtimes, setupfiles
from matrixhell.detect.python._common import Facts, dev_like, read_text
from matrixhell.detect.python.requirements import RequirementsFile, parse_requirements
from matrixhell.detect.repoview import RepoView
from matrixhell.model import Detection, Finding, Origin, PackageReq, Scope, Severity

__all__ = ["PythonDetector"]

_REQ_GLOBS = ("requirements*.txt", "*requirements*.txt", "requirements*.in", "*requirements*.in")


_REQ_MATCH = re.compile("|".join(fnmatch.translate(g) for g in _REQ_GLOBS)).match


def _is_requirements(name: str) -> bool:
    return _REQ_MATCH(name) is not None


@functools.cache
def _markers_match(markers: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    return re.compile("|".join(fnmatch.translate(m) for m in markers)).match


class PythonDetector:
    name = "python"
    markers: tuple[str, ...] = (
        "requirements*.txt",
        "*requirements*.txt",
        "requirements*.in",
        "pyproject.toml",
        "Pipfile",
        "Pipfile.lock",
        "setup.py",
        "setup.cfg",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "pylock.toml",
        "pylock.*.toml",
        "runtime.txt",
    )

    def applies(self, ctx: DetectContext) -> bool:
        # one pass of the markers' union over the file names (fnmatch per name and marker was a
        # measurable part of a 1,000-service scan)
        match = _markers_match(self.markers)
        return any(match(f) is not None for f in ctx.files)

    def detect(self, ctx: DetectContext) -> Detection:
        facts = Facts()
        view = ctx.view

        def guard(path: str, fn: Callable[[RepoView, str, Facts], object]) -> None:
            try:
                fn(view, path, facts)
            except Exception as e:  # a bug must not cost the user the rest of the scan
                facts.sink.add(
                    "python-detector-internal",
                    Severity.ERROR,
                    f"could not be read ({type(e).__name__}: {e})",
                    Origin(path),
                    "this is a matrixhell bug: please report it with the file",
                )

        def guarded(what: str, fn: Callable[[DetectContext, Facts], None]) -> None:
            try:
                fn(ctx, facts)
            except Exception as e:  # as in guard
                facts.sink.add(
                    "python-detector-internal",
                    Severity.ERROR,
                    f"{what} failed ({type(e).__name__}: {e})",
                    Origin(ctx.directory or "."),
                    "this is a matrixhell bug: please report it",
                )

        guarded("reading the requirements files", _read_requirements)
        readers: list[tuple[str, Callable[[RepoView, str, Facts], object]]] = [
            ("pyproject.toml", pyproject.read_pyproject),
            ("Pipfile", pipfile.read_pipfile),
            ("setup.cfg", setupfiles.read_setup_cfg),
            ("setup.py", setupfiles.read_setup_py),
            ("Pipfile.lock", pipfile.read_pipfile_lock),
            ("poetry.lock", locks.read_poetry_lock),
            ("uv.lock", locks.read_uv_lock),
            ("pdm.lock", locks.read_pdm_lock),
        ]
        for name, fn in readers:
            if ctx.has(name):
                guard(ctx.path(name), fn)
        if any(n.startswith("pylock.") for n in ctx.files):
            _read_pylock(ctx, facts, guard)
        # workspace members folded into this service bring their own dependencies
        for member in dict.fromkeys(ctx.members):
            if member == ctx.directory:
                continue
            for name, fn in readers[:4]:
                path = f"{member}/{name}" if member else name
                if view.is_file(path):
                    guard(path, fn)
        root = _workspace_root(ctx)
        if root is not None:
            # uv and poetry write one lock (and uv one .python-version) at the workspace root, and a
            # PEP 751 lock covering several projects sits in the directory that holds them all
            for name, fn in (("uv.lock", locks.read_uv_lock), ("poetry.lock", locks.read_poetry_lock)):
                path = f"{root}/{name}" if root else name
                if not ctx.has(name) and view.is_file(path):
                    guard(path, fn)
            own_pylock = any(n.startswith("pylock.") and n.endswith(".toml") for n in ctx.files)
            root_pylock = f"{root}/pylock.toml" if root else "pylock.toml"
            if not own_pylock and view.is_file(root_pylock):
                from matrixhell.detect.python import pylock

                guard(root_pylock, pylock.read_pylock)
            pv = f"{root}/.python-version" if root else ".python-version"
            if not ctx.has(".python-version") and view.is_file(pv):
                facts.read(pv)
                facts.runtimes.extend(runtimes.read_python_version(view, pv, facts.sink))
        guarded("reading the Python version files", _read_runtimes)
        packages = _match_locks(facts)
        fw = frameworks.frameworks_of(packages)
        try:
            commands, ports = frameworks.start_commands(ctx, packages, facts.sink)
        except Exception as e:  # as in guard
            facts.sink.add(
                "python-detector-internal",
                Severity.ERROR,
                f"start-command inference failed ({type(e).__name__}: {e})",
                Origin(ctx.directory or "."),
                "this is a matrixhell bug: please report it",
            )
            commands, ports = [], []
        return Detection(
            detector=self.name,
            languages=("python",),
            runtimes=tuple(sorted(facts.runtimes, key=lambda r: (r.precedence, r.origin.path, r.origin.line or 0))),
            packages=tuple(packages),
            ports=tuple(ports),
            start_commands=tuple(sorted(commands, key=lambda c: c.precedence)),
            findings=_unique_findings(facts.sink.items),
            files=tuple(facts.files),
            frameworks=fw,
            constraints=tuple(_unique(facts.constraints)),
        )


def _read_pylock(
    ctx: DetectContext, facts: Facts, guard: Callable[[str, Callable[[RepoView, str, Facts], object]], None]
) -> None:
    """The directory's PEP 751 lock (see pylock.choose_pylock for which one); the others are named."""
    from matrixhell.detect.python import pylock

    chosen, others = pylock.choose_pylock(sorted(ctx.files), posixpath.basename(ctx.directory))
    if chosen is None:
        return
    guard(ctx.path(chosen), pylock.read_pylock)
    if others:
        facts.sink.add(
            "pylock-not-read",
            Severity.INFO,
            f"{', '.join(others)} not read: the service installs from {chosen}",
            Origin(ctx.path(others[0])),
            "keep one pylock file per service directory, or move the others next to their services",
        )


def _workspace_root(ctx: DetectContext) -> str | None:
    """The nearest ancestor that is a uv or poetry workspace root listing this directory as a member."""
    from matrixhell.detect.workspaces import workspace_members

    d = ctx.directory
    while d:
        d = posixpath.dirname(d)
        pp = f"{d}/pyproject.toml" if d else "pyproject.toml"
        if ctx.view.is_file(pp):
            try:
                # most pyproject.toml files declare no workspace: do not parse those once per service
                text = ctx.view.read_text(pp)
                if "workspace" not in text and "develop" not in text:  # uv's table, poetry's path deps
                    continue
                info = workspace_members(ctx.view, d)
            except Exception:  # the root's own scan reports a broken pyproject.toml
                return None
            if info is not None and info.kind in ("uv", "poetry") and ctx.directory in info.members:
                return d
    return None


def _unique(reqs: list[PackageReq]) -> list[PackageReq]:
    seen: set[PackageReq] = set()
    out = []
    for r in reqs:
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


def _unique_findings(items: list[Finding]) -> tuple[Finding, ...]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in items:
        key = (f.code, str(f.origin), f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return tuple(out)


def _stem(path: str) -> str:
    base = posixpath.basename(path)
    return base.rsplit(".", 1)[0]


def _req_candidates(ctx: DetectContext) -> list[str]:
    out = [ctx.path(n) for n in sorted(ctx.files) if _is_requirements(n)]
    sub = ctx.path("requirements")
    if ctx.view.is_dir(sub):
        out += [
            f"{sub}/{n}"
            for n in ctx.view.listdir(sub)
            if n.endswith((".txt", ".in")) and ctx.view.is_file(f"{sub}/{n}")
        ]
    return out


def _read_requirements(ctx: DetectContext, facts: Facts) -> None:
    """Every requirements file of the directory, each package once, scoped by the file it is written in.

    A file is DEV when its own name is dev-like (requirements-dev.txt, requirements/test.txt) or when
    only dev files include it.  When ``x.in`` sits beside ``x.txt`` (pip-tools), ``x.txt`` is the
    compiled lock: its pins become locked versions.
    """
    candidates = _req_candidates(ctx)
    compiled = {c for c in candidates if c.endswith(".txt") and c[:-4] + ".in" in candidates}
    results: dict[str, RequirementsFile] = {}
    for c in candidates:
        try:
            results[c] = parse_requirements(ctx.view, c, env=ctx.env)
        except Exception as e:  # as in PythonDetector.detect's guard
            facts.sink.add(
                "python-detector-internal",
                Severity.ERROR,
                f"could not be read ({type(e).__name__}: {e})",
                Origin(c),
                "this is a matrixhell bug: please report it with the file",
            )
    reach = {c: set(r.files) for c, r in results.items()}
    # a candidate another candidate includes (and that does not include it back) is not a root
    roots = [c for c in results if not any(c in reach[o] and o not in reach[c] for o in results if o != c)]
    main_reach: set[str] = set()
    dev_roots: dict[str, str] = {}
    for c in roots:
        r = results[c]
        if dev_like(_stem(c)):
            for f in r.files:
                dev_roots.setdefault(f, _stem(c))
        else:
            main_reach.update(r.files)

    def scope_of(path: str) -> tuple[Scope, str | None]:
        stem = _stem(path)
        if dev_like(stem):
            return Scope.DEV, _group_name(stem)
        if path in main_reach:
            return Scope.MAIN, None
        return Scope.DEV, _group_name(dev_roots.get(path, stem))

    seen: set[tuple[str, int | None, str]] = set()
    for r in (results[c] for c in roots):  # a non-root's entries come through the root that includes it
        for f in r.files:
            facts.read(f)
        facts.sink.items.extend(r.findings)
        for req in r.requirements:
            key = (req.origin.path, req.origin.line, req.name)
            if key in seen:
                continue
            seen.add(key)
            scope, group = scope_of(req.origin.path)
            req = replace(req, scope=scope, group=group)
            if req.origin.path in compiled:
                facts.locked.append(replace(req, direct=False, locked=_pin(req.specifier), specifier=""))
            else:
                facts.packages.append(req)
        facts.constraints.extend(r.constraints)


def _group_name(stem: str) -> str:
    """``requirements-dev`` -> ``dev``; ``test-requirements`` -> ``test``; ``dev`` stays."""
    words = [w for w in stem.replace("_", "-").split("-") if w and w != "requirements"]
    return "-".join(words) or stem


def _pin(spec: str) -> str | None:
    if spec.startswith("==") and "," not in spec and not spec.endswith(".*"):
        return spec[2:]
    return None


def _read_runtimes(ctx: DetectContext, facts: Facts) -> None:
    view = ctx.view
    sources = [
        ("runtime.txt", runtimes.read_runtime_txt),
        (".python-version", runtimes.read_python_version),
        (".tool-versions", runtimes.read_tool_versions),
        ("mise.toml", runtimes.read_mise),
        (".mise.toml", runtimes.read_mise),
    ]
    for name, fn in sources:
        if ctx.has(name):
            path = ctx.path(name)
            facts.read(path)
            facts.runtimes.extend(fn(view, path, facts.sink))
    if any(ctx.env.get(k) for k in runtimes.ENV_KEYS):
        env_path = ctx.path(".env")
        env_text = read_text(view, env_path, facts.sink) if ctx.has(".env") else None
        facts.runtimes.extend(runtimes.read_env(ctx.env, env_path, env_text, facts.sink))


def _match_locks(facts: Facts) -> list[PackageReq]:
    """Direct requirements with their locked versions, then lock entries no manifest names."""
    direct_names = {p.name for p in facts.packages}
    locked_by_name: dict[str, PackageReq] = {}
    extra: list[PackageReq] = []
    for entry in facts.locked:
        prior = locked_by_name.get(entry.name)
        if prior is not None:
            # one lock file may list a package more than once (PEP 751 entries told apart by marker,
            # uv's forks): the file is consistent by construction, only two files can disagree
            same_file = prior.origin.path == entry.origin.path
            if prior.locked != entry.locked and prior.locked and entry.locked and not same_file:
                facts.sink.add(
                    "lock-disagreement",
                    Severity.WARNING,
                    f"{entry.name} is locked at {prior.locked} in {prior.origin} and at {entry.locked} here",
                    entry.origin,
                    "keep one lock file per service, or regenerate them together",
                )
            continue
        locked_by_name[entry.name] = entry
        if entry.name not in direct_names:
            extra.append(replace(entry, locked_origin=entry.origin) if entry.locked else entry)
    out: list[PackageReq] = []
    for p in facts.packages:
        match = locked_by_name.get(p.name)
        if match is not None and p.locked is None:
            # the requirement stays at the line a person wrote; the pin keeps the lock's line
            p = replace(p, locked=match.locked, hashes=p.hashes or match.hashes, locked_origin=match.origin)
        elif p.locked is not None and p.locked_origin is None:
            p = replace(p, locked_origin=p.origin)
        out.append(p)
    return out + extra
