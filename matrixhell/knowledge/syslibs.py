"""Package -> system library map: what a language package needs from the OS to build and to run.

Libraries are *logical* names (``libpq``, ``openssl``, ``libxml2``); a release turns them into its
real packages with :meth:`Release.library_packages` (``libpq`` -> ``libpq-dev`` / ``libpq5`` on
Debian, ``libpq-dev`` / ``libpq`` on Alpine).  The PyPI part is derived from Debian's python3-*
packages (scripts/regen_syslibs.py); npm, gem, Composer, Go, Cargo and NuGet entries are curated.

An entry says what the package needs when built from source, and what its prebuilt binaries
(manylinux wheels, npm prebuilds, native gems) bundle; whether such a binary fits a target is decided
elsewhere.  ``libraries`` are needed at run time too, unless a prebuilt binary bundles them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matrixhell.knowledge.catalog import read_data
from matrixhell.model.facts import Ecosystem

__all__ = ["NativeNeeds", "known_packages", "native_needs", "normalize_name"]


@dataclass(frozen=True, slots=True)
class NativeNeeds:
    """What one language package asks of the OS."""

    libraries: tuple[str, ...]  # logical libraries, linked or loaded at run time
    build_tools: tuple[str, ...]  # c-compiler | c++-compiler | make | pkg-config | python3 | rust ...
    wheel_bundles: tuple[str, ...]  # logical libraries its prebuilt binaries carry themselves
    source: str  # debian:python3-psycopg2 | curated
    build_only_libraries: tuple[str, ...] = ()  # headers needed to build, not linked at run time
    note: str | None = None

    @property
    def needs_compiler(self) -> bool:
        """Whether a build from source needs a C, C++, Fortran or Rust toolchain."""
        return any(t in _COMPILERS for t in self.build_tools)

    def build_libraries(self) -> tuple[str, ...]:
        """Every library whose -dev package a build from source installs."""
        return self.libraries + tuple(x for x in self.build_only_libraries if x not in self.libraries)

    def run_libraries(self, *, prebuilt: bool) -> tuple[str, ...]:
        """The libraries the OS must provide at run time: all of them for a source build, only those
        the prebuilt binary does not bundle when one is used."""
        if not prebuilt:
            return self.libraries
        return tuple(x for x in self.libraries if x not in self.wheel_bundles)


_COMPILERS = frozenset({"c-compiler", "c++-compiler", "fortran-compiler", "rust"})


def normalize_name(ecosystem: Ecosystem, name: str) -> str:
    """The key an ecosystem's package is stored under: PEP 503 for PyPI, lower case for npm/gem/Composer/
    Cargo; Go module paths and NuGet ids as written (NuGet ids compare case-insensitively, see below)."""
    if ecosystem is Ecosystem.PYPI:
        return re.sub(r"[-_.]+", "-", name).lower()
    if ecosystem in (Ecosystem.NPM, Ecosystem.GEM, Ecosystem.COMPOSER, Ecosystem.CARGO):
        return name.strip().lower()
    return name.strip()


@functools.cache
def _table() -> Mapping[str, Mapping[str, Mapping[str, Any]]]:
    doc = read_data("syslibs.json")
    eco: dict[str, dict[str, Mapping[str, Any]]] = doc["ecosystems"]
    if "nuget" in eco:
        eco["nuget"] = {k.lower(): v for k, v in eco["nuget"].items()}
    return eco


def native_needs(ecosystem: Ecosystem, name: str) -> NativeNeeds | None:
    """What *name* needs from the OS; None when the map has no entry (pure code, or unknown)."""
    key = normalize_name(ecosystem, name)
    if ecosystem is Ecosystem.NUGET:
        key = key.lower()
    table = _table().get(ecosystem.value, {})
    entry = table.get(key)
    if entry is None and ecosystem is Ecosystem.GEM:
        entry = table.get(key.replace("_", "-"))  # Debian's ruby-<gem> names spell _ as -
    if entry is None:
        return None
    return NativeNeeds(
        libraries=tuple(entry["libraries"]),
        build_tools=tuple(entry["build_tools"]),
        wheel_bundles=tuple(entry.get("wheel_bundles", ())),
        source=entry["source"],
        build_only_libraries=tuple(entry.get("build_only_libraries", ())),
        note=entry.get("note"),
    )


def known_packages(ecosystem: Ecosystem) -> tuple[str, ...]:
    """Every package name the map has an entry for in *ecosystem*, sorted."""
    return tuple(sorted(_table().get(ecosystem.value, {})))
