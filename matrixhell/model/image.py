"""The build plan for one service's image: what the templates render and what an image builder executes.

An :class:`ImageSpec` is a list of stages, each a base image and an ordered list of steps.  Every value
in it is final: package names carry their pins, commands are already shell-quoted, paths are absolute
inside the image.  ``render`` turns it into a Dockerfile, an OCI image config, compose and Kubernetes
entries; a builder can run the same steps without reading the Dockerfile back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from matrixhell.model.finding import Finding

__all__ = [
    "HealthCheck",
    "ImageSpec",
    "PinnedPackage",
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

    def requirement(self) -> str:
        """``name=version`` (apt and apk share the syntax) or the bare name."""
        return f"{self.name}={self.version}" if self.version else self.name


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

    def version_of(self, name: str) -> str | None:
        for n, v in self.known_versions:
            if n == name:
                return v
        return None


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
