"""Service discovery: which directories of a repository are services, and which are not (and why).

Three sources, strongest first:

1. compose files - every service with ``build:`` is a service named as compose names it (one Dockerfile
   may serve several: ``web`` and ``worker``); image-only services are EXTERNAL.
2. workspaces (npm/pnpm/yarn, uv/poetry, go.work, cargo) - members are parts of the workspace root's
   service unless separately deployable.
3. manifest roots - a directory holding a detector's marker file.  A root nested under a service is
   folded into it unless deployable.

*Deployable* means: an own Dockerfile/Containerfile, an own compose service, or a start command of its
own (a Procfile, a start script, a framework entry point).  Directories never taken: test harnesses
(by name - tests, e2e, fixtures, examples, docs, scripts... - and by content: only dev dependencies and
no start), shared libraries (another candidate depends on it by path or by name, and it has no start of
its own), generated code, database init scripts and migrations, hidden directories.  Each gets a Skip.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from matrixhell.detect.base import Detector
from matrixhell.detect.compose import ComposeFile, compose_files_in, parse_compose
from matrixhell.detect.repotree import RepoTree
from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import (
    ComposeService,
    Detection,
    Finding,
    Origin,
    PackageReq,
    Scope,
    ServiceKind,
    Severity,
    Skip,
    StartCommand,
)

__all__ = [
    "Discovery",
    "PlannedService",
    "RepoTree",
    "discover",
    "excluded_reason",
    "marker_matcher",
]

# fmt: off
#: directory names that hold tests, examples and docs, not services
HARNESS_NAMES = frozenset({
    "tests", "test", "e2e", "fixtures", "fixture", "examples", "example", "docs", "doc", "scripts",
    "__tests__", "testdata", "test-data", "spec", "specs", "integration-tests", "e2e-tests", "cypress",
    "playwright", "samples", "sample", "demo", "demos", "benchmarks", "bench", "load-tests", "loadtests",
    "loadtest", "stress-tests", "smoke-tests",
})
#: directory names of vendored third-party code
VENDORED_NAMES = frozenset({"third_party", "third-party", "thirdparty", "external", "externals", "submodules"})
#: directories whose sub-directories are libraries unless they start something (libs/ui, pkg/auth)
LIBRARY_NAMES = frozenset({"libs", "lib", "shared", "common", "packages", "pkg", "internal"})
#: directory names of developer tooling
TOOL_NAMES = frozenset({"tools", "tooling", "devtools", "dev-tools", "hack"})
#: directory names of generated code and build output
GENERATED_NAMES = frozenset({
    "generated", "__generated__", "_generated", "gen", "build", "out", ".next", ".nuxt", "coverage",
    "htmlcov", ".cache", "site-packages",
})
# fmt: on
#: database init scripts and migrations
INIT_NAMES = frozenset(
    {"docker-entrypoint-initdb.d", "migrations", "migration", "initdb", "init-db", "db-init", "alembic"}
)
#: a file that marks a directory as generated (OpenAPI Generator writes it into every client it makes)
_GENERATED_MARKERS = frozenset({".openapi-generator-ignore", ".openapi-generator", ".swagger-codegen-ignore"})
#: detectors whose markers alone do not make a service (an apt.txt only adds OS packages to one)
AUXILIARY_DETECTORS = frozenset({"apt"})
#: a start command at or above this precedence is an inference (``main`` of a package.json, an
#: index.js): it makes a package deployable unless another service depends on the package
WEAK_START = 45
_DOCKERFILES = ("Dockerfile", "Containerfile")
_VARIANT_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class PlannedService:
    """A service discovery decided on, before its detectors run."""

    name: str
    directory: str  # '' for the root
    kind: ServiceKind = ServiceKind.BUILT
    discovered_by: str = "manifest"  # compose | workspace | manifest
    compose: ComposeService | None = None
    dockerfile: str | None = None
    target: str | None = None
    build_args: tuple[tuple[str, str], ...] = ()
    members: tuple[str, ...] = ()  # workspace members folded in (handed to detectors as ctx.members)
    folded: tuple[str, ...] = ()  # other nested manifest roots folded in (detected on their own)
    image: str | None = None
    compose_files: tuple[str, ...] = ()
    #: build.dockerfile_inline: (compose file, Dockerfile text, compose line of its first line)
    inline_dockerfile: tuple[str, str, int] | None = None
    process: str | None = None  # the Procfile process type it runs (web, worker...)
    image_from: str | None = None  # the planned service whose image it runs (a Procfile type beside its web)
    tasks: tuple[str, ...] = ()  # the one-off Procfile types (release...) that are commands of this service
    workspace: str | None = None  # the Cargo workspace root it builds from
    package: str | None = None  # the Cargo package it builds
    binaries: tuple[str, ...] = ()  # that package's binaries, the one it runs first

    @property
    def path(self) -> str:
        return self.directory or "."


@dataclass(frozen=True, slots=True)
class Discovery:
    services: tuple[PlannedService, ...]
    skipped: tuple[Skip, ...] = ()
    findings: tuple[Finding, ...] = ()
    files: tuple[str, ...] = ()  # compose and env files read


Analyse = Callable[[str], Sequence[Detection]]
WorkspaceFn = Callable[[RepoView, str], object]


def marker_matcher(detectors: Sequence[Detector]) -> Callable[[Iterable[str]], bool]:
    """A fast test for 'these file names hold a marker of a (non-auxiliary) detector'.

    Exact names go in a set and ``*.ext`` globs in a suffix set, so a large tree costs one set probe
    per file; another glob (``requirements*.txt``) is tried only on names that contain its longest
    literal part.
    """
    import fnmatch

    exact: set[str] = set()
    suffixes: set[str] = set()
    globs: list[tuple[str, str]] = []  # (longest literal part, glob)
    for d in detectors:
        if d.name in AUXILIARY_DETECTORS:
            continue
        for m in d.markers:
            if not any(c in m for c in "*?["):
                exact.add(m)
            elif m.startswith("*.") and not any(c in m[2:] for c in "*?["):
                suffixes.add(m[1:])
            else:
                literal = max(re.split(r"\[[^\]]*\]|[*?]", m), key=len)
                globs.append((literal, m))

    def match(names: Iterable[str]) -> bool:
        for n in names:
            if n in exact:
                return True
            dot = n.rfind(".")
            if dot > 0 and n[dot:] in suffixes:
                return True
            for literal, g in globs:
                if literal in n and fnmatch.fnmatchcase(n, g):
                    return True
        return False

    return match


def excluded_reason(directory: str, files: frozenset[str] = frozenset()) -> str | None:
    """Why a directory is never a service by its path (or a generator's marker file), or None."""
    if not directory:
        return None
    for part in directory.split("/"):
        low = part.lower()
        if low in HARNESS_NAMES:
            return f"test harness, example or docs directory ({part}/)"
        if low in VENDORED_NAMES:
            return f"vendored third-party code ({part}/)"
        if low in TOOL_NAMES:
            return f"developer tooling directory ({part}/)"
        if low in INIT_NAMES:
            return f"database init scripts or migrations ({part}/)"
        if low in GENERATED_NAMES:
            return f"generated code or build output ({part}/)"
        if part.startswith("."):
            return f"hidden directory ({part}/)"
    if files & _GENERATED_MARKERS:
        return "generated code (" + sorted(files & _GENERATED_MARKERS)[0] + ")"
    return None


def _parent_dirs(directory: str) -> Iterable[str]:
    """Proper ancestors, nearest first, the root ('') last."""
    while directory:
        directory = posixpath.dirname(directory)
        yield directory


def _is_under(path: str, directory: str) -> bool:
    return directory == "" or path == directory or path.startswith(directory + "/")


_TEST_VARIANTS = frozenset({"test", "tests", "testing", "e2e", "ci", "integration", "it", "sut"})


def _compose_projects(tree: RepoTree) -> list[tuple[str, list[str], list[str], list[str]]]:
    """(directory, [main, overrides...], [variants], [test variants]) per directory with a compose file.

    Variants (``docker-compose.prod.yml``) add the services they define that the main file lacks; they
    never change the main file's services (a ``.dev`` variant's command is not the service's).  A
    test variant (``docker-compose.test.yml``) describes a test harness and is not used."""
    out = []
    for d in tree.dirs:
        files = tree.files.get(d, frozenset())
        main, overrides = compose_files_in(files)
        if main is None:
            continue
        variants: list[str] = []
        tests: list[str] = []
        for n in sorted(files):
            if n in overrides or n == main or not n.endswith(_VARIANT_SUFFIXES):
                continue
            for prefix in ("docker-compose.", "compose."):
                if n.startswith(prefix) and n.count(".") >= 2:
                    middle = n[len(prefix) :].rsplit(".", 1)[0].lower()
                    (tests if middle in _TEST_VARIANTS else variants).append(n)
                    break

        def rel(names: list[str], d: str = d) -> list[str]:
            return [f"{d}/{n}" if d else n for n in names]

        out.append((d, rel([main, *overrides]), rel(variants), rel(tests)))
    return out


def _code_dir(
    svc: ComposeService,
    tree: RepoTree,
    is_root: Callable[[str], bool],
    ws_members: Mapping[str, list[str]],
    view: RepoView | None = None,
) -> str:
    """The directory a compose service's code lives in: the build context - unless the context is a
    broad directory (no manifest of its own, or a workspace root, as with ``context: ..``) and a manifest
    root inside it is plainly the service's: the Dockerfile's own directory, the one directory the
    Dockerfile copies code from, or the one named like the service."""
    ctx = svc.context or ""
    if is_root(ctx) and ctx not in ws_members:
        return ctx
    if svc.dockerfile:
        df_dir = posixpath.dirname(svc.dockerfile)
        if df_dir != ctx and _is_under(df_dir, ctx) and is_root(df_dir):
            return df_dir
        if view is not None:
            copied = _copied_roots(view, svc.dockerfile, ctx, tree, is_root)
            if len(copied) == 1:
                return copied[0]
    named = f"{ctx}/{svc.name}" if ctx else svc.name
    if is_root(named):
        return named
    for m in ws_members.get(ctx, ()):
        if posixpath.basename(m) == svc.name and is_root(m):
            return m
    same_name = [d for d in tree.dirs if d != ctx and _is_under(d, ctx) and posixpath.basename(d) == svc.name]
    same_name = [d for d in same_name if is_root(d)]
    if len(same_name) == 1:
        return same_name[0]
    return ctx


def _copied_roots(
    view: RepoView, dockerfile: str, ctx: str, tree: RepoTree, is_root: Callable[[str], bool]
) -> list[str]:
    """The manifest roots below ``ctx`` that the Dockerfile's COPY/ADD (from the context, not from a
    stage) take files from: ``COPY services/api/ /app`` says the code is ``services/api``."""
    import shlex

    from matrixhell.detect.dockerfile import parse_dockerfile

    try:
        df = parse_dockerfile(view.read_text(dockerfile), dockerfile)
    except InputError:
        return []
    roots: set[str] = set()
    for stage in df.stages:
        for ins in stage.instructions:
            if ins.keyword not in ("COPY", "ADD") or ins.heredocs:
                continue
            text = ins.value.strip()
            try:
                words = json.loads(text) if text.startswith("[") else shlex.split(text)
            except ValueError:
                continue
            if not isinstance(words, list) or any(str(w).startswith("--from") for w in words):
                continue
            sources = [str(w) for w in words if not str(w).startswith("--")][:-1]
            for src in sources:
                if "$" in src or "://" in src:
                    continue
                rel = posixpath.normpath(posixpath.join(ctx, src)) if ctx else posixpath.normpath(src)
                if rel == "." or rel.startswith(".."):
                    continue
                directory = rel if rel in tree.files else posixpath.dirname(rel)
                # the nearest manifest root at or above what is copied, but below the context
                while directory and directory != ctx and not is_root(directory):
                    directory = posixpath.dirname(directory)
                if directory and directory != ctx and _is_under(directory, ctx):
                    roots.add(directory)
    return sorted(roots)


def _package_name(view: RepoView, directory: str, files: frozenset[str]) -> str | None:
    """The name a package's manifest gives it (package.json, pyproject.toml, Cargo.toml), lower-cased."""

    def p(name: str) -> str:
        return f"{directory}/{name}" if directory else name

    try:
        if "package.json" in files:
            data = json.loads(view.read_text(p("package.json")))
            name = data.get("name") if isinstance(data, dict) else None
            return name.lower() if isinstance(name, str) else None
        for manifest, table in (("pyproject.toml", "project"), ("Cargo.toml", "package")):
            if manifest in files:
                doc = tomllib.loads(view.read_text(p(manifest)))
                section = doc.get(table)
                name = section.get("name") if isinstance(section, dict) else None
                if isinstance(name, str):
                    return name.lower().replace("_", "-")
                if manifest == "pyproject.toml":
                    poetry = doc.get("tool", {}).get("poetry", {})
                    if isinstance(poetry, dict) and isinstance(poetry.get("name"), str):
                        return str(poetry["name"]).lower().replace("_", "-")
        if "pom.xml" in files:
            pom = _pom(view, p("pom.xml"))
            if pom is not None and pom[1]:
                return f"{pom[0]}:{pom[1]}".lower()
    except (InputError, ValueError, AttributeError):
        return None
    return None


def _pom(view: RepoView, path: str) -> tuple[str, str, str, tuple[str, ...]] | None:
    """(groupId, artifactId, packaging, modules) of a pom.xml; groupId falls back to the parent's."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(view.read_text(path))
    except (InputError, ET.ParseError):
        return None

    def child(el: ET.Element | None, name: str) -> ET.Element | None:
        if el is None:
            return None
        return next((c for c in el if c.tag.rsplit("}", 1)[-1] == name), None)

    def text(el: ET.Element | None, name: str) -> str:
        found = child(el, name)
        return (found.text or "").strip() if found is not None else ""

    group = text(root, "groupId") or text(child(root, "parent"), "groupId")
    modules = child(root, "modules")
    names = tuple((m.text or "").strip() for m in modules if m.tag.rsplit("}", 1)[-1] == "module") if modules else ()
    return group, text(root, "artifactId"), text(root, "packaging") or "jar", tuple(n for n in names if n)


def _maven_modules(view: RepoView, directory: str, files: frozenset[str]) -> list[str]:
    """The module directories of a Maven aggregator (``<packaging>pom</packaging>`` with ``<modules>``):
    a multi-module build is a workspace, its modules are its members."""
    if "pom.xml" not in files:
        return []
    pom = _pom(view, f"{directory}/pom.xml" if directory else "pom.xml")
    if pom is None or pom[2] != "pom":
        return []
    out = []
    for m in pom[3]:
        target = _path_target(m, f"{directory}/pom.xml" if directory else "pom.xml", local=True)
        if target is not None:
            out.append(target)
    return sorted(set(out))


_GRADLE_SETTINGS = frozenset({"settings.gradle", "settings.gradle.kts"})


def _gradle_includes(view: RepoView, directory: str, files: frozenset[str]) -> list[str]:
    """The project directories a Gradle settings file ``include``s (``':app'``, ``":libs:core"`` ->
    ``app``, ``libs/core``): a multi-project build is a workspace, its projects the members."""
    name = next((n for n in sorted(files & _GRADLE_SETTINGS)), None)
    if name is None:
        return []
    try:
        from matrixhell.detect._gradle import _tokenize  # the Gradle script reader of the java detector
    except ImportError:
        return []
    path = f"{directory}/{name}" if directory else name
    try:
        toks = _tokenize(view.read_text(path), path)
    except InputError:
        return []
    out: list[str] = []
    i = 0
    while i < len(toks):
        if toks[i].kind == "id" and toks[i].value == "include":
            i += 1
            while i < len(toks) and toks[i].kind != "nl":
                t = toks[i]
                if t.kind == "str":
                    rel = t.value.strip(":").replace(":", "/")
                    if rel:
                        out.append(f"{directory}/{rel}" if directory else rel)
                elif not (t.kind == "op" and t.value in "(),"):
                    break
                i += 1
        i += 1
    return out


_PATH_PREFIXES = ("file:", "link:", "portal:", "workspace:")


def _path_target(url: str, origin_path: str, *, local: bool = False) -> str | None:
    """The repo-relative directory a local-path dependency points at, if it is one.  ``local`` says the
    detector marked it as a path (an editable install, a Cargo ``path =``) even without ``./``."""
    text = url.strip().replace("\\", "/")
    for prefix in _PATH_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    else:
        if "://" in text or text.startswith(("git+", "git@")):
            return None
        if not text.startswith((".", "/")) and not local:
            return None
    if text.startswith("//"):
        text = text[2:]
    if text.startswith("/") or not text or text in ("*", "^", "~"):
        return None
    base = posixpath.dirname(origin_path)
    joined = posixpath.normpath(posixpath.join(base, text))
    if joined == ".":
        return ""
    if joined.startswith(".."):
        return None
    return joined


_MSBUILD_PROJECTS = (".csproj", ".fsproj", ".vbproj")


def _msbuild_references(view: RepoView, directory: str, files: frozenset[str]) -> list[str]:
    """Directories an MSBuild project names in ``<ProjectReference Include=...>`` (a class library the
    project builds against is a part of it, not a service)."""
    import xml.etree.ElementTree as ET

    out: list[str] = []
    for name in sorted(files):
        if not name.endswith(_MSBUILD_PROJECTS):
            continue
        path = f"{directory}/{name}" if directory else name
        try:
            root = ET.fromstring(view.read_text(path))
        except (InputError, ET.ParseError):
            continue
        for el in root.iter():
            if el.tag.rsplit("}", 1)[-1] == "ProjectReference" and el.get("Include"):
                target = _path_target(el.get("Include") or "", path, local=True)
                if target is not None:
                    out.append(posixpath.dirname(target) if target.endswith(_MSBUILD_PROJECTS) else target)
    return out


#: packages that make up a developer's toolbox (linters, formatters, type checkers, test runners): a
#: manifest that installs nothing else and starts nothing is tooling, not a service
# fmt: off
_DEV_TOOLS = frozenset({
    "ruff", "mypy", "black", "isort", "flake8", "pylint", "pyright", "bandit", "pre-commit", "pytest",
    "coverage", "tox", "nox", "yapf", "autopep8", "pycodestyle", "pydocstyle", "codespell", "eslint",
    "prettier", "stylelint", "jest", "vitest", "mocha", "husky", "lint-staged", "typescript",
    "rubocop", "golangci-lint",
})
# fmt: on


@dataclass
class _Candidate:
    directory: str
    detections: Sequence[Detection] = ()
    workspace_of: str | None = None  # the workspace root that lists it
    members: list[str] = field(default_factory=list)  # its own workspace members
    depended_by: set[str] = field(default_factory=set)
    decision: str = ""  # service | fold | skip | part
    reason: str = ""
    into: str | None = None
    parts_of: list[str] = field(default_factory=list)  # decision "part": the services it is built into


def _members_of(fn: WorkspaceFn | None, view: RepoView, directory: str, findings: list[Finding]) -> list[str]:
    """Member directories of the workspace rooted at ``directory`` (none when it is no workspace root)."""
    if fn is None:
        return []
    try:
        info = fn(view, directory)
    except InputError as e:
        findings.append(Finding(e.code, Severity.WARNING, e.message, e.origin, e.hint))
        return []
    except Exception as e:  # a bug in one ecosystem's workspace reader must not stop discovery
        findings.append(
            Finding(
                "workspace-error",
                Severity.WARNING,
                f"workspace members of {directory or '.'} could not be read: {e}",
                Origin(directory or "."),
                "the members are scanned as manifest roots; check the workspace file's syntax",
            )
        )
        return []
    if info is None:
        return []
    findings.extend(f for f in getattr(info, "findings", ()) if isinstance(f, Finding))
    raw = getattr(info, "members", info)
    out = []
    for m in raw if isinstance(raw, Iterable) else ():
        path = m if isinstance(m, str) else getattr(m, "directory", None) or getattr(m, "path", None)
        if isinstance(path, str) and path.strip("/") != directory:
            out.append(path.strip("/"))
    return sorted(set(out))


def _not_taken_reason(c: _Candidate) -> str:
    if c.depended_by:
        users = ", ".join(sorted(x or "." for x in c.depended_by))
        return f"shared library used by {users}; it has no start command"
    if c.workspace_of is not None:
        return f"workspace member of {c.workspace_of or '.'} with no start command of its own; not deployable alone"
    return "nested manifest with no service above it and no start command"


def _start_strength(detections: Sequence[Detection]) -> tuple[bool, bool]:
    """(has a strong start command, has any start command)."""
    strong = any(s.precedence < WEAK_START for d in detections for s in d.start_commands)
    anyone = any(d.start_commands for d in detections)
    return strong, anyone


def _only_dev(detections: Sequence[Detection]) -> bool:
    direct = [p for d in detections for p in d.packages if p.direct]
    return bool(direct) and all(p.scope is Scope.DEV for p in direct)


def _has_main_dependencies(detections: Sequence[Detection]) -> bool:
    return any(p.direct and p.scope is Scope.MAIN for d in detections for p in d.packages)


def _only_tools(detections: Sequence[Detection]) -> bool:
    direct = [p for d in detections for p in d.packages if p.direct]
    return bool(direct) and all(p.name.lower() in _DEV_TOOLS for p in direct)


def discover(
    view: RepoView,
    tree: RepoTree,
    detectors: Sequence[Detector],
    analyse: Analyse,
    *,
    repo_name: str = "app",
    workspace_fn: WorkspaceFn | None = None,
    prefetch: Callable[[Sequence[str]], None] | None = None,
) -> Discovery:
    """Decide the services of the repository.  ``analyse(directory)`` runs the detectors on one
    directory (with no members) and is how content decides: start commands, dev-only packages.
    ``prefetch(directories)``, if given, is told every directory about to be analysed, in order."""
    d = _Discoverer(view, tree, detectors, analyse, workspace_fn)
    d.prefetch = prefetch
    d.find_roots()
    d.read_compose()
    d.collect_candidates()
    d.read_content()
    d.decide()
    return d.assemble(repo_name)


class _Discoverer:
    """The phases of discovery over shared state; each method is one step of ``discover``."""

    def __init__(
        self,
        view: RepoView,
        tree: RepoTree,
        detectors: Sequence[Detector],
        analyse: Analyse,
        workspace_fn: WorkspaceFn | None,
    ) -> None:
        self.view = view
        self.tree = tree
        self.analyse = analyse
        self.workspace_fn = workspace_fn
        self.is_marker = marker_matcher(detectors)
        self.findings: list[Finding] = []
        self.skipped: list[Skip] = []
        self.files_read: list[str] = []
        self.marker_dirs: list[str] = []
        self.excluded: dict[str, str] = {}
        self.ws_members: dict[str, list[str]] = {}
        self.compose_planned: list[PlannedService] = []
        self.compose_dirs: dict[str, list[int]] = {}  # code dir -> indices into compose_planned
        self.candidates: dict[str, _Candidate] = {}
        self.service_dirs: set[str] = set()
        self.order: list[str] = []
        self.prefetch: Callable[[Sequence[str]], None] | None = None

    def files(self, directory: str) -> frozenset[str]:
        return self.tree.files.get(directory, frozenset())

    def is_root(self, directory: str) -> bool:
        return self.is_marker(self.files(directory))

    def has_dockerfile(self, directory: str) -> bool:
        files = self.files(directory)
        return any(n in files for n in _DOCKERFILES)

    # ---- 1. manifest roots and workspaces

    def find_roots(self) -> None:
        self.marker_dirs = [d for d in self.tree.dirs if self.is_root(d)]
        for d in self.marker_dirs:
            reason = excluded_reason(d, self.files(d))
            if reason is not None:
                self.excluded[d] = reason
        # a workspace's members hold manifests under its root, so only a directory with manifest roots
        # below it can be one: the others (most of a big monorepo) are not asked
        above_roots: set[str] = set()
        for d in self.marker_dirs:
            above_roots.update(_parent_dirs(d))
        # a Gradle build's root may hold only settings.gradle: it is still the root of its projects
        roots = set(self.marker_dirs)
        gradle_roots = [d for d in above_roots if d not in roots and self.files(d) & _GRADLE_SETTINGS]
        for d in sorted({*self.marker_dirs, *gradle_roots}):
            if d in self.excluded or d not in above_roots:
                continue
            members = _members_of(self.workspace_fn, self.view, d, self.findings)
            members += _maven_modules(self.view, d, self.files(d))
            members += [m for m in _gradle_includes(self.view, d, self.files(d)) if m in self.tree.files]
            if members:
                self.ws_members[d] = sorted(set(members))
                if d not in roots and excluded_reason(d, self.files(d)) is None:
                    self.marker_dirs.append(d)
        self.marker_dirs.sort()

    # ---- 2. compose

    def read_compose(self) -> None:
        taken: dict[str, str] = {}  # compose name -> compose file
        for project_dir, paths, variants, test_variants in _compose_projects(self.tree):
            reason = excluded_reason(project_dir)
            if reason is not None:
                self.skipped.append(Skip(paths[0], f"compose file not used for services: {reason}"))
                continue
            self.skipped.extend(Skip(t, "compose file of a test harness") for t in test_variants)
            try:
                cf = parse_compose(self.view, paths, variants=variants)
            except Exception as e:  # a bug on one compose file must not end the scan of the rest
                self.findings.append(
                    Finding(
                        "compose-parser-failed",
                        Severity.ERROR,
                        f"could not be read: {type(e).__name__}: {e}",
                        Origin(paths[0]),
                        hint="this is a bug in matrixhell; please report it with the compose file",
                    )
                )
                continue
            self.findings.extend(cf.findings)
            self.files_read.extend(cf.files)
            self.skipped.extend(cf.skipped)
            for svc in cf.services:
                name = svc.name
                if name in taken:
                    # the same service in two compose projects: one service when they build the same thing
                    prior = next((p for p in self.compose_planned if p.name == name), None)
                    if (
                        prior is not None
                        and prior.compose is not None
                        and ((prior.compose.context, prior.compose.image) == (svc.context, svc.image))
                    ):
                        continue
                    name = _prefixed(project_dir, name, taken)
                taken[name] = paths[0]
                self._compose_service(name, svc, cf, project_dir)

    def _compose_service(self, name: str, svc: ComposeService, cf: ComposeFile, project_dir: str) -> None:
        if svc.context is None:
            if svc.image is None:
                # no build and no image, or a context outside the repo (both already findings)
                self.skipped.append(Skip(_where(svc), "compose service with no usable build context or image"))
                return
            self.compose_planned.append(
                PlannedService(
                    name=name,
                    directory=project_dir,
                    kind=ServiceKind.EXTERNAL,
                    discovered_by="compose",
                    compose=svc,
                    image=svc.image,
                    compose_files=cf.files,
                )
            )
            return
        if svc.context not in self.tree.files:
            if self.view.is_dir(svc.context or ""):
                why = "is ignored (.gitignore, .matrixhellignore or an always-skipped directory)"
            else:
                why = "does not exist"
            self.skipped.append(Skip(_where(svc), f"compose service whose build context {svc.context} {why}"))
            return
        code = _code_dir(svc, self.tree, self.is_root, self.ws_members, self.view)
        self.compose_planned.append(
            PlannedService(
                name=name,
                directory=code,
                discovered_by="compose",
                compose=svc,
                dockerfile=svc.dockerfile,
                target=svc.target,
                build_args=tuple(sorted(cf.args_of(svc.name).items())),
                image=svc.image,
                compose_files=cf.files,
                inline_dockerfile=cf.inline_of(svc.name),
            )
        )
        self.compose_dirs.setdefault(code, []).append(len(self.compose_planned) - 1)

    # ---- 3. candidates and what they contain

    def collect_candidates(self) -> None:
        for d in self.marker_dirs:
            if d in self.excluded and d not in self.compose_dirs:
                self.skipped.append(Skip(d or ".", self.excluded[d]))
                continue
            self.candidates[d] = _Candidate(d)
        for d in sorted(self.ws_members):
            if d not in self.candidates:
                continue
            for m in self.ws_members[d]:
                if m in self.candidates and self.candidates[m].workspace_of is None:
                    self.candidates[m].workspace_of = d
                    self.candidates[d].members.append(m)

    def read_content(self) -> None:
        if self.prefetch is not None:
            self.prefetch(list(self.candidates))
        names: dict[str, str] = {}
        for d, cand in self.candidates.items():
            cand.detections = self.analyse(d)
            # only a package that is not plainly deployable can turn out a library, so only its name matters
            if d in self.compose_dirs or self.has_dockerfile(d) or _start_strength(cand.detections)[0]:
                continue
            pkg_name = _package_name(self.view, d, self.files(d))
            if pkg_name:
                names.setdefault(pkg_name, d)
        for d, cand in self.candidates.items():
            for det in cand.detections:
                for pkg in det.packages:
                    if pkg.direct:
                        self._depends(d, _dependency_target(pkg, names))
            for target in _msbuild_references(self.view, d, self.files(d)):
                self._depends(d, target)

    def _depends(self, user: str, target: str | None) -> None:
        if target is not None and target != user and target in self.candidates:
            self.candidates[target].depended_by.add(user)

    # ---- 4. decisions

    def deployable(self, c: _Candidate) -> bool:
        if c.directory in self.compose_dirs or self.has_dockerfile(c.directory):
            return True
        strong, anyone = _start_strength(c.detections)
        # an inferred start (a package.json main, a Spring Boot parent) does not make a library, nor a
        # workspace root whose members are what runs, deployable
        return strong or (anyone and not c.depended_by and not c.members)

    def decide(self) -> None:
        self.service_dirs = set(self.compose_dirs)
        # outermost first, so a nested root knows whether an ancestor is a service
        self.order = sorted(self.candidates, key=lambda p: (p.count("/") if p else -1, p))
        for d in self.order:
            self._decide_one(self.candidates[d])
        self._drop_umbrellas()
        # folds point at the nearest ancestor that stayed a service
        for d in self.order:
            c = self.candidates[d]
            if c.decision == "fold":
                c.into = next((a for a in _parent_dirs(d) if a in self.service_dirs), None)
                if c.into is None:
                    c.decision, c.reason = "skip", _not_taken_reason(c)
        self._cargo_libraries()
        for d in self.order:
            c = self.candidates[d]
            if c.decision == "skip":
                self.skipped.append(Skip(d or ".", c.reason))

    def _cargo_libraries(self) -> None:
        """A library crate of a Cargo workspace that services build against is part of each of them
        (directly, or through another library crate of the workspace): its dependencies are theirs, and
        their image builds it from the workspace root."""
        for d in self.order:
            c = self.candidates[d]
            root = c.workspace_of
            if c.decision != "skip" or not c.depended_by or root is None or not self._cargo(d) or not self._cargo(root):
                continue
            users: set[str] = set()
            seen = {d}
            todo = sorted(c.depended_by)
            while todo:
                u = todo.pop()
                if u in seen or u not in self.candidates:
                    continue
                seen.add(u)
                user = self.candidates[u]
                if u in self.service_dirs:
                    users.add(u)
                elif user.decision == "fold" and user.into is not None:
                    users.add(user.into)
                elif self._cargo(u):
                    todo.extend(sorted(user.depended_by))
            if users:
                c.decision, c.parts_of = "part", sorted(users)

    def _cargo(self, directory: str) -> bool:
        return "Cargo.toml" in self.files(directory)

    def _decide_one(self, c: _Candidate) -> None:
        d = c.directory
        if d in self.compose_dirs:
            c.decision = "service"
            return
        in_compose = next((a for a in _parent_dirs(d) if a in self.compose_dirs), None)
        if in_compose is not None and not self.has_dockerfile(d):
            # compose says what is deployed: code inside a compose build context is part of that build
            c.decision, c.into = "fold", in_compose
            return
        if self.deployable(c):
            c.decision = "service"
            self.service_dirs.add(d)
            return
        _, anyone = _start_strength(c.detections)
        if _only_dev(c.detections) and not anyone and not c.members:
            c.decision, c.reason = "skip", "test harness or tooling: only dev dependencies and no start command"
            return
        if _only_tools(c.detections) and not anyone and not c.members:
            c.decision, c.reason = "skip", "developer tooling: only linters, formatters or test runners"
            return
        ancestor = next((a for a in _parent_dirs(d) if a in self.service_dirs), None)
        if ancestor is not None:
            c.decision, c.into = "fold", ancestor
            return
        if (c.depended_by or c.workspace_of is not None) and not c.members:
            # (a workspace root others build against - a parent POM - is decided with its members below)
            c.decision, c.reason = "skip", _not_taken_reason(c)
            return
        lib_dir = next((p for p in d.split("/")[:-1] if p.lower() in LIBRARY_NAMES), None) if d else None
        if lib_dir is not None and not anyone:
            c.decision, c.reason = "skip", f"library directory ({lib_dir}/) with no start command"
            return
        c.decision = "service"
        self.service_dirs.add(d)

    def _drop_umbrellas(self) -> None:
        """A workspace root, or an umbrella manifest (no main dependency of its own), whose deployable
        parts are services is not one itself; a root with dependencies of its own stays one."""
        above_services: set[str] = set()  # directories with a service somewhere below them
        for x in self.service_dirs:
            above_services.update(_parent_dirs(x))
        for d in self.order:
            c = self.candidates[d]
            if c.decision != "service" or d in self.compose_dirs or d not in above_services or self.deployable(c):
                continue
            if not c.members and _has_main_dependencies(c.detections):
                continue
            inner = sorted(x for x in self.service_dirs if x != d and _is_under(x, d))
            if inner:
                c.decision, c.reason = "skip", self._umbrella_reason(d, c, inner)
                self.service_dirs.discard(d)

    def _umbrella_reason(self, d: str, c: _Candidate, inner: list[str]) -> str:
        """Why a workspace root or umbrella is not a service, naming only its members as its parts."""
        if not c.members:
            return f"umbrella manifest; its deployable parts are services: {', '.join(inner)}"
        # a directory only a compose file names has no candidate of its own: it is no member
        members = [x for x in inner if (m := self.candidates.get(x)) is not None and m.workspace_of == d]
        others = [x for x in inner if x not in members]
        reason = "workspace root; " + (
            f"its deployable members are services: {', '.join(members)}" if members else "no member is deployable"
        )
        if others:
            reason += f"; below it but not members: {', '.join(others)}"
        return reason

    # ---- 5. the planned services

    def assemble(self, repo_name: str) -> Discovery:
        members_of: dict[str, list[str]] = {}
        folded_of: dict[str, list[str]] = {}
        for d in self.order:
            c = self.candidates[d]
            if c.decision == "fold" and c.into is not None:
                if c.workspace_of is not None and c.workspace_of == c.into:
                    members_of.setdefault(c.into, []).append(d)
                else:
                    folded_of.setdefault(c.into, []).append(d)
            elif c.decision == "part":
                for user in c.parts_of:
                    folded_of.setdefault(user, []).append(d)
        planned: list[PlannedService] = []
        for p in self.compose_planned:
            if p.kind is ServiceKind.BUILT:
                p = _with_parts(p, members_of.get(p.directory, []), folded_of.get(p.directory, []))
            planned.append(p)
        used = {p.name for p in planned}
        for d in sorted(x for x in self.order if self.candidates[x].decision == "service"):
            if d in self.compose_dirs:
                continue
            c = self.candidates[d]
            planned.append(
                PlannedService(
                    name="",
                    directory=d,
                    discovered_by="workspace" if c.workspace_of is not None else "manifest",
                    dockerfile=next((f"{d}/{n}" if d else n for n in _DOCKERFILES if self.tree.has(d, n)), None),
                    members=tuple(members_of.get(d, [])),
                    folded=tuple(folded_of.get(d, [])),
                )
            )
        planned = _name_services(planned, used, repo_name)
        planned = [self._cargo_build(p) for p in planned]
        planned = self._processes(planned)
        planned.sort(key=lambda p: (p.name, p.directory))
        skipped = sorted(self.skipped, key=lambda s: (s.path, s.reason))
        return Discovery(
            tuple(planned), tuple(dict.fromkeys(skipped)), tuple(self.findings), tuple(dict.fromkeys(self.files_read))
        )


    def _cargo_build(self, p: PlannedService) -> PlannedService:
        """The Cargo package (and its binaries) a crate's service builds, and the workspace root it
        builds from when it is a member of one."""
        if p.kind is not ServiceKind.BUILT or not self._cargo(p.directory):
            return p
        from matrixhell.detect.rust import cargo_crate

        crate = cargo_crate(self.view, p.directory)
        if crate is None:
            return p
        cand = self.candidates.get(p.directory)
        root = cand.workspace_of if cand is not None else None
        workspace = (root or ".") if root is not None and self._cargo(root) else None
        return dataclasses.replace(p, workspace=workspace, package=crate[0], binaries=crate[1])

    def _processes(self, planned: list[PlannedService]) -> list[PlannedService]:
        """Each long-running Procfile process type is a service on the directory's code and image.

        The main type (``web``, else the first long-running one) is what the directory's service runs; a
        compose service whose command is a type's command already is that type's service; every other
        type becomes ``<service>-<type>``, running the main service's image with its own command.  The
        one-off types (``release``...) are tasks of the main service, each with a Skip saying so."""
        from matrixhell.detect.procfile import dns_safe, is_one_off, process_type

        by_dir: dict[str, list[int]] = {}
        for i, p in enumerate(planned):
            if p.kind is ServiceKind.BUILT:
                by_dir.setdefault(p.directory, []).append(i)
        taken = {p.name for p in planned}
        added: list[PlannedService] = []
        for d in sorted(by_dir):
            cand = self.candidates.get(d)
            procs = [
                (kind, st)
                for det in (cand.detections if cand is not None else ())
                if det.detector == "procfile"
                for st in det.start_commands
                if (kind := process_type(st)) is not None
            ]
            if not procs:
                continue
            here = sorted(by_dir[d], key=lambda i: planned[i].name)
            running = [(k, st) for k, st in procs if not is_one_off(k)]
            claimed: dict[str, int] = {}
            for i in here:
                cs = planned[i].compose
                if cs is None or cs.command is None:
                    continue
                kind = next((k for k, st in running if k not in claimed and _same_command(cs.command, st)), None)
                if kind is not None:
                    claimed[kind] = i
            main = next((k for k, _ in running if k == "web"), running[0][0] if running else None)
            if main is not None and main not in claimed:
                free = [i for i in here if i not in claimed.values() and _runs_own_start(planned[i])]
                claimed[main] = free[0] if free else here[0]
            owner_i = claimed[main] if main is not None else here[0]
            for kind, i in claimed.items():
                if planned[i].process is None:
                    planned[i] = dataclasses.replace(planned[i], process=kind)
            owner = planned[owner_i]
            tasks = tuple(k for k, _ in procs if is_one_off(k))
            if tasks:
                planned[owner_i] = owner = dataclasses.replace(owner, tasks=tasks)
                for k, st in procs:
                    if is_one_off(k):
                        self.skipped.append(
                            Skip(
                                f"{st.origin.path}#{k}",
                                f"Procfile {k}: a one-off command a deploy runs, not a long-running service; "
                                f"kept as a task of {owner.name}",
                            )
                        )
            for kind, _ in running:
                if kind in claimed:
                    continue
                # one name everywhere: compose and Kubernetes both need an RFC 1123 label (Worker_2 -> worker-2)
                name = _unique_name(f"{owner.name}-{dns_safe(kind)}", taken)
                taken.add(name)
                cs = owner.compose
                added.append(
                    dataclasses.replace(
                        owner,
                        name=name,
                        discovered_by="procfile",
                        process=kind,
                        image_from=owner.name,
                        tasks=(),
                        compose=(
                            # the web's ports and healthcheck are not this process's: it listens elsewhere or not
                            dataclasses.replace(cs, name=name, command=None, ports=(), healthcheck=(),
                                                healthcheck_test=(), healthcheck_options=())
                            if cs is not None
                            else None
                        ),
                    )
                )
        return planned + added


def _where(svc: ComposeService) -> str:
    """How a Skip names a compose service: ``compose.yaml#web`` (it is no directory)."""
    return f"{svc.origin.path}#{svc.name}"


def _unique_name(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def _runs_own_start(p: PlannedService) -> bool:
    """Whether a service runs its image's own start (no compose ``command`` replaces it)."""
    return p.compose is None or p.compose.command is None


def _command_words(start: StartCommand) -> list[str]:
    """A command as words, without a leading ``exec`` or ``sh -c`` wrapper."""
    import shlex

    words = list(start.argv)
    if not words:
        try:
            words = shlex.split(start.shell or "")
        except ValueError:
            words = (start.shell or "").split()
    if len(words) == 3 and posixpath.basename(words[0]) in ("sh", "bash") and words[1] == "-c":
        return _command_words(StartCommand(start.origin, start.source, shell=words[2]))
    if words[:1] == ["exec"]:
        words = words[1:]
    return words


def _same_command(a: StartCommand, b: StartCommand) -> bool:
    """Whether two start commands run the same thing (``celery -A app worker`` however it is written)."""
    wa = _command_words(a)
    return bool(wa) and wa == _command_words(b)


def _dependency_target(pkg: PackageReq, names: Mapping[str, str]) -> str | None:
    """The candidate directory a dependency points at: by local path, or by the package's name."""
    target: str | None = None
    if pkg.url:
        target = _path_target(pkg.url, pkg.origin.path, local=pkg.editable)
    if target is None and (
        pkg.specifier.startswith("workspace:") or pkg.url is None or pkg.url.startswith("workspace:")
    ):
        target = names.get(pkg.name.lower().replace("_", "-")) or names.get(pkg.name.lower())
    return target


def _with_parts(p: PlannedService, members: list[str], folded: list[str]) -> PlannedService:
    return dataclasses.replace(p, members=tuple(members), folded=tuple(folded))


def _prefixed(project_dir: str, name: str, taken: Mapping[str, str]) -> str:
    base = (project_dir.replace("/", "-") + "-" + name) if project_dir else name
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def _name_services(planned: list[PlannedService], used: set[str], repo_name: str) -> list[PlannedService]:
    """Directory services are named after their directory; clashes take the path (``legacy-api``)."""
    unnamed = [p for p in planned if not p.name]
    base_names = {p.directory: (posixpath.basename(p.directory) if p.directory else repo_name) for p in unnamed}
    counts: dict[str, int] = {}
    for n in base_names.values():
        counts[n] = counts.get(n, 0) + 1
    taken = set(used)
    out = [p for p in planned if p.name]
    for p in sorted(unnamed, key=lambda x: x.directory):
        name = base_names[p.directory]
        if counts[name] > 1 or name in taken:
            name = p.directory.replace("/", "-") if p.directory else repo_name
        candidate, k = name, 2
        while candidate in taken:
            candidate = f"{name}-{k}"
            k += 1
        taken.add(candidate)
        out.append(dataclasses.replace(p, name=candidate))
    return out
