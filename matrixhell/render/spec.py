"""The build plan of one service: Service + Target + SystemNeeds + overrides -> ImageSpec.

Pure: everything it needs comes in as values (the analyzer's target, the OS packages the knowledge
layer resolved for that target, the user's overrides).  One recipe per runtime says how that runtime's
dependencies are installed before the source is copied (layer caching), what a build stage compiles
and what the run stage keeps.  docs/generate.md explains each choice.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from matrixhell.model.analysis import Target
from matrixhell.model.facts import Ecosystem, PackageReq, Scope
from matrixhell.model.finding import Finding, Severity
from matrixhell.model.image import (
    HealthCheck,
    ImageSpec,
    PinnedPackage,
    SourceFacts,
    Stage,
    Step,
    StepKind,
    SystemNeeds,
)
from matrixhell.model.origin import Origin
from matrixhell.model.overrides import ServiceOverride
from matrixhell.model.service import Service

__all__ = [
    "APP_USER",
    "DEFAULT_UID",
    "NONROOT_UID",
    "RUNTIMES",
    "NotGenerated",
    "build_spec",
    "distro_runtime_packages",
    "no_userland",
    "parse_image_ref",
    "slim_variant",
]

APP_USER = "appuser"  # not "app": the .NET 8 images already have a user of that name
DEFAULT_UID = 10001  # above every distro's system and login ranges, same in Dockerfile and pod spec
NONROOT_UID = 65532  # distroless's "nonroot" (and Chainguard's): the uid a base with no useradd runs as
RUNTIMES = ("dotnet", "go", "java", "node", "php", "python", "ruby", "rust")

_VENV = "/opt/venv"
_WORKDIR = "/app"
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_DEV_WORDS = frozenset({"dev", "develop", "development", "test", "tests", "testing", "lint", "docs",
                        "ci", "local", "typing", "mypy"})
_SHELL_META = re.compile(r"[|&;<>()$`\\\"'*?\[\]#~=%{}\n]")
_CODENAMES = {
    "buster": ("debian", "buster"), "bullseye": ("debian", "bullseye"), "bookworm": ("debian", "bookworm"),
    "trixie": ("debian", "trixie"), "focal": ("ubuntu", "20.04"), "jammy": ("ubuntu", "22.04"),
    "noble": ("ubuntu", "24.04"),
}
_DEBIAN_RELEASE_CODENAME = {"10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie"}
# Extensions compiled into the official php images; everything else needs docker-php-ext-install.
_PHP_BUILTIN_EXT = frozenset({
    "core", "ctype", "curl", "date", "dom", "fileinfo", "filter", "ftp", "hash", "iconv", "json", "libxml",
    "mbstring", "mysqlnd", "openssl", "pcre", "pdo", "pdo_sqlite", "phar", "posix", "readline",
    "reflection", "session", "simplexml", "sodium", "spl", "sqlite3", "standard", "tokenizer", "xml",
    "xmlreader", "xmlwriter", "zlib",
})
_PHPIZE_DEPS = ("autoconf", "dpkg-dev", "file", "g++", "gcc", "libc-dev", "make", "pkg-config", "re2c")
_PHPIZE_DEPS_APK = ("autoconf", "dpkg", "dpkg-dev", "file", "g++", "gcc", "libc-dev", "make", "pkgconf",
                    "re2c")
# Frameworks that write into the application directory at run time (caches, logs, pid files).
_WRITES_APP_DIR = frozenset({"rails", "next", "nuxt", "laravel", "symfony", "strapi"})


# -- image references ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ImageRef:
    repository: str  # python | mcr.microsoft.com/dotnet/aspnet
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        return self.repository.rsplit("/", 1)[-1]

    def text(self) -> str:
        out = self.repository
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out

    def version(self) -> str | None:
        """The leading version of the tag: ``3.11`` of ``3.11-slim-bookworm``, ``17`` of ``17-jre``."""
        if not self.tag:
            return None
        m = re.match(r"^v?(\d+(?:\.\d+)*)", self.tag)
        return m.group(1) if m else None

    def release(self) -> tuple[str, str] | None:
        """(distro, release) the tag names: ``bookworm`` -> debian bookworm, ``alpine3.19`` -> alpine."""
        if not self.tag:
            return None
        for part in re.split(r"[-_]", self.tag):
            if part in _CODENAMES:
                return _CODENAMES[part]
            m = re.fullmatch(r"alpine(\d+\.\d+)?", part)
            if m:
                return ("alpine", m.group(1) or "")
        if self.name in ("debian", "ubuntu", "alpine"):
            return (self.name, self.tag.split("-")[0])
        return None


def parse_image_ref(ref: str) -> ImageRef:
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    repo, tag = ref, None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = ref.rsplit(":", 1)
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
        if repo.startswith(prefix):
            repo = repo[len(prefix):]
    return ImageRef(repo, tag, digest)


def slim_variant(ref: str) -> str:
    """The slim variant of an official full image (``python:3.11-bookworm`` -> ``python:3.11-slim-bookworm``).

    Images that are already slim, Alpine, pinned by digest or not official are returned unchanged.
    """
    r = parse_image_ref(ref)
    if r.digest or not r.tag or r.repository not in ("python", "ruby", "node", "rust", "debian"):
        return ref
    parts = r.tag.split("-")
    if "slim" in parts or any(p.startswith("alpine") for p in parts):
        return ref
    if r.repository == "debian":
        return f"debian:{r.tag}-slim"
    if r.repository == "node":
        # node tags put the variant last: 20-bookworm-slim, 20-slim
        return f"node:{r.tag}-slim"
    if len(parts) == 1:
        return f"{r.repository}:{parts[0]}-slim"
    return f"{r.repository}:{parts[0]}-slim-{'-'.join(parts[1:])}"


def no_userland(ref: str) -> str | None:
    """What a base with no shell, package manager or user tools is, or None for any other base.

    ``scratch`` (nothing at all), ``static`` (distroless/static, Chainguard's static: CA certificates,
    tzdata and /etc/passwd, no libc), ``libc`` (distroless/base and cc: glibc, no shell) or ``runtime``
    (distroless java, python3, nodejs...: an interpreter, still no shell).  ``:debug`` variants carry a
    busybox shell but no useradd, so they count the same.
    """
    r = parse_image_ref(ref)
    if r.repository == "scratch":
        return "scratch"
    distroless = "/distroless/" in f"/{r.repository}" or r.repository.startswith("distroless/")
    chainguard = r.repository.startswith("cgr.dev/chainguard/")
    if not (distroless or chainguard):
        return None
    if r.name.startswith("static"):
        return "static"
    if distroless and r.name.startswith(("base", "cc")):
        return "libc"
    return "runtime"


# The distro's own packages of a runtime, on a plain OS base (debian:trixie-slim, ubuntu:24.04,
# alpine:3.20) the plan chose because the release packages the planned line: (run, build extra).
# {v} is the major (java) or major+minor without the dot (Alpine's php83).
_DISTRO_RUNTIME: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("apt", "python"): (("python3", "python3-venv"), ("python3-dev",)),
    ("apk", "python"): (("python3",), ("python3-dev",)),
    ("apt", "node"): (("nodejs", "npm"), ()),
    ("apk", "node"): (("nodejs", "npm"), ()),
    ("apt", "ruby"): (("bundler", "ruby"), ("ruby-dev",)),
    ("apk", "ruby"): (("ruby", "ruby-bundler"), ("ruby-dev",)),
    ("apt", "java"): (("openjdk-{v}-jre-headless",), ()),
    ("apk", "java"): (("openjdk{v}-jre-headless",), ()),
    ("apt", "php"): (("php-cli",), ()),
    ("apk", "php"): (("php{v}", "php{v}-iconv", "php{v}-mbstring", "php{v}-openssl", "php{v}-phar"), ()),
}
_PLAIN_OS = frozenset({"debian", "ubuntu", "alpine"})
_BINARY_RUNTIMES = frozenset({"go", "rust"})  # the program is a binary: a plain OS base is all it needs


def distro_runtime_packages(manager: str, runtime: str, version: str, *, build: bool = False) -> tuple[str, ...]:
    """The packages that install ``runtime`` ``version`` from a release's own archive (``apt`` or ``apk``):
    ``python3 python3-venv`` (a venv: PEP 668 marks the system Python externally managed),
    ``openjdk-21-jre-headless``, ``nodejs npm``, ``ruby bundler``, ``php-cli``; ``build`` adds the
    headers native extensions compile against.  Empty for a runtime no release packages here (.NET)."""
    run, extra = _DISTRO_RUNTIME.get((manager, runtime), ((), ()))
    v = version.split(".")[0] if runtime == "java" else version.replace(".", "")
    return tuple(n.format(v=v) for n in (*run, *(extra if build else ())))


def _plain_os(ref: str) -> bool:
    """A bare distro image (``ubuntu:24.04``, ``debian:trixie-slim``, ``alpine:3.20``): no runtime in it."""
    return parse_image_ref(ref).repository in _PLAIN_OS


class NotGenerated(ValueError):
    """The service gets no image: what it would run is not there (a server that is not installed, an
    entry file that does not exist).  ``finding`` says why and what to do."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


