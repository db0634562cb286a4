"""Small hand-built knowledge for the analyzer tests: a few releases, images and native packages.

The facts mirror the real world closely enough to read naturally (bullseye ships libssl1.1 and
python 3.9, bookworm libssl3 and 3.11, trixie libssl3t64 providing libssl3), but they are fixed
here so every test states its own world.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from matrixhell.conflicts import Knowledge, Profile, ResolveOutcome, RuleContext
from matrixhell.model import (
    BaseImage,
    Conflict,
    Ecosystem,
    Origin,
    PackageReq,
    RuntimeReq,
    Service,
    SystemPackage,
)


@dataclass(frozen=True)
class FakeLibPackages:
    build: tuple[str, ...]
    run: tuple[str, ...]


@dataclass(frozen=True)
class FakeRelease:
    distro: str
    name: str
    version: str
    libc: str
    libc_version: str
    ssl: str
    python: str | None
    packages: frozenset[str] = frozenset()
    libs: dict[str, FakeLibPackages] = field(default_factory=dict, hash=False)
    eol: str | None = None
    node: str | None = None
    complete: bool = True  # False: a curated release that lists only some of its packages

    @property
    def libraries(self) -> tuple[str, ...]:
        return tuple(self.libs)

    def has(self, name: str) -> bool:
        return name in self.packages

    def runtime_version(self, runtime: str) -> str | None:
        return {"python": self.python, "node": self.node}.get(runtime)

    def library_packages(self, logical_lib: str) -> FakeLibPackages:
        # As the real catalog: empty when the release lacks it, KeyError for no such library.
        if logical_lib not in {"openssl", "libpq", "libffi", "libjpeg", "libxml2"}:
            raise KeyError(logical_lib)
        return self.libs.get(logical_lib, FakeLibPackages((), ()))

    def package_version(self, name: str) -> str | None:
        return "1" if name in self.packages else None


@dataclass(frozen=True)
class FakeImage:
    reference: str
    repository: str
    tag: str
    distro: str
    release: str
    libc: str
    runtime: str | None
    runtime_version: str | None
    variant: str | None


def _deb_libs(ssl: str, pq: str = "libpq5") -> dict[str, FakeLibPackages]:
    return {
        "openssl": FakeLibPackages(("libssl-dev",), (ssl,)),
        "libpq": FakeLibPackages(("libpq-dev",), (pq,)),
        "libffi": FakeLibPackages(("libffi-dev",), ("libffi8",)),
        "libjpeg": FakeLibPackages(("libjpeg62-turbo-dev",), ("libjpeg62-turbo",)),
    }


BULLSEYE = FakeRelease(
    "debian",
    "bullseye",
    "11",
    "glibc",
    "2.31",
    "libssl1.1",
    "3.9.2",
    frozenset({"libssl1.1", "libpq5", "libpq-dev", "libjpeg62-turbo", "gcc", "ca-certificates"}),
    _deb_libs("libssl1.1"),
    eol="2026-08-31",
    node="12.22.12",
)
BOOKWORM = FakeRelease(
    "debian",
    "bookworm",
    "12",
    "glibc",
    "2.36",
    "libssl3",
    "3.11.2",
    frozenset({"libssl3", "libpq5", "libpq-dev", "libjpeg62-turbo", "gcc", "ca-certificates"}),
    _deb_libs("libssl3"),
    eol="2028-06-30",
    node="18.19.0",
)
TRIXIE = FakeRelease(
    "debian",
    "trixie",
    "13",
    "glibc",
    "2.41",
    "libssl3t64",
    "3.13.5",
    frozenset({"libssl3t64", "libssl3", "libpq5", "libpq-dev", "libjpeg62-turbo", "gcc", "ca-certificates"}),
    _deb_libs("libssl3t64"),
    eol="2030-06-30",
    node="20.19.2",
)
ALPINE = FakeRelease(
    "alpine",
    "3.19",
    "3.19",
    "musl",
    "1.2.4",
    "libssl3",
    "3.11.10",
    frozenset({"libssl3", "libpq", "postgresql-dev", "gcc", "musl-dev", "libc6-compat"}),
    {
        "openssl": FakeLibPackages(("openssl-dev",), ("libssl3",)),
        "libpq": FakeLibPackages(("postgresql-dev",), ("libpq",)),
    },
    eol="2025-11-01",
    node="20.15.1",
)

PYTHON_IMAGES = {
    "bullseye": ("3.8", "3.9", "3.10", "3.11", "3.12"),
    "bookworm": ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13"),
    "trixie": ("3.9", "3.10", "3.11", "3.12", "3.13"),
}


def _images() -> tuple[FakeImage, ...]:
    out: list[FakeImage] = []
    for release, versions in PYTHON_IMAGES.items():
        for v in versions:
            out.append(
                FakeImage(
                    f"python:{v}-{release}",
                    "python",
                    f"{v}-{release}",
                    "debian",
                    release,
                    "glibc",
                    "python",
                    v,
                    None,
                )
            )
            out.append(
                FakeImage(
                    f"python:{v}-slim-{release}",
                    "python",
                    f"{v}-slim-{release}",
                    "debian",
                    release,
                    "glibc",
                    "python",
                    v,
                    "slim",
                )
            )
    for v in ("3.8", "3.11", "3.12"):
        out.append(
            FakeImage(
                f"python:{v}-alpine3.19",
                "python",
                f"{v}-alpine3.19",
                "alpine",
                "3.19",
                "musl",
                "python",
                v,
                "alpine",
            )
        )
    for v, rel in (("18", "bookworm"), ("20", "bookworm"), ("22", "bookworm"), ("22", "trixie")):
        out.append(
            FakeImage(f"node:{v}-{rel}-slim", "node", f"{v}-{rel}-slim", "debian", rel, "glibc", "node", v, "slim")
        )
    for v in ("18", "20", "22"):
        out.append(FakeImage(f"node:{v}-alpine", "node", f"{v}-alpine", "alpine", "3.19", "musl", "node", v, "alpine"))
    return tuple(out)


_ALIASES = {
    "python:3.11-slim": "python:3.11-slim-bookworm",
    "python:3.12-slim": "python:3.12-slim-bookworm",
    "node:20-alpine": "node:20-alpine",
}


class FakeCatalog:
    def __init__(
        self,
        releases: Sequence[FakeRelease] = (BULLSEYE, BOOKWORM, TRIXIE, ALPINE),
        images: Sequence[FakeImage] | None = None,
    ) -> None:
        self.releases = tuple(releases)
        names = {(r.distro, r.name) for r in self.releases}
        self._images = tuple(i for i in (images if images is not None else _images()) if (i.distro, i.release) in names)

    def image(self, reference: str) -> FakeImage | None:
        ref = _ALIASES.get(reference, reference)
        return next((i for i in self._images if i.reference == ref), None)

    def images_for(self, runtime: str, version: str) -> tuple[FakeImage, ...]:
        return tuple(i for i in self._images if i.runtime == runtime and i.runtime_version == version)


@dataclass(frozen=True)
class FakeNeeds:
    libraries: tuple[str, ...]
    build_tools: tuple[str, ...] = ("gcc",)
    wheel_bundles: tuple[str, ...] = ()
    source: str = "test"


NATIVE = {
    "psycopg2": FakeNeeds(("libpq",)),
    "psycopg2-binary": FakeNeeds(("libpq",), wheel_bundles=("libpq", "openssl")),
    "cryptography": FakeNeeds(("openssl",), wheel_bundles=("openssl",)),
    "lxml": FakeNeeds(("libxml2",)),
}

# (name, version) -> Requires-Python
REQUIRES_PYTHON = {
    ("django", "5.0.6"): ">=3.10",
    ("django", "4.2.13"): ">=3.8",
    ("django", "3.2.25"): ">=3.6",
    ("pandas", "2.2.2"): ">=3.9",
    ("pandas", "2.0.3"): ">=3.8",
    ("numpy", "2.0.0"): ">=3.9",
    ("flask", "2.0.3"): ">=3.6",
    ("psycopg2", "2.9.9"): ">=3.7",
    ("psycopg2-binary", "2.9.9"): ">=3.7",
    ("psycopg2-binary", "2.8.6"): ">=3.6",
}

# wheels on musl: (name, version, python) -> bool
MUSL_WHEELS = {("psycopg2-binary", "2.9.9"): True, ("psycopg2", "2.9.9"): False, ("lxml", "5.2.2"): False}


def requires_python(name: str, version: str) -> str | None:
    try:
        return REQUIRES_PYTHON[(name, version)]
    except KeyError:
        raise LookupError(name) from None


def versions_of(name: str) -> list[tuple[str, str | None]]:
    return [(v, rp) for (n, v), rp in REQUIRES_PYTHON.items() if n == name]


def has_wheel(name: str, version: str, python: str, libc: str, libc_version: str | None = None) -> bool | None:
    if libc == "glibc":
        return True
    return MUSL_WHEELS.get((name, version))


def native_needs(ecosystem: Ecosystem, name: str) -> FakeNeeds | None:
    return NATIVE.get(name) if ecosystem is Ecosystem.PYPI else None


RUNTIME_LINES = {
    "python": ("3.13", "3.12", "3.11", "3.10", "3.9", "3.8"),
    "node": ("22", "20", "18"),
}


def knowledge(catalog: FakeCatalog | None = None, **overrides: object) -> Knowledge:
    from datetime import date

    args: dict[str, object] = {
        "catalog": catalog or FakeCatalog(),
        "runtime_versions": RUNTIME_LINES,
        "native_needs": native_needs,
        "requires_python": requires_python,
        "versions_of": versions_of,
        "has_wheel": has_wheel,
        "today": date(2026, 12, 1),
    }
    args.update(overrides)
    return Knowledge(**args)  # type: ignore[arg-type]


def failing_resolver(bad: str) -> Callable[[tuple[str, ...], tuple[str, ...], str, str, object], ResolveOutcome]:
    """A resolver that fails whenever ``bad`` is among the requirements."""
    from matrixhell.model import Cause

    def resolve(
        reqs: tuple[str, ...],
        constraints: tuple[str, ...],
        python: str,
        libc: str,
        origins: object,
        libc_version: str | None = None,
    ) -> ResolveOutcome:
        if any(r.startswith(bad) for r in reqs):
            causes = (
                Cause(bad, "requires", "urllib3>=2", None),
                Cause("constraints", "requires", "urllib3<2", None),
            )
            return ResolveOutcome(False, causes=causes, message=f"{bad} and the constraints disagree on urllib3")
        return ResolveOutcome(True, pins={})

    return resolve


# ---- services -------------------------------------------------------------------------------------


def rt(
    spec: str,
    source: str = "python-version-file",
    path: str = "x/.python-version",
    line: int = 1,
    runtime: str = "python",
    raw: str | None = None,
    precedence: int = 50,
) -> RuntimeReq:
    return RuntimeReq(runtime, spec, raw if raw is not None else spec, source, Origin(path, line), precedence)


def pkg(
    name: str,
    locked: str | None = None,
    specifier: str = "",
    *,
    path: str = "x/requirements.txt",
    line: int = 1,
    marker: str | None = None,
    direct: bool = True,
    ecosystem: Ecosystem = Ecosystem.PYPI,
) -> PackageReq:
    return PackageReq(ecosystem, name, specifier, Origin(path, line), locked=locked, marker=marker, direct=direct)


def apt(
    name: str, path: str = "x/Dockerfile", line: int = 3, manager: str = "apt", phase: str = "run"
) -> SystemPackage:
    return SystemPackage(name, manager, phase, Origin(path, line), f"installed by {path}")


def frm(ref: str, path: str = "x/Dockerfile") -> BaseImage:
    return BaseImage(ref, Origin(path, 1), final=True)


def svc(
    name: str,
    *,
    runtimes: Sequence[RuntimeReq] = (),
    packages: Sequence[PackageReq] = (),
    system: Sequence[SystemPackage] = (),
    base: Sequence[BaseImage] = (),
) -> Service:
    return Service(
        name=name,
        path=name,
        runtimes=tuple(runtimes),
        packages=tuple(packages),
        system_packages=tuple(system),
        base_images=tuple(base),
    )


def run(
    services: Sequence[Service], kn: Knowledge | None = None
) -> tuple[tuple[Profile, ...], tuple[Conflict, ...], RuleContext]:
    """Profiles, conflicts and the rule context for ``services`` in the fake world."""
    from matrixhell.conflicts import build_profiles, find_conflicts, make_context

    kn = kn or knowledge()
    profiles = build_profiles(services, kn)
    ctx = make_context(profiles, kn)
    return profiles, find_conflicts(ctx), ctx


def kinds(conflicts: Sequence[Conflict]) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((c.kind, c.subjects) for c in conflicts)


def of_kind(conflicts: Sequence[Conflict], kind: str) -> list[Conflict]:
    return [c for c in conflicts if c.kind == kind]
