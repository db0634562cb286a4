"""The build plan for one service's image: what the templates render and what an image builder executes.

An :class:`ImageSpec` is a list of stages, each a base image and an ordered list of steps.  Every value
in it is final: package names carry their pins, commands are already shell-quoted, paths are absolute
inside the image.  ``render`` turns it into a Dockerfile, an OCI image config, compose and Kubernetes
entries; a builder can run the same steps without reading the Dockerfile back.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from matrixhell.model.finding import Finding

__all__ = [
    "HealthCheck",
    "ImageSpec",
    "PinnedPackage",
    "SourceFacts",
    "Stage",
    "Step",
    "StepKind",
    "SystemNeeds",
]


@dataclass(frozen=True, order=True, slots=True)
class PinnedPackage:
    """An OS package to install, with the version of the chosen release when the catalog knows it."""

    name: str
    version: str | None = None
    # False when the catalog knows the version only to upstream precision (curated Ubuntu and Alpine
    # data): no Debian revision or epoch can be inferred from it
    exact: bool = True

    def requirement(self, manager: str = "apt") -> str:
        """The install argument for ``manager`` (apt | apk): a pin that stays true within the release.

        A release's archive replaces exact versions with every point release and security update, so
        the pin keeps only what does not move inside the release (docs/generate.md, "Package pins"):

        - apt, an exact Debian version ``[epoch:]upstream[-revision]``: the epoch and the upstream major
          as a glob, ``gcc=4:14.*``, ``libpq5=17.*``; glibc's packages keep the upstream version the
          plan chose the release for, ``libc6-dev=2.41-*``.  Not pinned: a version known only to
          upstream precision (``exact`` False: its epoch is unknown, and a pin without it fails) and a
          version with no dotted major (ca-certificates' dates move within a release).
        - apk: the fuzzy operator on the upstream major.minor the catalog names, ``libpq~16``,
          ``libxml2~2.12`` (apk versions have no epoch; the ``-rN`` suffix and the patch level move).

        The bare name when the version is unknown or cannot be pinned safely.
        """
        if manager == "apk":
            pin = _apk_pin(self.version)
        elif self.exact:
            pin = _apt_pin(self.name, self.version)
        else:
            pin = ""
        return f"{self.name}{pin}" if pin else self.name

    def pinned(self, manager: str = "apt") -> bool:
        """Whether :meth:`requirement` carries a version."""
        return self.requirement(manager) != self.name


_GLIBC_PACKAGES = frozenset({"libc6", "libc6-dev", "libc-dev-bin", "libc-bin", "libc6-dbg", "locales"})
_DEBIAN_VERSION = re.compile(r"^(?:(?P<epoch>\d+):)?(?P<upstream>\d[A-Za-z0-9.+~:-]*?)(?:-(?P<rev>[A-Za-z0-9.+~]+))?$")
_LEADING = re.compile(r"^(\d+)(\.)?")


def _apt_pin(name: str, version: str | None) -> str:
    if not version or "*" in version:
        return f"={version}" if version else ""  # a glob written by hand is kept
    m = _DEBIAN_VERSION.match(version)
    if m is None:
        return ""
    epoch = f"{m.group('epoch')}:" if m.group("epoch") is not None else ""
    upstream = m.group("upstream")
    if name in _GLIBC_PACKAGES and m.group("rev") is not None:
        return f"={epoch}{upstream}-*"
    lead = _LEADING.match(upstream)
    if lead is None or lead.group(2) is None:
        # no major to keep: a date-versioned package (ca-certificates 20250419) takes a new upstream
        # within a release, so any pin of it breaks
        return ""
    return f"={epoch}{lead.group(1)}.*"


def _apk_pin(version: str | None) -> str:
    if not version:
        return ""
    # apk versions have no epoch; a release suffix (-r3) moves with every rebuild
    if not re.match(r"^\d", version):
        return ""
    upstream = re.sub(r"-r\d+$", "", version)
    # the curated catalog knows upstream minor precision; a stable branch moves the patch level
    return "~" + ".".join(upstream.split(".")[:2])


@dataclass(frozen=True, slots=True)
class SystemNeeds:
    """What a service needs from the OS on its target, split by phase.

    ``compile`` is True when something has to be built from source (no wheel fits, a native gem or npm
    module, a compiled language): the image then gets a build stage holding ``build`` packages and a
    run stage holding only ``run`` packages.
    """

    build: tuple[PinnedPackage, ...] = ()
    run: tuple[PinnedPackage, ...] = ()
    compile: bool = False
    reasons: tuple[str, ...] = ()  # "psycopg2 (sdist) needs libpq-dev", for the docs and --verbose
    # versions, on the target release, of packages a recipe may add itself (compilers, unzip...)
    known_versions: tuple[tuple[str, str], ...] = ()
    exact_versions: bool = True  # False when the catalog's versions are upstream-precision only

    def version_of(self, name: str) -> str | None:
        for n, v in self.known_versions:
            if n == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """What the generator read of a service's own files beside the scan's facts: which entry files
    exist, the package.json build script, the Gradle plugins.  Values only; the reading is done by
    ``matrixhell.generate``."""

    present: tuple[str, ...] = ()  # repo-relative files that exist (candidate entry files)
    build_script: str | None = None  # package.json ``scripts.build``
    package_name: str | None = None  # package.json ``name``
    gradle_plugins: tuple[str, ...] = ()  # application | org.springframework.boot
    project_name: str | None = None  # Gradle rootProject.name (else the directory's name)


class StepKind(enum.Enum):
    PACKAGES = "packages"  # install OS packages (args: names as requirements)
    USER_CREATE = "user-create"  # create the non-root user (args: name, uid)
    WORKDIR = "workdir"  # args: (path,)
    ENV = "env"  # args: KEY=VALUE pairs, already in final form
    COPY = "copy"  # args: sources..., destination; ``from_stage`` copies out of an earlier stage
    RUN = "run"  # args: (shell command,)
    LABEL = "label"  # args: KEY=VALUE pairs


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    args: tuple[str, ...]
    from_stage: str | None = None  # COPY --from
    comment: str | None = None  # one line rendered above the instruction: why the step is there
    lint_ignores: tuple[str, ...] = ()  # hadolint rules this step cannot satisfy; docs/generate.md says why


@dataclass(frozen=True, slots=True)
class Stage:
    name: str  # build | composer | runtime
    base: str  # image reference
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """A check that the service listens: exec form, run by the image's own runtime (no curl needed)."""

    test: tuple[str, ...]
    port: int
    interval_s: int = 30
    timeout_s: int = 5
    start_period_s: int = 15
    retries: int = 3


@dataclass(frozen=True, slots=True)
class ImageSpec:
    service: str
    context: str  # repo-relative build context ("." for the root)
    stages: tuple[Stage, ...]  # the last one is the image
    package_manager: str  # apt | apk
    distro: str
    release: str
    libc: str
    arch: str
    runtime: str | None
    runtime_version: str | None
    user: str
    uid: int
    workdir: str
    ports: tuple[tuple[int, str], ...] = ()  # (number, tcp|udp), sorted
    published: tuple[tuple[int, int], ...] = ()  # (container port, host port) from compose
    env: tuple[tuple[str, str], ...] = ()  # set in the image (not secrets: PATH, PYTHONUNBUFFERED ...)
    env_keys: tuple[str, ...] = ()  # variables the service reads; values come from the environment
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    healthcheck: HealthCheck | None = None
    labels: tuple[tuple[str, str], ...] = ()
    read_only_root: bool = True
    writable_paths: tuple[str, ...] = ("/tmp",)
    depends_on: tuple[str, ...] = ()
    cpu_request: str = "100m"
    cpu_limit: str = "500m"
    memory_request: str = "128Mi"
    memory_limit: str = "512Mi"
    findings: tuple[Finding, ...] = ()

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    @property
    def multi_stage(self) -> bool:
        return len(self.stages) > 1

    @property
    def base_image(self) -> str:
        return self.final.base

    def user_spec(self) -> str:
        """Numeric ``uid:gid``, so Kubernetes can verify runAsNonRoot without reading /etc/passwd."""
        return f"{self.uid}:{self.uid}"
