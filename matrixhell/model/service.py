"""A service of the repository and the result of a scan."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from matrixhell.model.facts import (
    BaseImage,
    Detection,
    EnvVar,
    NativeLibrary,
    PackageReq,
    Port,
    RuntimeReq,
    StartCommand,
    SystemPackage,
)
from matrixhell.model.finding import Finding
from matrixhell.model.origin import Origin

__all__ = ["ComposeService", "ComposeVolume", "EnvFile", "ScanResult", "Service", "ServiceKind", "Skip"]


class ServiceKind(enum.Enum):
    BUILT = "built"  # code in the repo that we build an image for
    EXTERNAL = "external"  # a compose service that only names an image (postgres:16, redis)


@dataclass(frozen=True, slots=True)
class ComposeVolume:
    """One ``volumes:`` entry of a compose service.

    ``kind`` is ``bind`` (``source`` a repo-relative path, which may start with ``../``, or an absolute or
    ``~`` host path kept as written), ``volume`` (``source`` the named volume, "" for an anonymous one),
    ``tmpfs``, or ``raw``: an entry with variables in it, kept verbatim in ``raw`` because where it
    points is only known once compose interpolates it.
    """

    target: str
    origin: Origin
    kind: str = "volume"  # bind | volume | tmpfs | raw
    source: str = ""
    read_only: bool = False
    mode: str = ""  # other short-syntax options as written (z, Z, cached, delegated...)
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class EnvFile:
    """An ``env_file:`` of a compose service: the repo-relative file, which the scan reads for keys only."""

    path: str
    origin: Origin
    required: bool = True
    readable: bool = True  # False: it could not be read when the scan ran (missing)


@dataclass(frozen=True, slots=True)
class ComposeService:
    """What a compose file says of a service."""

    name: str
    origin: Origin  # the compose file and the line of the service key
    context: str | None = None  # repo-relative build context
    dockerfile: str | None = None  # repo-relative Dockerfile path
    target: str | None = None
    image: str | None = None
    depends_on: tuple[str, ...] = ()
    command: StartCommand | None = None
    ports: tuple[Port, ...] = ()
    env: tuple[EnvVar, ...] = ()
    healthcheck: tuple[str, ...] = ()  # test command, exec form
    profiles: tuple[str, ...] = ()
    volumes: tuple[ComposeVolume, ...] = ()
    env_files: tuple[EnvFile, ...] = ()  # the keys they hold are in ``env`` too, with the file as origin
    # the healthcheck as written: its test (``CMD``/``CMD-SHELL``/``NONE`` first, ``$$`` kept) and its
    # other keys (interval, timeout, retries, start_period, start_interval, disable) as (key, text)
    healthcheck_test: tuple[str, ...] = ()
    healthcheck_options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    path: str  # repo-relative directory of the code ("." for the root); the build context when known
    kind: ServiceKind = ServiceKind.BUILT
    discovered_by: str = "manifest"  # compose | workspace | manifest
    languages: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    runtimes: tuple[RuntimeReq, ...] = ()  # every source's word, best first
    packages: tuple[PackageReq, ...] = ()
    system_packages: tuple[SystemPackage, ...] = ()
    ports: tuple[Port, ...] = ()
    start_commands: tuple[StartCommand, ...] = ()  # best first
    base_images: tuple[BaseImage, ...] = ()
    env: tuple[EnvVar, ...] = ()
    dockerfile: str | None = None  # repo-relative hand-written Dockerfile, if any
    compose: ComposeService | None = None
    image: str | None = None  # for EXTERNAL services
    members: tuple[str, ...] = ()  # workspace member directories folded into this service
    files: tuple[str, ...] = ()  # manifest files read
    findings: tuple[Finding, ...] = ()
    detections: tuple[Detection, ...] = ()
    # OS libraries its language packages need (matrixhell.detect.native), beside system_packages,
    # which an existing Dockerfile or apt.txt installs
    native_libraries: tuple[NativeLibrary, ...] = ()
    # the Procfile process type this service runs (web, worker, clock...); None without a Procfile
    process: str | None = None
    # the service whose image this one runs with a start command of its own (a Procfile worker beside
    # its web): the image is built once, for that service, and both run it
    image_from: str | None = None
    # one-off commands a deploy runs (Procfile release, postdeploy): facts, never the service's start
    tasks: tuple[StartCommand, ...] = ()
    # a Cargo workspace member: the workspace root, which the image builds from ("." for the repository
    # root), and the package it builds there (``cargo build -p <package> --bin <binary>``)
    workspace: str | None = None
    package: str | None = None
    binaries: tuple[str, ...] = ()  # the binaries that package builds, the one the start runs first

    @property
    def runtime(self) -> RuntimeReq | None:
        """The winning runtime requirement (lowest precedence value), if any source named one."""
        return self.runtimes[0] if self.runtimes else None

    @property
    def start(self) -> StartCommand | None:
        return self.start_commands[0] if self.start_commands else None

    def runtime_name(self) -> str | None:
        r = self.runtime
        return r.runtime if r else None


@dataclass(frozen=True, slots=True)
class Skip:
    """A directory that looked like a service but was not taken, and why (shown with --verbose)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    root: str  # the repository root as the user named it (display only)
    services: tuple[Service, ...]
    findings: tuple[Finding, ...] = ()  # repo-level findings (bad compose file, symlink loop...)
    skipped: tuple[Skip, ...] = ()
    files_read: int = 0

    def service(self, name: str) -> Service:
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(name)

    def all_findings(self) -> tuple[Finding, ...]:
        out = list(self.findings)
        for s in self.services:
            out.extend(s.findings)
        return tuple(out)
