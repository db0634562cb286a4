"""The distro catalog: releases, their runtimes, libc and the real package names of each library.

Loaded once from the package data (``data/*.json``, see docs/knowledge.md for where each file came
from).  Debian releases are derived from the archive's Packages files; Ubuntu and Alpine are curated.

    >>> cat = load_catalog()
    >>> cat.release("debian", "trixie").library_packages("openssl").run
    ('libssl3t64',)
"""

from __future__ import annotations

import functools
import json
import lzma
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from matrixhell.knowledge.deb822 import version_satisfies
from matrixhell.knowledge.images import ImageInfo, ImageTable
from matrixhell.model.analysis import Target

__all__ = [
    "Catalog",
    "ImageInfo",
    "LibraryPackages",
    "Release",
    "load_catalog",
    "read_data",
]

# Other spellings a caller may use for a runtime.
_RUNTIME_ALIASES = {"python3": "python", "nodejs": "node", "golang": "go", "jdk": "java", "jre": "java"}


@dataclass(frozen=True, slots=True)
class LibraryPackages:
    """A logical library as one release's packages: what to install to build, what to keep to run."""

    build: tuple[str, ...]
    run: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.build or self.run)


class _NameSet:
    """Every package name of one Debian release, read from debian-names.json.xz on first use: most
    questions are about the packages debian.json keeps, and decompressing the list costs ~0.1 s."""

    def __init__(self, release: str) -> None:
        self._release = release
        self._names: frozenset[str] | None = None

    def __contains__(self, name: object) -> bool:
        if self._names is None:
            self._names = frozenset(_all_debian_names()[self._release].split("\n"))
        return name in self._names


@functools.cache
def _all_debian_names() -> dict[str, str]:
    names: dict[str, str] = read_data("debian-names.json.xz")["releases"]
    return names


@dataclass(frozen=True, slots=True)
class _Package:
    version: str | None
    source: str | None = None
    provides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Release:
    """One distro release as the catalog knows it."""

    distro: str  # debian | ubuntu | alpine
    name: str  # bookworm | 22.04 | 3.19
    version: str  # 12 | 22.04 | 3.19
    libc: str  # glibc | musl
    libc_version: str
    eol: str | None
    ssl: str  # the run-time libssl package: libssl1.1 | libssl3 | libssl3t64
    openssl_version: str
    codename: str | None = None  # bookworm | jammy | None
    complete: bool = False  # True when every package name of the release is known (Debian)
    _packages: Mapping[str, _Package] = field(default_factory=dict, repr=False, compare=False)
    _providers: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    _libraries: Mapping[str, LibraryPackages] = field(default_factory=dict, repr=False, compare=False)
    _runtimes: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    _tools: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    _known_libraries: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    _all_names: _NameSet | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.distro} {self.name}"

    @property
    def manager(self) -> str:
        """The package manager: ``apt`` or ``apk``."""
        return "apk" if self.distro == "alpine" else "apt"

    def package_version(self, name: str) -> str | None:
        """The version of package *name*, or of the real package that Provides it; None if absent."""
        pkg = self._packages.get(name)
        if pkg is not None:
            return pkg.version
        for provider in self._providers.get(name, ()):
            return self._packages[provider].version
        return None

    def providers(self, name: str) -> tuple[str, ...]:
        """The real packages that satisfy *name*: itself when it exists, else those providing it."""
        if name in self._packages:
            return (name,)
        provided = self._providers.get(name, ())
        if provided:
            return provided
        if self._all_names is not None and name in self._all_names:
            return (name,)
        return ()

    def has(self, name: str) -> bool:
        """Whether *name* can be installed on this release (a real package or a Provides)."""
        return bool(self.providers(name))

    def satisfies(self, name: str, op: str | None = None, version: str | None = None) -> bool | None:
        """Whether the release can install *name* at a version satisfying ``op version`` (a Debian
        relation: << <= = >= >>); None when it has the package but the catalog keeps no version."""
        if not self.has(name):
            return False
        if op is None or version is None:
            return True
        have = self.package_version(name)
        if have is None:
            return None
        return version_satisfies(have, op, version)

    def runtime_version(self, runtime: str) -> str | None:
        """The distro's own version of a runtime (``python`` -> ``3.11.2``), None if not packaged."""
        return self._runtimes.get(_RUNTIME_ALIASES.get(runtime, runtime))

    def library_packages(self, library: str) -> LibraryPackages:
        """The packages of a logical library here; empty when this release has none.

        Raises KeyError for a name that is no logical library at all (see data/libraries.json).
        """
        if library not in self._known_libraries:
            raise KeyError(f"unknown logical library {library!r}")
        return self._libraries.get(library, LibraryPackages((), ()))

    def tool_packages(self, tool: str) -> tuple[str, ...]:
        """Packages that provide a build tool (``c-compiler`` -> ``gcc``, ``libc6-dev``)."""
        return self._tools.get(tool, ())

    @property
    def libraries(self) -> tuple[str, ...]:
        """The logical libraries this release has packages for."""
        return tuple(sorted(self._libraries))

    def target(
        self,
        *,
        arch: str = "x86_64",
        runtime: str | None = None,
        runtime_version: str | None = None,
        base_image: str | None = None,
    ) -> Target:
        """This release as a model Target."""
        return Target(
            distro=self.distro,
            release=self.name,
            libc=self.libc,
            libc_version=self.libc_version,
            arch=arch,
            runtime=runtime,
            runtime_version=runtime_version,
            base_image=base_image,
            ssl=self.ssl,
        )


