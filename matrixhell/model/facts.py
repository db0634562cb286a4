"""The facts a detector learns about one service.  Each one carries the Origin it was read from."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from matrixhell.model.finding import Finding
from matrixhell.model.origin import Origin

__all__ = [
    "BaseImage",
    "Detection",
    "Ecosystem",
    "EnvVar",
    "NativeLibrary",
    "PackageReq",
    "Port",
    "RuntimeReq",
    "Scope",
    "StartCommand",
    "SystemPackage",
]


class Ecosystem(enum.Enum):
    """A package ecosystem and, through RUNTIMES, the runtime it runs on."""

    PYPI = "pypi"
    NPM = "npm"
    GO = "go"
    GEM = "gem"
    MAVEN = "maven"
    NUGET = "nuget"
    COMPOSER = "composer"
    CARGO = "cargo"

    @property
    def runtime(self) -> str:
        return _RUNTIMES[self]


_RUNTIMES = {
    Ecosystem.PYPI: "python",
    Ecosystem.NPM: "node",
    Ecosystem.GO: "go",
    Ecosystem.GEM: "ruby",
    Ecosystem.MAVEN: "java",
    Ecosystem.NUGET: "dotnet",
    Ecosystem.COMPOSER: "php",
    Ecosystem.CARGO: "rust",
}


class Scope(enum.Enum):
    MAIN = "main"  # needed at run time
    DEV = "dev"  # dev/test only (devDependencies, dev groups)
    OPTIONAL = "optional"  # an extra / optional-dependencies group
    BUILD = "build"  # build-system requirements


@dataclass(frozen=True, slots=True)
class RuntimeReq:
    """One source's word on the runtime: ``python`` ``==3.8.*`` from ``.python-version:1``.

    ``spec`` is a PEP 440 specifier set for every runtime (``>=3.8,<3.12``, ``==3.11.*``); the raw text
    as written stays in ``raw``.  ``source`` names the kind of source (``python-version-file``,
    ``dockerfile-from``, ``requires-python``...) and docs/detection.md ranks them; a lower ``precedence``
    wins.
    """

    runtime: str  # python | node | go | ruby | java | dotnet | php | rust
    spec: str
    raw: str
    source: str
    origin: Origin
    precedence: int = 50


@dataclass(frozen=True, slots=True)
class PackageReq:
    """A language package the service asks for, as written (``specifier``) and as locked (``locked``)."""

    ecosystem: Ecosystem
    name: str  # normalized per ecosystem (PEP 503 for PyPI)
    specifier: str = ""  # "" means any version
    origin: Origin = field(default_factory=lambda: Origin("?"))
    locked: str | None = None  # the exact version a lock file pins
    extras: tuple[str, ...] = ()
    marker: str | None = None  # PEP 508 marker text, evaluated later against the service's target
    url: str | None = None  # direct URL / VCS reference / local path
    editable: bool = False
    scope: Scope = Scope.MAIN
    group: str | None = None  # name of the extra / dependency group / lock section
    direct: bool = True  # False for a transitive entry only a lock file names
    hashes: tuple[str, ...] = ()
    locked_origin: Origin | None = None  # the lock file line ``locked`` came from


@dataclass(frozen=True, slots=True)
class SystemPackage:
    """An OS package: installed by an existing Dockerfile / apt.txt, or needed by a language package."""

    name: str  # as the manager knows it: libpq-dev, libssl3, postgresql-dev
    manager: str  # apt | apk
    phase: str  # build | run
    origin: Origin
    reason: str = ""  # "installed by Dockerfile", "needed by psycopg2 (sdist)"


@dataclass(frozen=True, slots=True)
class NativeLibrary:
    """An OS library a language package needs: ``libpq`` for ``psycopg2``, at run time or to build it.

    ``library`` is a logical name (matrixhell.knowledge.syslibs); a target's release turns it into real
    packages.  ``bundled_in_wheel`` says that the package's prebuilt binaries (wheels, npm prebuilds,
    native gems) carry the library themselves, so the OS need not provide it when such a binary fits
    the target; whether one does is decided by the analysis.
    """

    library: str
    needed_by: str  # the package's name
    phase: str  # run | build
    origin: Origin  # the package's origin
    source: str = ""  # where the knowledge came from: debian:python3-psycopg2 | curated
    bundled_in_wheel: bool = False
    ecosystem: Ecosystem | None = None


@dataclass(frozen=True, slots=True)
class Port:
    number: int
    protocol: str = "tcp"
    origin: Origin = field(default_factory=lambda: Origin("?"))
    published: int | None = None  # host side of a compose mapping
    source: str | None = None  # where the number came from when not written: gunicorn-default | uvicorn-default
    host_ip: str | None = None  # host address of a compose mapping (127.0.0.1:8100:8100 -> "127.0.0.1")
    compose_key: str | None = None  # ports | expose: the compose key that listed it (None: not compose)


@dataclass(frozen=True, slots=True)
class StartCommand:
    """How the service starts.  ``argv`` for exec form; ``shell`` for shell form."""

    origin: Origin
    source: str  # procfile-web | dockerfile-cmd | compose-command | package-json-start | django | ...
    argv: tuple[str, ...] = ()
    shell: str | None = None
    precedence: int = 50

    def display(self) -> str:
        if self.argv:
            import shlex

            return shlex.join(self.argv)
        return self.shell or ""


@dataclass(frozen=True, slots=True)
class BaseImage:
    """``FROM`` of an existing Dockerfile (or a compose ``image:``), split into its parts."""

    reference: str  # as written, after ARG substitution
    origin: Origin
    repository: str = ""  # docker.io/library/python -> "python"
    tag: str | None = None
    digest: str | None = None
    stage: str | None = None  # the stage name it starts (AS builder)
    final: bool = False  # the stage the image ends on (or the compose target)


@dataclass(frozen=True, slots=True)
class EnvVar:
    """An environment variable a service reads.

    ``value`` is the text a compose ``environment:`` entry gives it, as written (``${VAR}`` references and
    ``${VAR:?msg}`` guards uninterpolated), and only when it is no secret: a key named like a credential
    with a literal value, a literal password inside a URL, or a credential-named variable's literal
    default are never kept (``secret`` is then True).  None: no value was written, or it was withheld.
    """

    key: str
    origin: Origin
    value: str | None = None
    secret: bool = False  # a value was written but withheld: it may be a credential


@dataclass(frozen=True, slots=True)
class Detection:
    """What one detector learned in one service directory."""

    detector: str
    languages: tuple[str, ...] = ()
    runtimes: tuple[RuntimeReq, ...] = ()
    packages: tuple[PackageReq, ...] = ()
    system_packages: tuple[SystemPackage, ...] = ()
    ports: tuple[Port, ...] = ()
    start_commands: tuple[StartCommand, ...] = ()
    base_images: tuple[BaseImage, ...] = ()
    env: tuple[EnvVar, ...] = ()
    findings: tuple[Finding, ...] = ()
    files: tuple[str, ...] = ()  # repo-relative manifest files it read
    frameworks: tuple[str, ...] = ()  # django | flask | fastapi | express | next | rails | spring ...
    constraints: tuple[PackageReq, ...] = ()  # version limits (pip -c files): not packages of the service