# -- the context every recipe reads ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Ctx:
    service: Service
    target: Target
    needs: SystemNeeds
    override: ServiceOverride
    context: str  # repo-relative, "." for the root
    files: tuple[str, ...]  # manifest files relative to the context, sorted
    apk: bool
    runtime: str
    version: str  # runtime version as the image tags want it (3.11, 20, 1.22, 17, 8.0)
    base: str  # the image the service runs on (after override)
    findings: list[Finding] = field(default_factory=list)
    planned_build: str | None = None  # a build image (golang, rust, sdk, maven) the plan named
    member_dir: str | None = None  # the service's directory inside the context, for workspace members
    source: SourceFacts = field(default_factory=SourceFacts)
    extra_pip: list[str] = field(default_factory=list)  # servers a matrixhell.toml start needs installed
    strict: bool = True  # False: a start that cannot run is warned about, not refused (hand-written images)
    userland: str | None = None  # what the base lacks, when it has no shell or useradd (no_userland)
    distro_runtime: bool = False  # the base is a plain OS image: the runtime comes from its packages

    def has(self, name: str) -> bool:
        return name in self.files

    def named(self, *patterns: str) -> tuple[str, ...]:
        import fnmatch

        return tuple(f for f in self.files
                     if any(fnmatch.fnmatch(posixpath.basename(f), p) for p in patterns))

    def warn(self, code: str, message: str, hint: str | None = None, origin: Origin | None = None) -> None:
        self.findings.append(Finding(code, Severity.WARNING, message, origin=origin, hint=hint,
                                     service=self.service.name))

    def info(self, code: str, message: str, hint: str | None = None, origin: Origin | None = None) -> None:
        self.findings.append(Finding(code, Severity.INFO, message, origin=origin, hint=hint,
                                     service=self.service.name))

    def refuse(self, code: str, message: str, hint: str, origin: Origin | None = None) -> None:
        """Stop: the image could not run.  Raises NotGenerated (strict) or records a warning."""
        if not self.strict:
            self.warn(code, message, hint=hint, origin=origin)
            return
        raise NotGenerated(Finding(code, Severity.ERROR, f"not generated: {message}", origin=origin, hint=hint,
                                   service=self.service.name))

    def exists(self, rel: str) -> bool:
        """Whether a file, relative to the service's directory, exists (the scan's files or those the
        generator found)."""
        path = posixpath.normpath(posixpath.join(_norm_dir(self.service.path), rel))
        return path in self.service.files or path in self.source.present

    @property
    def pm(self) -> str:
        return "apk" if self.apk else "apt"


@dataclass(frozen=True)
class _Recipe:
    stages: tuple[Stage, ...]
    cmd: tuple[str, ...]
    read_only_ok: bool = True


def _norm_dir(path: str) -> str:
    p = posixpath.normpath(path or ".")
    return "." if p in ("", ".") else p


def _relative(path: str, context: str) -> str | None:
    if context == ".":
        return posixpath.normpath(path)
    rel = posixpath.relpath(path, context)
    return None if rel.startswith("..") else rel


def _mm(version: str | None, parts: int) -> str | None:
    if not version:
        return None
    m = re.match(r"^v?(\d+(?:\.\d+)*)", version)
    if not m:
        return None
    return ".".join(m.group(1).split(".")[:parts])


def _spec_version(spec: str | None, parts: int) -> str | None:
    """A usable version out of a specifier (``==3.11.*``, ``>=3.10``, ``~=20.1``) when no target names one."""
    if not spec:
        return None
    m = re.search(r"(\d+(?:\.\d+)*)", spec)
    return _mm(m.group(1), parts) if m else None


_LANGUAGE_RUNTIME = {"javascript": "node", "typescript": "node", "csharp": "dotnet", "fsharp": "dotnet",
                     "kotlin": "java", "scala": "java"}
_VERSION_PARTS = {"python": 2, "node": 1, "go": 2, "ruby": 2, "java": 1, "dotnet": 2, "php": 2, "rust": 2}
_DEFAULT_VERSION = {"python": "3.12", "node": "20", "go": "1.22", "ruby": "3.3", "java": "21",
                    "dotnet": "8.0", "php": "8.3", "rust": "1.79"}


def _release_suffix(target: Target) -> tuple[str, str]:
    """(debian-style codename or '', alpine version or '') of the target."""
    if target.distro == "alpine":
        return "", target.release
    if target.distro == "debian":
        return _DEBIAN_RELEASE_CODENAME.get(target.release, target.release), ""
    return "", ""


def _default_run_base(runtime: str, version: str, target: Target) -> str:
    codename, alpine = _release_suffix(target)
    ubuntu = {"20.04": "focal", "22.04": "jammy", "24.04": "noble"}.get(target.release, "")
    if runtime == "python":
        return f"python:{version}-alpine{alpine}" if target.distro == "alpine" else (
            f"python:{version}-slim-{codename}" if codename else f"python:{version}-slim")
    if runtime == "node":
        return f"node:{version}-alpine{alpine}" if target.distro == "alpine" else (
            f"node:{version}-{codename}-slim" if codename else f"node:{version}-slim")
    if runtime == "ruby":
        return f"ruby:{version}-alpine{alpine}" if target.distro == "alpine" else (
            f"ruby:{version}-slim-{codename}" if codename else f"ruby:{version}-slim")
    if runtime == "php":
        return f"php:{version}-cli-alpine{alpine}" if target.distro == "alpine" else (
            f"php:{version}-cli-{codename}" if codename else f"php:{version}-cli")
    if runtime == "java":
        if target.distro == "alpine":
            return f"eclipse-temurin:{version}-jre-alpine"
        return f"eclipse-temurin:{version}-jre-{ubuntu}" if ubuntu else f"eclipse-temurin:{version}-jre"
    if runtime == "dotnet":
        suffix = "-alpine" if target.distro == "alpine" else (f"-{codename}-slim" if codename else "")
        return f"mcr.microsoft.com/dotnet/aspnet:{version}{suffix}"
    # go, rust: a plain OS image; the binary brings the rest
    if target.distro == "alpine":
        return f"alpine:{alpine or '3.20'}"
    if target.distro == "ubuntu":
        return f"ubuntu:{target.release}"
    return f"debian:{codename or 'bookworm'}-slim"


def _build_base(runtime: str, version: str, target: Target, run_base: str) -> str:
    codename, alpine = _release_suffix(target)
    if runtime == "go":
        if target.distro == "alpine":
            return f"golang:{version}-alpine{alpine}"
        return f"golang:{version}-{codename}" if codename else f"golang:{version}"
    if runtime == "rust":
        if target.distro == "alpine":
            return f"rust:{version}-alpine{alpine}"
        return f"rust:{version}-slim-{codename}" if codename else f"rust:{version}-slim"
    if runtime == "java":
        return f"maven:3.9-eclipse-temurin-{version}" + ("-alpine" if target.distro == "alpine" else "")
    if runtime == "dotnet":
        # the .NET images name their Debian variant <codename>-slim, the SDK too
        suffix = "-alpine" if target.distro == "alpine" else (f"-{codename}-slim" if codename else "")
        return f"mcr.microsoft.com/dotnet/sdk:{version}{suffix}"
    return run_base  # interpreted runtimes build on the image they run on: same ABI, same libc


_BUILD_IMAGES = {"go": ("golang",), "rust": ("rust",), "dotnet": ("sdk",), "java": ("maven",)}


def _planned_build(runtime: str, planned: str | None) -> str | None:
    """The plan's base when it is the SDK image this runtime builds in (``rust:1-slim-trixie``)."""
    if planned and parse_image_ref(planned).name in _BUILD_IMAGES.get(runtime, ()):
        return planned
    return None


def _is_build_image(ref: str) -> bool:
    r = parse_image_ref(ref)
    tag = r.tag or ""
    return (r.name in ("golang", "rust", "maven", "gradle", "sdk")
            or (r.name == "eclipse-temurin" and "jre" not in tag))


# -- steps ------------------------------------------------------------------------------------------------

def _packages(ctx: _Ctx, pkgs: tuple[PinnedPackage, ...], why: str) -> tuple[Step, ...]:
    if not pkgs:
        return ()
    uniq = sorted({p.name: p for p in pkgs}.values())
    unpinned = any(not p.pinned(ctx.pm) for p in uniq)
    ignore = (("DL3018",) if ctx.apk else ("DL3008",)) if unpinned else ()
    return (Step(StepKind.PACKAGES, tuple(p.requirement(ctx.pm) for p in uniq), comment=why,
                 lint_ignores=ignore),)


def _user_create(uid: int) -> Step:
    return Step(StepKind.USER_CREATE, (APP_USER, str(uid)), comment="an unprivileged user with a fixed uid")


def _copy(sources: tuple[str, ...], dest: str, *, from_stage: str | None = None,
          comment: str | None = None) -> tuple[Step, ...]:
    """COPY steps, one per destination directory so relative layouts (requirements/base.txt) survive."""
    if not sources:
        return ()
    by_dir: dict[str, list[str]] = {}
    for s in sources:
        d = posixpath.dirname(s)
        by_dir.setdefault(d, []).append(s)
    steps = []
    for i, d in enumerate(sorted(by_dir)):
        target = dest if not d else posixpath.join(dest, d) + "/"
        steps.append(Step(StepKind.COPY, (*sorted(by_dir[d]), target), from_stage=from_stage,
                          comment=comment if i == 0 else None))
    return tuple(steps)


def _run(command: str, comment: str | None = None, ignores: tuple[str, ...] = ()) -> Step:
    return Step(StepKind.RUN, (command,), comment=comment, lint_ignores=ignores)


_PORT_REF = re.compile(r"\$\{?PORT\b")


def _env(*pairs: tuple[str, str]) -> Step:
    return Step(StepKind.ENV, tuple(f"{k}={v}" for k, v in pairs))


def _workdir(path: str = _WORKDIR) -> Step:
    return Step(StepKind.WORKDIR, (path,))


def _compilers(ctx: _Ctx, apt: tuple[str, ...], apk: tuple[str, ...]) -> tuple[PinnedPackage, ...]:
    have = {p.name for p in ctx.needs.build}
    return tuple(PinnedPackage(n, ctx.needs.version_of(n), ctx.needs.exact_versions)
                 for n in (apk if ctx.apk else apt) if n not in have)


def _start_argv(ctx: _Ctx) -> tuple[str, ...] | None:
    if ctx.override.start:
        return ctx.override.start
    start = ctx.service.start
    if start is None and ctx.service.compose is not None and ctx.service.compose.command is not None:
        start = ctx.service.compose.command
    if start is None:
        return None
    if start.argv:
        return start.argv
    shell = (start.shell or "").strip()
    if not shell:
        return None
    if _SHELL_META.search(shell):
        return ("/bin/sh", "-c", shell)  # it needs a shell: say so explicitly in exec form
    return tuple(shlex.split(shell))