class Catalog:
    """Every release and image family the package data describes."""

    def __init__(self, releases: Iterable[Release], images: Mapping[str, Any]) -> None:
        self.releases: tuple[Release, ...] = tuple(releases)
        self._by_key = {(r.distro, r.name): r for r in self.releases}
        for r in self.releases:
            if r.codename:
                self._by_key.setdefault((r.distro, r.codename), r)
        self._images = ImageTable(images, {(r.distro, r.name): r.libc for r in self.releases})

    def release(self, distro: str, name: str) -> Release:
        """``release("debian", "bookworm")``, ``("ubuntu", "22.04")`` or ``("ubuntu", "jammy")``."""
        try:
            return self._by_key[(distro.lower(), name.lower())]
        except KeyError:
            raise KeyError(f"unknown release {distro} {name}") from None

    def releases_of(self, distro: str) -> tuple[Release, ...]:
        return tuple(r for r in self.releases if r.distro == distro)

    def image(self, reference: str) -> ImageInfo | None:
        """What an official image reference runs on; None for an image the table does not know."""
        return self._images.parse(reference)

    def images_for(self, runtime: str, version: str) -> tuple[ImageInfo, ...]:
        """Official images that ship *runtime* at *version* (``"3.11"``), best first."""
        return self._images.candidates(_RUNTIME_ALIASES.get(runtime, runtime), version)

    def release_of(self, image: ImageInfo) -> Release | None:
        return self._by_key.get((image.distro, image.release))


# ------------------------------------------------------------------------------------------ loading


def read_data(name: str) -> dict[str, Any]:
    """One package data file (``debian.json``, ``debian-names.json.xz``), parsed."""
    blob = resources.files("matrixhell.knowledge").joinpath("data", name).read_bytes()
    if name.endswith(".xz"):
        blob = lzma.decompress(blob)
    doc: dict[str, Any] = json.loads(blob)
    return doc


def _build_release(
    rec: Mapping[str, Any],
    libraries: Mapping[str, Any],
    tools: Mapping[str, Any],
    all_names: _NameSet | None,
) -> Release:
    distro = rec["distro"]
    packages: dict[str, _Package] = {
        name: _Package(p.get("version"), p.get("source"), tuple(p.get("provides", ())))
        for name, p in rec["packages"].items()
    }
    libs: dict[str, LibraryPackages] = {}
    if distro == "debian":
        for lib, v in rec["libraries"].items():
            libs[lib] = LibraryPackages(tuple(v["build"]), tuple(v["run"]))
        tool_map = {t: tuple(p) for t, p in rec.get("tools", {}).items()}
    elif distro == "ubuntu":
        for lib, spec in libraries.items():
            over = rec["libraries"].get(lib, {})
            build = over.get("build") or [i[0] if isinstance(i, list) else i for i in spec["debian_build"]]
            run = over.get("run", [])
            if build or run:
                libs[lib] = LibraryPackages(tuple(build), tuple(run))
        tool_map = {t: tuple(s["debian"]) for t, s in tools.items()}
    else:
        for lib, spec in libraries.items():
            over = rec["libraries"].get(lib, {})
            build = over.get("build", spec["alpine"]["build"])
            run = over.get("run", spec["alpine"]["run"])
            if build or run:
                libs[lib] = LibraryPackages(tuple(build), tuple(run))
        tool_map = {t: tuple(s["alpine"]) for t, s in tools.items()}
    if distro != "debian":
        # Curated releases know the names their library and tool tables give, without versions.
        for pkgs in libs.values():
            for n in (*pkgs.build, *pkgs.run):
                packages.setdefault(n, _Package(None))
        for names in tool_map.values():
            for n in names:
                packages.setdefault(n, _Package(None))
    providers: dict[str, list[str]] = {}
    for name, pkg in sorted(packages.items()):
        for virtual in pkg.provides:
            if virtual not in packages:
                providers.setdefault(virtual, []).append(name)
    return Release(
        distro=distro,
        name=rec["name"],
        version=rec["version"],
        libc=rec["libc"],
        libc_version=rec["libc_version"],
        eol=rec.get("eol"),
        ssl=rec["ssl"],
        openssl_version=rec["openssl_version"],
        codename=rec.get("codename"),
        complete=all_names is not None,
        _packages=packages,
        _providers={k: tuple(v) for k, v in providers.items()},
        _libraries=libs,
        _runtimes=dict(rec["runtimes"]),
        _tools=tool_map,
        _known_libraries=frozenset(libraries),
        _all_names=all_names,
    )


@functools.cache
def load_catalog() -> Catalog:
    """The catalog from the package data, read once per process."""
    curated = read_data("libraries.json")
    releases: list[Release] = []
    for fname in ("debian.json", "ubuntu.json", "alpine.json"):
        for rec in read_data(fname)["releases"]:
            all_names = _NameSet(rec["name"]) if rec["distro"] == "debian" else None
            releases.append(_build_release(rec, curated["libraries"], curated["tools"], all_names))
    return Catalog(releases, read_data("images.json"))
