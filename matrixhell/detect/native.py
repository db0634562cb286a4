"""The OS libraries a service's language packages need: ``psycopg2`` -> ``libpq``, at run time and to build.

The scan states the need and whether the package's prebuilt binaries (manylinux wheels, npm prebuilds,
native gems) bundle the library; whether such a binary exists for the service's target is for the
analysis to decide.  Only packages the service runs or builds with count (main and build scope, direct
first, then those a lock file brings in); dev, test and optional packages do not.  A build-scope package
(a build-system requirement, Maven ``provided``) runs during the build only, so everything it needs is
needed at build time.

This runs on a finished ScanResult, after the scan proper: it reads no file, only the knowledge layer's
package -> system library map (matrixhell.knowledge.syslibs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from matrixhell.model import Ecosystem, NativeLibrary, PackageReq, ScanResult, Scope, Service, ServiceKind

__all__ = ["NeedsLookup", "native_libraries", "with_native_libraries"]


class _Needs(Protocol):
    @property
    def libraries(self) -> tuple[str, ...]: ...

    @property
    def wheel_bundles(self) -> tuple[str, ...]: ...

    @property
    def source(self) -> str: ...

    def build_libraries(self) -> tuple[str, ...]: ...


NeedsLookup = Callable[[Ecosystem, str], _Needs | None]

_SCOPES = (Scope.MAIN, Scope.BUILD)


def _default_lookup() -> NeedsLookup:
    from matrixhell.knowledge.syslibs import native_needs

    return native_needs


def _candidates(packages: tuple[PackageReq, ...]) -> list[PackageReq]:
    """Main/build packages, each name once: a main entry before a build one (it needs the run-time
    libraries too), a direct requirement before a lock file's transitive entry."""
    chosen: dict[tuple[Ecosystem, str], PackageReq] = {}
    ranked = sorted((p for p in packages if p.scope in _SCOPES), key=lambda p: (p.scope is Scope.BUILD, not p.direct))
    for p in ranked:
        chosen.setdefault((p.ecosystem, p.name.lower()), p)
    return list(chosen.values())


def native_libraries(service: Service, lookup: NeedsLookup | None = None) -> tuple[NativeLibrary, ...]:
    """Every (library, package, phase) the service's packages ask of the OS, in package order."""
    if service.kind is ServiceKind.EXTERNAL or not service.packages:
        return ()
    find = lookup or _default_lookup()
    out: list[NativeLibrary] = []
    for p in _candidates(service.packages):
        needs = find(p.ecosystem, p.name)
        if needs is None:
            continue
        bundled = set(needs.wheel_bundles)
        phases: tuple[tuple[str, tuple[str, ...]], ...] = (("run", needs.libraries), ("build", needs.build_libraries()))
        if p.scope is Scope.BUILD:  # a build requirement runs during the build only: all it needs is build-time
            phases = (("build", needs.build_libraries()),)
        for phase, libs in phases:
            out.extend(
                NativeLibrary(
                    library=lib,
                    needed_by=p.name,
                    phase=phase,
                    origin=p.origin,
                    source=needs.source,
                    bundled_in_wheel=lib in bundled,
                    ecosystem=p.ecosystem,
                )
                for lib in libs
            )
    return tuple(out)


def with_native_libraries(result: ScanResult, lookup: NeedsLookup | None = None) -> ScanResult:
    """*result* with ``native_libraries`` filled in for every built service."""
    find = lookup or _default_lookup()
    services = tuple(dataclasses.replace(s, native_libraries=native_libraries(s, find)) for s in result.services)
    return dataclasses.replace(result, services=services)