def _no_start(ctx: _Ctx, candidates: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """A start guessed from an entry file, the first of ``candidates`` (file, argv) that exists in the
    service's directory; refused when none does (the image would start a file that is not there)."""
    hint = f"set start in [services.{ctx.service.name}] of matrixhell.toml"
    for path, argv in candidates:
        if ctx.exists(path):
            ctx.warn("no-start-command",
                     f"no start command was found; the image runs {shlex.join(argv)!r} ({path} exists)",
                     hint=hint)
            return argv
    names = ", ".join(p for p, _ in candidates)
    ctx.refuse("no-start-command",
               f"no start command was found, and no entry file to guess one from ({names}) exists in "
               f"{_norm_dir(ctx.service.path)}", hint=hint)
    return candidates[0][1]


# console scripts of PyPI packages a start command may run, and the package that installs each
_PY_SCRIPTS = {"gunicorn": "gunicorn", "uvicorn": "uvicorn", "hypercorn": "hypercorn", "daphne": "daphne",
               "waitress-serve": "waitress", "celery": "celery", "flask": "flask", "django-admin": "django",
               "streamlit": "streamlit", "granian": "granian"}


def _norm_pypi(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _split_bind(argv: tuple[str, ...]) -> tuple[str | None, str, str]:
    """(app target, host, port) of a gunicorn/uvicorn-style command line."""
    target, host, port = None, "0.0.0.0", "8000"
    i = 1
    while i < len(argv):
        a = argv[i]
        value = argv[i + 1] if i + 1 < len(argv) else ""
        if a in ("--bind", "-b") or a.startswith("--bind="):
            bind = a.split("=", 1)[1] if "=" in a else value
            i += 0 if "=" in a else 1
            if ":" in bind:
                host, port = bind.rsplit(":", 1)
        elif a == "--host" or a.startswith("--host="):
            host = a.split("=", 1)[1] if "=" in a else value
            i += 0 if "=" in a else 1
        elif a == "--port" or a.startswith("--port="):
            port = a.split("=", 1)[1] if "=" in a else value
            i += 0 if "=" in a else 1
        elif a.startswith("-"):
            pass
        elif target is None:
            target = a
        i += 1
    return target, host, port


def _python_start(ctx: _Ctx, argv: tuple[str, ...]) -> tuple[str, ...]:
    """``argv``, when the executable it names is installed; otherwise a start the installed packages
    support, or (a start the user wrote in matrixhell.toml) the server installed for it."""
    if not argv:
        return argv
    exe = posixpath.basename(argv[0])
    module = argv[2] if exe in ("python", "python3") and len(argv) > 2 and argv[1] == "-m" else None
    argv = _beat_schedule(ctx, argv, module or exe)
    need = _PY_SCRIPTS.get(module or exe)
    if need is None:
        return argv
    installed = {_norm_pypi(p.name) for p in ctx.service.packages
                 if p.ecosystem is Ecosystem.PYPI and p.scope is Scope.MAIN}
    if need in installed or not installed:
        return argv  # installed, or the scan read no requirement at all: nothing to judge by
    if ctx.override.start:
        ctx.extra_pip.append(need)
        ctx.info("start-server-installed",
                 f"the start in matrixhell.toml runs {exe}, which is not among the dependencies: the image "
                 f"installs {need}", hint=f"add {need} to the requirements to pin its version",
                 origin=ctx.override.origin_of("start"))
        return argv
    origin = ctx.service.start.origin if ctx.service.start else None
    target, host, port = _split_bind(argv[1:] if module else argv)
    alternative: tuple[str, ...] | None = None
    if need == "gunicorn" and target:
        if "uvicorn" in installed:
            alternative = ("uvicorn", "--interface", "wsgi", target, "--host", host, "--port", port)
        elif "waitress" in installed:
            alternative = ("waitress-serve", f"--listen={host}:{port}", target)
        elif "django" in installed and ctx.exists("manage.py"):
            alternative = ("python", "manage.py", "runserver", f"{host}:{port}", "--noreload")
        elif "flask" in installed:
            alternative = ("flask", "--app", target, "run", "--host", host, "--port", port)
    elif need == "uvicorn" and target:
        if "hypercorn" in installed:
            alternative = ("hypercorn", target, "--bind", f"{host}:{port}")
        elif "daphne" in installed:
            alternative = ("daphne", "-b", host, "-p", port, target)
    if alternative is None:
        ctx.refuse("start-server-missing",
                   f"the start command runs {exe}, which is not installed ({need} is not among the "
                   "dependencies, and none of them can serve the application instead)",
                   hint=f"add {need} to the requirements, or set start in [services.{ctx.service.name}] of "
                        "matrixhell.toml", origin=origin)
        return argv
    ctx.warn("start-server-replaced",
             f"the start command runs {exe}, which is not installed; the image runs "
             f"{shlex.join(alternative)!r} instead"
             + (" (Django's development server)" if alternative[1:2] == ("manage.py",) else ""),
             hint=f"add {need} to the requirements to run it as written", origin=origin)
    return alternative


def _beat_schedule(ctx: _Ctx, argv: tuple[str, ...], exe: str) -> tuple[str, ...]:
    """celery beat writes its schedule into the working directory, which the image's user cannot write
    (and the root filesystem is read-only under compose and Kubernetes): keep it in /tmp instead."""
    shell = len(argv) == 3 and argv[:2] == ("/bin/sh", "-c")
    words = tuple(argv[2].split()) if shell else argv
    is_celery = bool(words) and (posixpath.basename(words[0]) == "celery" or exe == "celery")
    if not is_celery or "beat" not in words:
        return argv
    if any(a in ("-s", "--schedule") or a.startswith(("--schedule=", "-s")) for a in words):
        return argv
    ctx.info("celery-beat-schedule",
             "celery beat keeps its schedule file in /tmp (/app is not writable by the image's user)",
             hint="pass --schedule in the start command to keep it elsewhere")
    extra = ("--schedule", "/tmp/celerybeat-schedule")
    return (*argv[:2], f"{argv[2]} {' '.join(extra)}") if shell else (*argv, *extra)


def _main_packages(ctx: _Ctx, eco: Ecosystem) -> tuple[PackageReq, ...]:
    return tuple(p for p in ctx.service.packages if p.ecosystem is eco and p.scope is Scope.MAIN)


def _is_dev_file(path: str) -> bool:
    stem = posixpath.basename(path).rsplit(".", 1)[0]
    words = set(re.split(r"[-_.]", stem.lower())) | set(re.split(r"[-_./]", posixpath.dirname(path).lower()))
    return bool(words & _DEV_WORDS)


# -- recipes ----------------------------------------------------------------------------------------------

def _python(ctx: _Ctx) -> _Recipe:
    reqs = tuple(f for f in ctx.named("requirements*.txt", "*.txt")
                 if "requirements" in f.lower() or f.startswith("requirements/"))
    # files a main-scope requirement came from (-r / -c includes) must be copied too
    included = set()
    outside: set[str] = set()
    for p in _main_packages(ctx, Ecosystem.PYPI):
        rel = _relative(p.origin.path, ctx.context)
        if rel and rel.endswith(".txt"):
            included.add(rel)
        elif rel is None and p.origin.path.endswith(".txt"):
            outside.add(p.origin.path)
    for path in sorted(outside):
        ctx.warn("manifest-outside-context",
                 f"{path} is outside the build context {ctx.context}: the image cannot copy it, so its "
                 "requirements fail to install", origin=Origin(path),
                 hint="move it into the service directory, or build from a context that holds both")
    prod = tuple(sorted({f for f in reqs if not _is_dev_file(f)}))
    tops = tuple(f for f in prod if posixpath.basename(f) == "requirements.txt") or prod
    env = (("PIP_NO_CACHE_DIR", "1"), ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
           ("VIRTUAL_ENV", _VENV), ("PATH", f"{_VENV}/bin:$PATH"))
    python = "python3" if ctx.distro_runtime else "python"  # a distro's interpreter has no "python"
    install: list[Step] = [_run(f"{python} -m venv {_VENV}", comment=(
        "dependencies live in a venv the run stage copies whole" if ctx.needs.compile
        else "dependencies live in a venv, apart from the image's own Python packages"))]
    if tops:
        copied = tuple(sorted(set(prod) | {f for f in included if not _is_dev_file(f)}))
        # a context widened to hold an include from outside the service keeps the repository's layout
        # for the manifests, so their relative -r paths still resolve
        dest = "/opt/requirements/" if ctx.member_dir else "./"
        install += _copy(copied, dest, comment="dependency manifests first: this layer is rebuilt only "
                                               "when they change")
        install.append(_run(shlex.join(["pip", "install", *[a for t in tops for a in (
            "-r", posixpath.join(dest, t) if ctx.member_dir else t)]])))
    else:
        pkgs = sorted({p.name: p for p in _main_packages(ctx, Ecosystem.PYPI)
                       if p.url is None and not p.editable}.values(), key=lambda p: p.name)
        lock = ctx.named("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pylock.toml", "pylock.*.toml")
        manifests = tuple(sorted(set(ctx.named("pyproject.toml", "Pipfile", "setup.cfg")) | set(lock)))
        if pkgs:
            install += _copy(manifests, "./", comment="dependency manifests first: this layer is rebuilt "
                                                       "only when they change")
            reqs_args = []
            for p in pkgs:
                name = p.name + (f"[{','.join(sorted(p.extras))}]" if p.extras else "")
                req = f"{name}=={p.locked}" if p.locked else f"{name}{p.specifier}"
                # pip evaluates a marker given on the command line against the image's Python
                reqs_args.append(f"{req}; {p.marker}" if p.marker else req)
            unpinned = any(not (p.locked or p.specifier) for p in pkgs)
            install.append(_run(shlex.join(["pip", "install", *reqs_args]),
                                comment="the versions " + ("the lock file pins" if lock
                                                           else "the manifest asks for"),
                                ignores=("DL3013",) if unpinned else ()))
    argv = _python_start(ctx, _start_argv(ctx) or _no_start(ctx, tuple(
        (f, ("python", f)) for f in ("main.py", "app.py", "server.py", "run.py"))))
    if ctx.extra_pip:
        install.append(_run(shlex.join(["pip", "install", *sorted(set(ctx.extra_pip))]),
                            comment="the server the start in matrixhell.toml runs", ignores=("DL3013",)))
    vcs = sorted({p.name for p in _main_packages(ctx, Ecosystem.PYPI) if (p.url or "").startswith("git+")})
    build_pkgs = ctx.needs.build + (_compilers(ctx, ("build-essential",), ("build-base",))
                                    if ctx.needs.compile else ())
    if vcs:
        # pip clones git+ requirements: git in the build stage only
        build_pkgs += _compilers(ctx, ("git",), ("git",))
        ctx.info("build-needs-git", f"{', '.join(vcs)} installs from a git URL: the build stage has git")
    run_env = (("PYTHONDONTWRITEBYTECODE", "1"), ("PYTHONUNBUFFERED", "1"),
               ("VIRTUAL_ENV", _VENV), ("PATH", f"{_VENV}/bin:$PATH"))
    source = (Step(StepKind.COPY, (f"{ctx.member_dir}/", "./"), comment="the service's own directory")
              if ctx.member_dir else Step(StepKind.COPY, (".", ".")))
    if ctx.needs.compile or vcs:
        build = Stage("build", ctx.base, (
            *_packages(ctx, build_pkgs, "compilers and headers, for packages with no fitting wheel"
                       if ctx.needs.compile else "git, for requirements installed from a repository"),
            _env(*env), _workdir(), *install))
        run = Stage("runtime", ctx.base, (
            *_packages(ctx, ctx.needs.run, "run-time libraries only"),
            _user_create(_uid(ctx)), _env(*run_env),
            Step(StepKind.COPY, (_VENV, _VENV), from_stage="build"),
            _workdir(), source))
        return _Recipe((build, run), argv)
    run = Stage("runtime", ctx.base, (
        *_packages(ctx, ctx.needs.run, "run-time libraries"),
        _user_create(_uid(ctx)), _env(*env, ("PYTHONDONTWRITEBYTECODE", "1"), ("PYTHONUNBUFFERED", "1")),
        _workdir(), *install, source))
    return _Recipe((run,), argv)


_NODE_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")


def _node_manager(ctx: _Ctx) -> str:
    if ctx.has("package-lock.json") or ctx.has("npm-shrinkwrap.json"):
        return "npm-lock"
    if ctx.has("yarn.lock"):
        return "yarn"
    if ctx.has("pnpm-lock.yaml"):
        return "pnpm"
    return "npm"


def _node_install(ctx: _Ctx, manager: str, *, dev: bool = False) -> str:
    """The install command; ``dev`` installs devDependencies too (a build stage that runs the build)."""
    if manager == "npm-lock":
        return "npm ci" if dev else "npm ci --omit=dev && npm cache clean --force"
    if manager == "yarn":
        return ("corepack enable && yarn install --frozen-lockfile" if dev
                else "corepack enable && yarn install --frozen-lockfile --production && yarn cache clean")
    if manager == "pnpm":
        return ("corepack enable && pnpm install --frozen-lockfile" if dev
                else "corepack enable && pnpm install --frozen-lockfile --prod && pnpm store prune")
    if not dev:
        ctx.warn("no-lock-file", "no lock file: the image installs whatever versions npm picks today",
                 hint="commit a lock file (npm install --package-lock-only)")
    return "npm install" if dev else "npm install --omit=dev && npm cache clean --force"


def _node_prune(manager: str) -> str:
    """After the build: devDependencies out of node_modules, so the run stage gets production deps only."""
    if manager == "yarn":
        return "yarn install --frozen-lockfile --production && yarn cache clean"
    if manager == "pnpm":
        # CI=true: pnpm rebuilds node_modules without asking for a terminal
        return "CI=true pnpm install --frozen-lockfile --prod && pnpm store prune"
    return "npm prune --omit=dev && npm cache clean --force"


def _node_run_script(manager: str) -> str:
    return {"yarn": "yarn run build", "pnpm": "pnpm run build"}.get(manager, "npm run build")


def _node_fallback(ctx: _Ctx) -> tuple[str, ...]:
    return _no_start(ctx, tuple((f, ("node", f)) for f in ("server.js", "index.js", "main.js", "app.js")))


def _node(ctx: _Ctx) -> _Recipe:
    member = ctx.member_dir
    if member:
        # a workspace member: its lock file and sibling packages live at the workspace root, which is
        # the build context; the install needs every member's manifest, so the source comes first
        manifests: tuple[str, ...] = ()
    else:
        manifests = tuple(f for f in ctx.named("package.json", *_NODE_LOCKS, ".yarnrc.yml") if "/" not in f)
    manager = _node_manager(ctx)
    install = _node_install(ctx, manager)
    env: tuple[tuple[str, str], ...] = (("NODE_ENV", "production"),)
    corepack = "corepack" in install
    if corepack:
        # corepack keeps the package manager it fetched where the unprivileged user can read it
        env += (("COREPACK_HOME", "/opt/corepack"),)
    argv = _start_argv(ctx) or _node_fallback(ctx)
    app_dir = f"{_WORKDIR}/{member}" if member else _WORKDIR
    frameworks = set(ctx.service.frameworks)
    ro = not (frameworks & _WRITES_APP_DIR)
    build_pkgs = ctx.needs.build + (_compilers(ctx, ("g++", "make", "python3"), ("g++", "make", "python3"))
                                    if ctx.needs.compile else ())
    compile_why = "node-gyp needs a compiler, make and python for native modules"
    if ctx.source.build_script:
        return _node_built(ctx, manager, manifests, env, argv, build_pkgs, compile_why, ro)

    def deps_for(command: str) -> tuple[Step, ...]:
        if member:
            return (Step(StepKind.COPY, (".", "."), comment="a workspace member: the whole workspace, since "
                         "installing needs every member's package.json"), _run(command))
        return (*_copy(manifests, "./", comment="dependency manifests first: this layer is rebuilt only "
                                                 "when they change"), _run(command))

    deps = deps_for(install)
    if ctx.needs.compile:
        build = Stage("build", ctx.base, (
            *_packages(ctx, build_pkgs, compile_why), _env(*env), _workdir(), *deps))
        carried: tuple[Step, ...]
        if member:
            carried = (Step(StepKind.COPY, ("/app", "/app"), from_stage="build"),)
        else:
            carried = (Step(StepKind.COPY, ("/app/node_modules", "./node_modules"), from_stage="build"),
                       Step(StepKind.COPY, (".", ".")))
        if corepack:
            carried += (Step(StepKind.COPY, ("/opt/corepack", "/opt/corepack"), from_stage="build"),
                        _run("corepack enable"))
        run = Stage("runtime", ctx.base, (
            *_packages(ctx, ctx.needs.run, "run-time libraries only"),
            _user_create(_uid(ctx)), _env(*env), _workdir(), *carried,
            *((_workdir(app_dir),) if member else ())))
        return _Recipe((build, run), argv, read_only_ok=ro)
    steps = (*deps, *(() if member else (Step(StepKind.COPY, (".", ".")),)),
             *((_workdir(app_dir),) if member else ()))
    run = Stage("runtime", ctx.base, (
        *_packages(ctx, ctx.needs.run, "run-time libraries"),
        _user_create(_uid(ctx)), _env(*env), _workdir(), *steps))
    return _Recipe((run,), argv, read_only_ok=ro)


def _node_built(ctx: _Ctx, manager: str, manifests: tuple[str, ...], env: tuple[tuple[str, str], ...],
                argv: tuple[str, ...], build_pkgs: tuple[PinnedPackage, ...], compile_why: str,
                ro: bool) -> _Recipe:
    """package.json has a build script (next build, tsc, vite build): a build stage installs every
    dependency, devDependencies included, runs the build of this one package, then drops the
    devDependencies; the run stage receives the built tree with production dependencies only."""
    member = ctx.member_dir
    corepack = any(k == "COREPACK_HOME" for k, _ in env)
    build_env = tuple((k, v) for k, v in env if k != "NODE_ENV")  # NODE_ENV=production skips devDependencies
    script = ctx.source.build_script or ""
    if member:
        deps: tuple[Step, ...] = (
            Step(StepKind.COPY, (".", "."), comment="a workspace member: the whole workspace, since installing "
                 "needs every member's package.json"),
            _run(_node_install(ctx, manager, dev=True), comment="every dependency: the build needs the "
                 "devDependencies"))
        build_steps: tuple[Step, ...] = (
            _workdir(f"{_WORKDIR}/{member}"),
            _run(f"NODE_ENV=production {_node_run_script(manager)}",
                 comment=f"the package's build script ({script}), in its own directory"),
            _workdir())
    else:
        deps = (*_copy(manifests, "./", comment="dependency manifests first: this layer is rebuilt only when "
                                                 "they change"),
                _run(_node_install(ctx, manager, dev=True), comment="every dependency: the build needs the "
                     "devDependencies"),
                Step(StepKind.COPY, (".", ".")))
        build_steps = (_run(f"NODE_ENV=production {_node_run_script(manager)}",
                            comment=f"the package's build script ({script})"),)
    build = Stage("build", ctx.base, (
        *_packages(ctx, build_pkgs, compile_why),
        *((_env(*build_env),) if build_env else ()), _workdir(), *deps, *build_steps,
        _run(_node_prune(manager), comment="production dependencies only, for the run stage")))
    carried: tuple[Step, ...] = (Step(StepKind.COPY, ("/app", "/app"), from_stage="build",
                                      comment="the built output and the production dependencies"),)
    if corepack:
        carried += (Step(StepKind.COPY, ("/opt/corepack", "/opt/corepack"), from_stage="build"),
                    _run("corepack enable"))
    run = Stage("runtime", ctx.base, (
        *_packages(ctx, ctx.needs.run, "run-time libraries only"),
        _user_create(_uid(ctx)), _env(*env), _workdir(), *carried,
        *((_workdir(f"{_WORKDIR}/{member}"),) if member else ())))
    return _Recipe((build, run), argv, read_only_ok=ro)


def _go(ctx: _Ctx) -> _Recipe:
    manifests = tuple(f for f in ctx.named("go.mod", "go.sum", "go.work", "go.work.sum") if "/" not in f)
    cgo = bool(ctx.needs.build or ctx.needs.run)
    if ctx.userland is not None:
        _binary_only(ctx, linked=cgo)
    build_base = ctx.planned_build or _build_base("go", ctx.version, ctx.target, ctx.base)
    binary = "/usr/local/bin/" + _binary_name(ctx)
    main_pkg, start = _go_main(ctx)
    steps = (
        *_packages(ctx, ctx.needs.build, "headers for cgo"),
        _workdir("/src"),
        *_copy(manifests, "./", comment="modules first: rebuilt only when go.mod/go.sum change"),
        _run("go mod download"),
        Step(StepKind.COPY, (".", ".")),
        _run(f"CGO_ENABLED={1 if cgo else 0} go build -trimpath -ldflags=-s -o /out/app {main_pkg}",
             comment="a static binary unless a C library is needed"),
    )
    if ctx.userland is not None:
        run = Stage("runtime", ctx.base, (
            *_bare_extras(ctx, zoneinfo="/usr/local/go/lib/time/zoneinfo.zip"),
            Step(StepKind.COPY, ("/out/app", binary), from_stage="build", comment="the binary alone"),
            _workdir()))
        return _Recipe((Stage("build", build_base, steps), run), start or (binary,))
    run = Stage("runtime", ctx.base, (
        *_packages(ctx, ctx.needs.run, "run-time libraries only"),
        _user_create(_uid(ctx)),
        Step(StepKind.COPY, ("/out/app", binary), from_stage="build"),
        _workdir()))
    return _Recipe((Stage("build", build_base, steps), run), start or (binary,))


def _binary_only(ctx: _Ctx, *, linked: bool) -> None:
    """A binary on a base with no package manager: nothing can be installed beside it, and on scratch
    or a static base there is no libc for a dynamically linked one.  Not judged for an image a
    Dockerfile of the user's builds (not strict): how it links is the user's."""
    if not ctx.strict:
        return
    names = ", ".join(sorted({p.name for p in (*ctx.needs.run, *ctx.needs.build)}))
    if ctx.needs.run:
        ctx.refuse("base-cannot-install",
                   f"the binary needs {', '.join(p.name for p in ctx.needs.run)} at run time, and {ctx.base} "
                   "has no package manager to install them",
                   hint="use a slim base (debian:<codename>-slim) or a distroless image that has them")
    elif linked and ctx.userland in ("scratch", "static"):
        ctx.refuse("base-has-no-libc",
                   f"the binary links C libraries ({names}), and {ctx.base} has no libc to load them",
                   hint="use gcr.io/distroless/base-debian12 or cc, or a slim base")


def _bare_extras(ctx: _Ctx, *, zoneinfo: str | None = None) -> tuple[Step, ...]:
    """What scratch lacks and a service needs without saying so: the CA bundle (any outbound TLS fails
    without it) and, for Go, the time zone database its toolchain ships (``time.LoadLocation``; the
    ZONEINFO variable points at it).  Distroless images carry both already."""
    if ctx.userland != "scratch":
        return ()
    steps: list[Step] = [Step(StepKind.COPY, ("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/"),
                              from_stage="build", comment="scratch has no CA certificates: the build stage's")]
    if zoneinfo:
        steps += [Step(StepKind.COPY, (zoneinfo, "/usr/local/share/zoneinfo.zip"), from_stage="build",
                       comment="and no time zones: Go's own database"),
                  _env(("ZONEINFO", "/usr/local/share/zoneinfo.zip"))]
    return tuple(steps)


def _go_main(ctx: _Ctx) -> tuple[str, tuple[str, ...] | None]:
    """The main package to build and the start command to keep.

    The detector names the binary a `package main` directory would make (`/app/<name>`); this recipe
    builds that package itself into /usr/local/bin, so such a start command is replaced by the binary
    it installs, while a start command from compose, a Procfile or an override is kept as written.
    """
    start = ctx.service.start
    if ctx.override.start or start is None or start.source != "go-main-package":
        return ".", _start_argv(ctx)
    rel = posixpath.relpath(posixpath.dirname(start.origin.path) or ".", ctx.context or ".")
    if rel == "." or rel.startswith(".."):
        return ".", None
    return "./" + rel, None


def _binary_name(ctx: _Ctx) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "-", ctx.service.name) or "app"
    return name


def _rust(ctx: _Ctx) -> _Recipe:
    if ctx.member_dir is not None and ctx.service.package:
        return _rust_member(ctx, ctx.service.package)
    manifests = tuple(f for f in ctx.named("Cargo.toml", "Cargo.lock") if "/" not in f)
    locked = " --locked" if ctx.has("Cargo.lock") else ""
    build_base = ctx.planned_build or _build_base("rust", ctx.version, ctx.target, ctx.base)
    bins = _start_argv(ctx)
    name = posixpath.basename(bins[0]) if bins else _binary_name(ctx)
    musl = _rust_static(ctx)
    build_pkgs = ctx.needs.build + (_compilers(ctx, ("musl-tools",) if musl else (), ("musl-dev",)))
    target_flag = f" --target {musl}" if musl else ""
    steps = (
        *_packages(ctx, build_pkgs, "headers for crates that link C libraries" if not musl
                   else "musl's C compiler, for crates that build C code into a static binary"),
        *((_run(f"rustup target add {musl}", comment="a static binary: scratch and distroless/static have "
                "no libc"),) if musl else ()),
        _workdir("/src"),
        *_copy(manifests, "./", comment="crates first: this layer is rebuilt only when Cargo.toml/Cargo.lock "
                                         "change"),
        _run(f"mkdir src && echo 'fn main() {{}}' > src/main.rs && cargo fetch{locked} && rm -rf src",
             comment="cargo needs a target to read the manifest; a stub stands in for the source"),
        Step(StepKind.COPY, (".", ".")),
        _run(f"cargo install --path . --root /out{locked}{target_flag}"),
    )
    binary = f"/usr/local/bin/{name}"
    run = Stage("runtime", ctx.base, (
        *_packages(ctx, ctx.needs.run, "run-time libraries only"),
        *((_user_create(_uid(ctx)),) if ctx.userland is None else _bare_extras(ctx)),
        Step(StepKind.COPY, (f"/out/bin/{name}", binary), from_stage="build"),
        _workdir()))
    argv = (binary, *bins[1:]) if bins else (binary,)
    return _Recipe((Stage("build", build_base, steps), run), argv)


def _rust_member(ctx: _Ctx, package: str) -> _Recipe:
    """A crate of a Cargo workspace: the workspace root is the build context (its Cargo.toml, Cargo.lock
    and the library crates the package uses), and cargo builds this package's one binary.  There is no
    separate dependency layer: cargo reads every member's manifest to load the workspace."""
    locked = " --locked" if ctx.has("Cargo.lock") else ""
    build_base = ctx.planned_build or _build_base("rust", ctx.version, ctx.target, ctx.base)
    start = _start_argv(ctx)
    binaries = ctx.service.binaries
    started = posixpath.basename(start[0]) if start else ""
    name = started if started in binaries else binaries[0] if binaries else _binary_name(ctx)
    musl = _rust_static(ctx)
    build_pkgs = ctx.needs.build + (_compilers(ctx, ("musl-tools",) if musl else (), ("musl-dev",)))
    steps = (
        *_packages(ctx, build_pkgs, "headers for crates that link C libraries" if not musl
                   else "musl's C compiler, for crates that build C code into a static binary"),
        *((_run(f"rustup target add {musl}", comment="a static binary: scratch and distroless/static have "
                "no libc"),) if musl else ()),
        _workdir("/src"),
        Step(StepKind.COPY, (".", ".")),
        _run(f"cargo build --release{locked} -p {shlex.quote(package)} --bin {shlex.quote(name)}"
             + (f" --target {musl}" if musl else ""),
             comment=f"the workspace builds {ctx.member_dir}: this package's binary and the crates it uses"),
    )
    binary = f"/usr/local/bin/{name}"
    built = f"/src/target/{musl}/release/{name}" if musl else f"/src/target/release/{name}"
    run = Stage("runtime", ctx.base, (
        *_packages(ctx, ctx.needs.run, "run-time libraries only"),
        *((_user_create(_uid(ctx)),) if ctx.userland is None else _bare_extras(ctx)),
        Step(StepKind.COPY, (built, binary), from_stage="build"),
        _workdir()))
    if not start or started in binaries:
        argv: tuple[str, ...] = (binary, *start[1:]) if start else (binary,)
    else:
        argv = start  # a start command of its own (compose, a Procfile) that runs something else
    return _Recipe((Stage("build", build_base, steps), run), argv)


_MUSL_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def _rust_static(ctx: _Ctx) -> str | None:
    """The musl target triple when the run stage has no libc (scratch, distroless/static): Rust links
    glibc by default, and such a binary does not start there.  None otherwise (an Alpine builder is
    musl already)."""
    if ctx.userland is not None:
        _binary_only(ctx, linked=bool(ctx.needs.build))
    if ctx.userland not in ("scratch", "static") or ctx.apk:
        return None
    return f"{_MUSL_ARCH.get(ctx.target.arch, ctx.target.arch)}-unknown-linux-musl"


def _java(ctx: _Ctx) -> _Recipe:
    gradle = ctx.named("build.gradle", "build.gradle.kts")
    build_base = ctx.planned_build or _build_base("java", ctx.version, ctx.target, ctx.base)
    if gradle and not ctx.has("pom.xml"):
        build_base = f"gradle:8-jdk{ctx.version}" + ("-alpine" if ctx.apk else "")
        names = ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties")
        found = {r for f in ctx.source.present if (r := _relative(f, ctx.context)) is not None}
        manifests = tuple(sorted({f for f in ctx.named(*names) if "/" not in f}
                                 | {f for f in found if "/" not in f and f in names}))
        plugins = set(ctx.source.gradle_plugins)
        fetch = (_workdir("/src"),
                 *_copy(manifests, "./", comment="build files first: dependencies are fetched once"),
                 _run("gradle dependencies --no-daemon -q"),
                 Step(StepKind.COPY, (".", ".")))
        if "org.springframework.boot" in plugins or (
                "spring-boot" in ctx.service.frameworks and "application" not in plugins):
            steps = (*fetch,
                     _run("gradle bootJar --no-daemon -q -x test"),
                     _run("mkdir -p /out && find build/libs -maxdepth 1 -name '*.jar' ! -name '*-plain.jar' "
                          "-exec cp {} /out/app.jar ';'", comment="Spring Boot's runnable jar, not the -plain one"))
        elif "application" in plugins:
            # `gradle jar` makes a thin jar without Main-Class or dependencies: installDist lays out the
            # jars and a start script, build/install/<project>/bin/<project>
            # without settings.gradle naming it, the project is named after its directory: /src here
            name = ctx.source.project_name or "src"
            steps = (*fetch,
                     _run("gradle installDist --no-daemon -q -x test",
                          comment="the application plugin's layout: its jars and a start script"))
            run = Stage("runtime", ctx.base, (
                *_packages(ctx, ctx.needs.run, "run-time libraries only"),
                _user_create(_uid(ctx)), _env(("JAVA_OPTS", "-XX:MaxRAMPercentage=75")), _workdir(),
                Step(StepKind.COPY, (f"/src/build/install/{name}", f"/app/{name}"), from_stage="build")))
            argv = _start_argv(ctx) or (f"/app/{name}/bin/{name}",)
            return _Recipe((Stage("build", build_base, steps), run), argv)
        else:
            ctx.refuse("gradle-no-runnable-jar",
                       f"{gradle[0]} applies neither the application plugin nor Spring Boot's, so the build "
                       "makes no runnable jar",
                       origin=Origin(posixpath.normpath(posixpath.join(ctx.context, gradle[0]))),
                       hint="apply the application plugin (application { mainClass = ... }) or set start "
                            f"in [services.{ctx.service.name}] of matrixhell.toml")
            steps = (*fetch, _run("gradle jar --no-daemon -q -x test"),
                     _run("mkdir -p /out && find build/libs -maxdepth 1 -name '*.jar' ! -name '*-plain.jar' "
                          "-exec cp {} /out/app.jar ';'"))
    else:
        steps = (
            _workdir("/src"),
            *_copy(("pom.xml",), "./", comment="the pom first: dependencies are fetched once"),
            _run("mvn -B -q dependency:go-offline"),
            Step(StepKind.COPY, (".", ".")),
            _run("mvn -B -q package -DskipTests && mkdir -p /out && find target -maxdepth 1 -name '*.jar' "
                 "! -name 'original-*' ! -name '*-sources.jar' ! -name '*-javadoc.jar' "
                 "-exec cp {} /out/app.jar ';'", comment="the runnable jar, not the sources or the unshaded one"),
        )
    run = Stage("runtime", ctx.base, (
        *_packages(ctx, ctx.needs.run, "run-time libraries only"),
        _user_create(_uid(ctx)), _workdir(),
        Step(StepKind.COPY, ("/out/app.jar", "/app/app.jar"), from_stage="build")))
    argv = _start_argv(ctx) or ("java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar")
    return _Recipe((Stage("build", build_base, steps), run), argv)


def _dotnet(ctx: _Ctx) -> _Recipe:
    projects = tuple(f for f in ctx.named("*.csproj", "*.fsproj") if "/" not in f)
    build_base = ctx.planned_build or _build_base("dotnet", ctx.version, ctx.target, ctx.base)
    assembly = posixpath.splitext(projects[0])[0] if projects else _binary_name(ctx)
    manifests = tuple(sorted({*projects, *(f for f in ctx.named("*.sln", "NuGet.Config", "nuget.config",
                                                                   "Directory.Build.props",
                                                                   "Directory.Packages.props",
                                                                   "packages.lock.json", "global.json")
                                            if "/" not in f)}))
    proj = shlex.quote(projects[0]) if projects else ""
    steps = (
        _workdir("/src"),
        *_copy(manifests, "./", comment="project files first: restore runs only when they change"),
        _run(f"dotnet restore {proj}".strip()),
        Step(StepKind.COPY, (".", ".")),
        _run(f"dotnet publish {proj} -c Release -o /out --no-restore".replace("  ", " ")),
    )
    ports = _ports(ctx)
    env: tuple[tuple[str, str], ...] = (("DOTNET_CLI_TELEMETRY_OPTOUT", "1"),)
    if ports:
        env += (("ASPNETCORE_HTTP_PORTS", str(ports[0][0])),)
    run = Stage("runtime", ctx.base, (
        *_packages(ctx, ctx.needs.run, "run-time libraries only"),
        _user_create(_uid(ctx)), _env(*env), _workdir(),
        Step(StepKind.COPY, ("/out/", "./"), from_stage="build")))
    argv = _start_argv(ctx) or ("dotnet", f"/app/{assembly}.dll")
    return _Recipe((Stage("build", build_base, steps), run), argv)


def _php(ctx: _Ctx) -> _Recipe:
    manifests = tuple(f for f in ctx.named("composer.json", "composer.lock") if "/" not in f)
    exts = sorted({p.name[4:].lower() for p in ctx.service.packages
                   if p.ecosystem is Ecosystem.COMPOSER and p.name.lower().startswith("ext-")
                   and p.scope is Scope.MAIN} - _PHP_BUILTIN_EXT)
    build_pkgs = ctx.needs.build + _compilers(ctx, ("unzip",), ("unzip",))
    if ctx.distro_runtime:
        # no docker-php-ext-install outside the official images: every extension is a distro package,
        # installed in both stages with the interpreter (see _with_distro_runtime)
        exts = []
    if exts:
        build_pkgs += _compilers(ctx, _PHPIZE_DEPS, _PHPIZE_DEPS_APK)
    build_steps: list[Step] = [
        *_packages(ctx, build_pkgs, "unzip for composer" + (", headers and phpize tools for extensions"
                                                             if exts else "")),
    ]
    if exts:
        build_steps.append(_run(shlex.join(["docker-php-ext-install", *exts]),
                                comment="extensions composer.json asks for that the image lacks"))
    build_steps += [
        Step(StepKind.COPY, ("/usr/bin/composer", "/usr/bin/composer"), from_stage="composer"),
        _workdir(),
        *_copy(manifests, "./", comment="composer files first: vendor/ is rebuilt only when they change"),
        _run("composer install --no-dev --no-interaction --no-progress --no-scripts --no-autoloader "
             "--prefer-dist"),
        Step(StepKind.COPY, (".", ".")),
        _run("composer dump-autoload --no-dev --optimize --no-interaction"),
    ]
    run_steps: list[Step] = [*_packages(ctx, ctx.needs.run, "run-time libraries only"),
                             _user_create(_uid(ctx))]
    if exts:
        run_steps += [
            Step(StepKind.COPY, ("/usr/local/lib/php/extensions/", "/usr/local/lib/php/extensions/"),
                 from_stage="build", comment="the compiled extensions and their ini files"),
            Step(StepKind.COPY, ("/usr/local/etc/php/conf.d/", "/usr/local/etc/php/conf.d/"),
                 from_stage="build"),
        ]
    run_steps += [_workdir(), Step(StepKind.COPY, ("/app", "/app"), from_stage="build")]
    ports = _ports(ctx)
    listen = f"0.0.0.0:{ports[0][0] if ports else 8080}"
    argv = _start_argv(ctx) or _no_start(ctx, (("public/index.php", ("php", "-S", listen, "-t", "public")),
                                               ("index.php", ("php", "-S", listen, "-t", "."))))
    return _Recipe((Stage("composer", "composer:2", ()),
                    Stage("build", ctx.base, tuple(build_steps)),
                    Stage("runtime", ctx.base, tuple(run_steps))), argv,
                   read_only_ok=not (set(ctx.service.frameworks) & _WRITES_APP_DIR))


def _ruby(ctx: _Ctx) -> _Recipe:
    manifests = tuple(f for f in ctx.named("Gemfile", "Gemfile.lock", "*.gemspec", ".ruby-version")
                      if "/" not in f)
    env: tuple[tuple[str, str], ...] = (("BUNDLE_PATH", "/usr/local/bundle"),
                                        ("BUNDLE_WITHOUT", "development:test"))
    if ctx.has("Gemfile.lock"):
        env += (("BUNDLE_DEPLOYMENT", "1"),)
    deps = (*_copy(manifests, "./", comment="Gemfile first: gems are reinstalled only when it changes"),
            _run("bundle install && rm -rf /usr/local/bundle/cache"))
    argv = _start_argv(ctx) or _no_start(ctx, (("app.rb", ("bundle", "exec", "ruby", "app.rb")),))
    ro = not (set(ctx.service.frameworks) & _WRITES_APP_DIR)
    if ctx.needs.compile:
        build_pkgs = ctx.needs.build + _compilers(ctx, ("build-essential",), ("build-base",))
        build = Stage("build", ctx.base, (
            *_packages(ctx, build_pkgs, "compilers and headers for native gems"),
            _env(*env), _workdir(), *deps))
        run = Stage("runtime", ctx.base, (
            *_packages(ctx, ctx.needs.run, "run-time libraries only"),
            _user_create(_uid(ctx)), _env(*env),
            Step(StepKind.COPY, ("/usr/local/bundle", "/usr/local/bundle"), from_stage="build"),
            _workdir(), Step(StepKind.COPY, (".", "."))))
        return _Recipe((build, run), argv, read_only_ok=ro)
    run = Stage("runtime", ctx.base, (
        *_packages(ctx, ctx.needs.run, "run-time libraries"),
        _user_create(_uid(ctx)), _env(*env), _workdir(), *deps, Step(StepKind.COPY, (".", "."))))
    return _Recipe((run,), argv, read_only_ok=ro)


# Extensions of composer.json (ext-NAME) as distro packages.  apt: the official images compile these
# in, Debian and Ubuntu split them out; what php-common already holds needs nothing.  apk: Alpine
# splits nearly every extension into phpXY-NAME.
_PHP_APT_EXT = {"mbstring": "php-mbstring", "dom": "php-xml", "xml": "php-xml", "simplexml": "php-xml",
                "xmlreader": "php-xml", "xmlwriter": "php-xml", "xsl": "php-xml", "curl": "php-curl",
                "mysqli": "php-mysql", "mysqlnd": "php-mysql", "pdo_mysql": "php-mysql", "pgsql": "php-pgsql",
                "pdo_pgsql": "php-pgsql", "sqlite3": "php-sqlite3", "pdo_sqlite": "php-sqlite3"}
_PHP_APT_COMMON = frozenset({"calendar", "core", "ctype", "date", "exif", "ffi", "fileinfo", "filter", "ftp",
                             "gettext", "hash", "iconv", "json", "libxml", "openssl", "pcre", "pdo", "phar",
                             "posix", "random", "readline", "reflection", "session", "shmop", "sockets",
                             "sodium", "spl", "standard", "sysvmsg", "sysvsem", "sysvshm", "tokenizer",
                             "zlib"})
_PHP_APK_CORE = frozenset({"core", "date", "filter", "hash", "json", "libxml", "pcre", "random", "reflection",
                           "spl", "standard"})


def _php_ext_packages(ctx: _Ctx) -> tuple[str, ...]:
    exts = {p.name[4:].lower() for p in ctx.service.packages
            if p.ecosystem is Ecosystem.COMPOSER and p.name.lower().startswith("ext-") and p.scope is Scope.MAIN}
    if ctx.apk:
        v = ctx.version.replace(".", "")
        return tuple(sorted({f"php{v}-{e}" for e in exts - _PHP_APK_CORE}))
    return tuple(sorted({_PHP_APT_EXT.get(e, f"php-{e}") for e in exts - _PHP_APT_COMMON}))


def _with_distro_runtime(ctx: _Ctx, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
    """Every stage on the plain OS base gets the release's own runtime first: its interpreter (and, in
    a build stage, its headers), in the same layer as the stage's other packages."""
    out = []
    for st in stages:
        if st.base != ctx.base:
            out.append(st)
            continue
        build = st.name != "runtime"
        names = distro_runtime_packages(ctx.pm, ctx.runtime, ctx.version, build=build and ctx.needs.compile)
        if not build and ctx.runtime == "python" and any(b.base == ctx.base for b in stages[:-1]):
            names = tuple(n for n in names if not n.endswith("-venv"))  # the venv is made in the build stage
        if ctx.runtime == "php":
            names += _php_ext_packages(ctx)
        pkgs = tuple(PinnedPackage(n, ctx.needs.version_of(n), ctx.needs.exact_versions) for n in names)
        steps = list(st.steps)
        why = f"{ctx.runtime} {ctx.version} from the release's own packages"
        added = _packages(ctx, pkgs, why)
        if added and steps and steps[0].kind is StepKind.PACKAGES:
            first = steps[0]
            have = {re.split(r"[=~]", a, maxsplit=1)[0] for a in first.args}
            args = tuple(sorted({*first.args, *(a for a in added[0].args if re.split(r"[=~]", a, maxsplit=1)[0]
                                                not in have)}))
            steps[0] = Step(StepKind.PACKAGES, args, comment=f"{why}; {first.comment}" if first.comment else why,
                            lint_ignores=tuple(sorted({*first.lint_ignores, *added[0].lint_ignores})))
        else:
            steps[:0] = added
        if ctx.runtime == "php" and ctx.apk:
            # Alpine names the interpreter php83; composer and the start run "php"
            v = ctx.version.replace(".", "")
            # next to a RUN of the stage's own, so the two make one layer (hadolint DL3059)
            at = next((i for i, s in enumerate(steps) if s.kind is StepKind.RUN),
                      next((i + 1 for i, s in enumerate(steps) if s.kind is StepKind.USER_CREATE), 1))
            steps.insert(at, _run(f"ln -sf /usr/bin/php{v} /usr/local/bin/php",
                                  comment=f"Alpine names the interpreter php{v}; composer and the start run php"))
        if ctx.runtime == "node" and any(s.kind is StepKind.RUN and "corepack" in s.args[0] for s in steps):
            # the distros package node without corepack: npm installs it, before the first use
            at = next(i for i, s in enumerate(steps) if s.kind is StepKind.RUN and "corepack" in s.args[0])
            steps.insert(at, _run("npm install --global corepack@0", comment="corepack, which the release's "
                                  "nodejs lacks"))
        out.append(Stage(st.name, st.base, tuple(steps)))
    return tuple(out)


_RECIPES: dict[str, Callable[[_Ctx], _Recipe]] = {
    "python": _python, "node": _node, "go": _go, "rust": _rust, "java": _java, "dotnet": _dotnet,
    "php": _php, "ruby": _ruby,
}


# -- health checks ----------------------------------------------------------------------------------------

def _health_argv(runtime: str, port: int, apk: bool) -> tuple[str, ...]:
    """A TCP connect to the port, by the image's own interpreter: slim images have no curl or wget."""
    if runtime == "python":
        return ("python", "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), 3).close()")
    if runtime == "node":
        return ("node", "-e", f"require('net').connect({port}, '127.0.0.1')"
                              ".on('connect', () => process.exit(0)).on('error', () => process.exit(1))")
    if runtime == "ruby":
        return ("ruby", "-rsocket", "-e", f"TCPSocket.new('127.0.0.1', {port}).close")
    if runtime == "php":
        return ("php", "-r", f"exit(@fsockopen('127.0.0.1', {port}) ? 0 : 1);")
    if apk:
        return ("nc", "-z", "127.0.0.1", str(port))  # busybox nc
    return ("bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}")  # every Debian/Ubuntu image has bash


# -- the entry point --------------------------------------------------------------------------------------

def _uid(ctx: _Ctx) -> int:
    """The override's uid, else 10001 (created by the image), else on a base with no useradd
    distroless's nonroot 65532, which needs no entry in /etc/passwd to run as."""
    return ctx.override.uid or (DEFAULT_UID if ctx.userland is None else NONROOT_UID)


def _ports(ctx: _Ctx) -> tuple[tuple[int, str], ...]:
    if ctx.override.ports is not None:
        return tuple((p, "tcp") for p in ctx.override.ports)
    found = {(p.number, p.protocol) for p in ctx.service.ports}
    if ctx.service.compose is not None:
        found |= {(p.number, p.protocol) for p in ctx.service.compose.ports}
    return tuple(sorted(found))


def _published(ctx: _Ctx, ports: tuple[tuple[int, str], ...]) -> tuple[tuple[int, int], ...]:
    """(container port, host port) pairs the compose file or a detector stated; none are invented."""
    numbers = {n for n, _ in ports}
    out: dict[int, int] = {}
    sources = list(ctx.service.ports) + (list(ctx.service.compose.ports) if ctx.service.compose else [])
    for p in sources:
        if p.number in numbers and p.published is not None:
            out.setdefault(p.number, p.published)
    return tuple(sorted(out.items()))


_NEVER_PASSED = frozenset({"PATH", "HOME", "HOSTNAME", "PWD", "SHLVL", "TERM", "USER", "LANG"})


def _is_dockerfile(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name == "dockerfile" or name.startswith("dockerfile.") or name.endswith(".dockerfile")


def _workspace_root(service: Service, context: str) -> str | None:
    """The workspace root above ``context`` when the service's lock file lives there (npm, yarn and pnpm
    workspaces keep one lock for every member); None when the service has a lock of its own."""
    locks = [f for f in service.files if posixpath.basename(f) in _NODE_LOCKS]
    if any(_dir_of(f) == context for f in locks):
        return None
    above = sorted((_dir_of(f) for f in locks
                    if context != _dir_of(f) and (_dir_of(f) == "." or context.startswith(_dir_of(f) + "/"))),
                   key=len, reverse=True)
    return above[0] if above else None


def _dir_of(path: str) -> str:
    return _norm_dir(posixpath.dirname(path))


def _health_port(ctx: _Ctx, ports: tuple[tuple[int, str], ...]) -> int | None:
    """The port to check: the first the service itself names (its start command binds it first), else
    the lowest TCP port."""
    tcp = [n for n, proto in ports if proto == "tcp"]
    if ctx.override.ports:
        return ctx.override.ports[0]
    for p in ctx.service.ports:
        if p.number in tcp:
            return p.number
    return tcp[0] if tcp else None


def _runtime_of(service: Service, target: Target) -> str:
    if target.runtime:
        return target.runtime
    name = service.runtime_name()
    if name:
        return name
    for lang in service.languages:
        lang = _LANGUAGE_RUNTIME.get(lang, lang)
        if lang in RUNTIMES:
            return lang
    for p in service.packages:
        return p.ecosystem.runtime
    raise ValueError(f"service {service.name!r} has no runtime the generator knows")


def _check_override(ctx: _Ctx, detected_ports: tuple[tuple[int, str], ...],
                    missing_packages: tuple[str, ...]) -> None:
    o = ctx.override
    svc = ctx.service
    if o.base:
        ref = parse_image_ref(o.base)
        rel = ref.release()
        want = (ctx.target.distro, ctx.target.release)
        if rel is not None and rel[0] == "debian" and want[0] == "debian" and rel[1] != want[1]:
            ctx.warn("override-base-release",
                     f"base {o.base} is Debian {rel[1]}, the plan chose {want[1]}: the OS packages "
                     f"were resolved for {want[1]}",
                     hint="check the packages exist in that release or drop the override",
                     origin=o.origin_of("base"))
        if rel is not None and (rel[0] == "alpine") != (ctx.target.libc == "musl"):
            ctx.warn("override-base-libc",
                     f"base {o.base} uses {'musl' if rel[0] == 'alpine' else 'glibc'}, the plan chose "
                     f"{ctx.target.libc}: compiled wheels and gems may not fit", origin=o.origin_of("base"))
        for name in missing_packages:
            ctx.warn("override-base-lacks-package",
                     f"base {o.base}'s release has no package {name}, which the service needs",
                     hint="pick a base of a release that ships it", origin=o.origin_of("base"))
        req = svc.runtime
        version = ref.version()
        if (req is not None and version and req.runtime == ctx.runtime and req.spec
                and not _spec_allows(req.spec, version)):
            ctx.warn("override-runtime-outside",
                     f"base {o.base} brings {req.runtime} {version}, outside {req.spec} from {req.origin}",
                     hint="pick a base within the service's constraint", origin=o.origin_of("base"))
    if o.ports is not None:
        dropped = sorted({n for n, _ in detected_ports} - set(o.ports))
        healthcheck = bool(svc.compose and svc.compose.healthcheck)
        if dropped and (healthcheck or not o.ports):
            ctx.warn("override-drops-ports",
                     f"ports override drops {', '.join(map(str, dropped))}, which the service listens on"
                     + ("; its compose healthcheck needs one" if healthcheck else ""),
                     hint="keep the port the healthcheck uses", origin=o.origin_of("ports"))


def _spec_allows(spec: str, version: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        s = SpecifierSet(spec)
        # a tag like "3.11" stands for its newest patch release: try the bare and a high patch number
        return any(s.contains(Version(v), prereleases=True) for v in (version, f"{version}.999"))
    except (InvalidSpecifier, InvalidVersion):
        return True


def build_spec(
    service: Service,
    target: Target,
    needs: SystemNeeds | None = None,
    override: ServiceOverride | None = None,
    *,
    missing_packages: tuple[str, ...] = (),
    source: SourceFacts | None = None,
    strict: bool = True,
    widen_context: bool = True,
) -> ImageSpec:
    """The image plan for ``service`` on ``target``.

    ``needs`` are the OS packages the knowledge layer resolved for the target (build and run apart);
    ``override`` is the user's ``[services.NAME]`` table merged over ``[defaults]``;
    ``missing_packages`` names needed packages the override's base release lacks (for the warning);
    ``source`` is what the generator read of the service's own files (entry files, build script).

    Raises :class:`NotGenerated` when the image could not run (its start names a server that is not
    installed, a guessed entry file that does not exist), unless ``strict`` is False: then the
    problem is a warning and the spec is made anyway (for services built by a Dockerfile of their own).
    ``widen_context`` lets a Python service whose requirements include a file outside its directory
    build from the directory holding both (not for a Dockerfile of the user's, which has its context).
    """
    source = source or SourceFacts()
    needs = needs or SystemNeeds()
    override = override or ServiceOverride(service.name, Origin("?"))
    runtime = _runtime_of(service, target)
    parts = _VERSION_PARTS.get(runtime, 2)
    version = (_mm(target.runtime_version, parts)
               or _spec_version(service.runtime.spec if service.runtime else None, parts)
               or _DEFAULT_VERSION.get(runtime, ""))
    if runtime not in _RECIPES:
        raise ValueError(f"no recipe for runtime {runtime!r}")
    base = override.base
    if base is None:
        planned = target.base_image
        if planned and not _is_build_image(planned):
            base = slim_variant(planned)
        else:
            base = _default_run_base(runtime, version, target)
    extra = tuple(PinnedPackage(n, needs.version_of(n), needs.exact_versions) for n in override.system_packages)
    if extra:
        needs = SystemNeeds(build=needs.build, run=needs.run + extra, compile=needs.compile,
                            reasons=needs.reasons, known_versions=needs.known_versions,
                            exact_versions=needs.exact_versions)
    context = _norm_dir(service.path)
    member_dir = None
    widened: tuple[str, str, list[str]] | None = None
    root = _workspace_root(service, context) if runtime == "node" else None
    if runtime == "rust" and service.workspace is not None and service.package:
        root = _norm_dir(service.workspace)  # a Cargo workspace member builds from the workspace root
    if root is not None:
        member_dir, context = posixpath.relpath(context, root) if context != "." else None, root
    if runtime == "python" and widen_context:
        # a requirements include outside the service directory (-r ../requirements/common.txt): build
        # from the directory that holds both, or the include cannot be copied
        outside = sorted({p.origin.path for p in service.packages
                          if p.ecosystem is Ecosystem.PYPI and p.scope is Scope.MAIN and p.origin.path.endswith(".txt")
                          and _relative(p.origin.path, context) is None})
        if outside:
            parent = _norm_dir(posixpath.commonpath([context, *(_dir_of(o) for o in outside)]))
            if parent != "." and _relative(context, parent) is None:
                parent = "."
            member_dir = posixpath.relpath(context, parent)
            widened = (context, parent, outside)
            context = parent
    files = sorted({r for f in service.files if (r := _relative(f, context)) is not None})
    apk = (target.distro == "alpine" or "alpine" in (parse_image_ref(base).tag or "")
           or parse_image_ref(base).repository == "alpine")
    userland = no_userland(base)
    distro_runtime = _plain_os(base) and runtime not in _BINARY_RUNTIMES
    ctx = _Ctx(service, target, needs, override, context, tuple(files), apk, runtime, version, base,
               planned_build=_planned_build(runtime, target.base_image), member_dir=member_dir,
               source=source, strict=strict, userland=userland, distro_runtime=distro_runtime)
    detected = _ports(_Ctx(service, target, needs, ServiceOverride(service.name, Origin("?")), context,
                           tuple(files), apk, runtime, version, base))
    _check_override(ctx, detected, missing_packages)
    if widened is not None:
        own, parent, outside = widened
        ctx.info("context-widened",
                 f"{', '.join(outside)} is outside {own}: the image builds from {parent}, which holds both, "
                 f"and copies {own} as the application", hint="the compose file builds from that context")
    # the base checks speak of an image made here; a Dockerfile of the user's (widen_context False, or
    # not strict) builds its own and is judged by the drift report instead
    own_image = strict and widen_context
    if own_image and userland is not None and runtime not in _BINARY_RUNTIMES:
        ctx.refuse("base-has-no-userland",
                   f"{base} has no shell, package manager or useradd, and a {runtime} service installs its "
                   "dependencies and creates its user in the run stage",
                   hint=f"use the official {runtime} image the plan names, or keep a Dockerfile of your own")
    if own_image and distro_runtime and not distro_runtime_packages(ctx.pm, runtime, version):
        ctx.refuse("base-lacks-runtime",
                   f"{base} is a plain OS image and its release packages no {runtime}",
                   hint=f"use an official {runtime} image as the base (or drop the base override)",
                   origin=override.origin_of("base") if override.base else None)
    recipe = _RECIPES[runtime](ctx)
    if distro_runtime:
        recipe = _Recipe(_with_distro_runtime(ctx, recipe.stages), recipe.cmd, recipe.read_only_ok)
    if own_image and distro_runtime and override.base is not None:
        rel = parse_image_ref(base).release()
        if rel is not None and rel != (target.distro, target.release):
            ctx.warn("override-base-runtime",
                     f"base {base} is a plain OS image of {rel[0]} {rel[1]}: the image installs that release's "
                     f"{runtime}, which may not be the {runtime} {version} the plan chose on "
                     f"{target.distro} {target.release}",
                     hint=f"use an official {runtime} {version} image, or the plan's base {target.base_image}"
                     if target.base_image else f"use an official {runtime} {version} image",
                     origin=override.origin_of("base"))
    if own_image and distro_runtime and override.base is None:
        ctx.info("runtime-from-release",
                 f"{base} has no {runtime} of its own: the image installs the release's {runtime} "
                 f"{version} ({', '.join(distro_runtime_packages(ctx.pm, runtime, version))})",
                 hint=f"the plan chose {target.distro} {target.release}, which no official {runtime} image "
                      "is built on")
    ports = _ports(ctx)
    if ports and own_image and _PORT_REF.search(" ".join(recipe.cmd)):
        # a Heroku-style start (`--bind 0.0.0.0:$PORT`) reads the port from the environment: the image
        # says which one it listens on, so `docker run` and every orchestrator get a working default
        last = recipe.stages[-1]
        with_port = Stage(last.name, last.base, (*last.steps, _env(("PORT", str(ports[0][0])))))
        recipe = _Recipe((*recipe.stages[:-1], with_port), recipe.cmd, recipe.read_only_ok)
    low = sorted(n for n, _ in ports if n < 1024)
    if low:
        ctx.warn("privileged-port",
                 f"the service listens on {', '.join(map(str, low))}; as uid {_uid(ctx)} with every capability "
                 "dropped it cannot bind a port below 1024 under Kubernetes (Docker allows it)",
                 hint="make it listen on a port from 1024 up and publish that")
    health = None
    # scratch and distroless have no shell, nc or interpreter to connect with: an image made here gets
    # no HEALTHCHECK there.  The spec of an image a Dockerfile of the user's builds (widen_context
    # False, or not strict) feeds only the pod's TCP probes, which the kubelet runs itself: it keeps them.
    if ports and (userland is None or not own_image):
        port = _health_port(ctx, ports)
        if port is not None:
            health = HealthCheck(_health_argv(runtime, port, apk), port)
    # keys the service reads from its environment; a Dockerfile's own ENV is baked in, not passed
    env_keys = {e.key for e in service.env if not _is_dockerfile(e.origin.path)}
    if service.compose is not None:
        env_keys |= {e.key for e in service.compose.env}
    env_keys -= _NEVER_PASSED
    labels = (
        ("dev.matrixhell.service", service.name),
        ("dev.matrixhell.source", context),
        ("org.opencontainers.image.base.name", base),
        ("org.opencontainers.image.title", service.name),
    )
    merged = tuple(Stage(st.name, st.base, _merge_runs(st.steps)) for st in recipe.stages)
    label = Step(StepKind.LABEL, tuple(f"{k}={json.dumps(v)}" for k, v in labels))
    final = Stage(merged[-1].name, merged[-1].base, (*merged[-1].steps, label))
    stages = (*merged[:-1], final)
    heavy = runtime in ("java", "dotnet")
    read_only = override.read_only_root if override.read_only_root is not None else recipe.read_only_ok
    return ImageSpec(
        service=service.name,
        context=context,
        stages=stages,
        package_manager=ctx.pm,
        distro=target.distro,
        release=target.release,
        libc=target.libc,
        arch=target.arch,
        runtime=runtime,
        runtime_version=version or None,
        user=APP_USER if userland is None else "nonroot",
        uid=_uid(ctx),
        workdir=_WORKDIR,
        ports=ports,
        published=_published(ctx, ports),
        env=tuple(_final_env(stages)),
        env_keys=tuple(sorted(env_keys)),
        cmd=tuple(recipe.cmd),
        healthcheck=health,
        labels=labels,
        read_only_root=read_only,
        depends_on=tuple(sorted(service.compose.depends_on)) if service.compose else (),
        cpu_request=override.cpu or ("250m" if heavy else "100m"),
        cpu_limit=override.cpu or ("1" if heavy else "500m"),
        memory_request=override.memory or ("256Mi" if heavy else "128Mi"),
        memory_limit=override.memory or ("1Gi" if heavy else "512Mi"),
        findings=tuple(ctx.findings),
    )


def _merge_runs(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """Consecutive RUN steps become one (one layer, hadolint DL3059)."""
    out: list[Step] = []
    for step in steps:
        prev = out[-1] if out else None
        if prev is not None and prev.kind is StepKind.RUN and step.kind is StepKind.RUN:
            comment = "; ".join(c for c in (prev.comment, step.comment) if c) or None
            ignores = tuple(sorted(set(prev.lint_ignores) | set(step.lint_ignores)))
            out[-1] = Step(StepKind.RUN, (f"{prev.args[0]} \\\n    && {step.args[0]}",), comment=comment,
                           lint_ignores=ignores)
        else:
            out.append(step)
    return tuple(out)


def _final_env(stages: tuple[Stage, ...]) -> list[tuple[str, str]]:
    """ENV of the final stage, in order, ``$PATH`` expanded against the default PATH (for the OCI config)."""
    out: dict[str, str] = {}
    for step in stages[-1].steps:
        if step.kind is StepKind.ENV:
            for pair in step.args:
                k, v = pair.split("=", 1)
                out[k] = v.replace("$PATH", out.get("PATH", _DEFAULT_PATH))
    return list(out.items())
