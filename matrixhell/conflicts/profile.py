"""A service's constraints, read once from its facts: the input of every rule and of the planner.

A :class:`Profile` says what a service asks of an environment: one runtime and the versions of it every
source agrees on, the Requires-Python of what it pins, a libc when it is committed to one (an Alpine
``FROM``, ``apk add``), the system libraries it needs (named packages from its Dockerfile, logical
libraries of its native packages), and its package pins.  From those and the catalog come its *slots*:
for each release, the runtime versions it can run there.  Two services can share an environment when
their slots meet on one release with one runtime version each and their pins overlap.

When nothing fits (a library no release ships with the wanted runtime), the planner still needs a
target: ``plan_slots`` relax the constraints in a fixed order and ``relaxed`` records what was dropped;
the rules report the real conflict from the unrelaxed facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from matrixhell.conflicts.knowledge import (
    ImageLike,
    Knowledge,
    LibraryPackagesLike,
    ReleaseLike,
    ResolveOutcome,
    release_key,
)
from matrixhell.conflicts.ranges import Interval, RangeSyntaxError, VersionRange, line_range
from matrixhell.model import (
    BaseImage,
    Ecosystem,
    Origin,
    PackageReq,
    RuntimeReq,
    Scope,
    Service,
    ServiceKind,
    SystemPackage,
)

__all__ = [
    "SHARED_INSTALL",
    "CatalogView",
    "Disagreement",
    "Exclusion",
    "LibNeed",
    "Pin",
    "Platform",
    "Profile",
    "SdistBuild",
    "Slots",
    "agreeing_lines",
    "build_profiles",
    "distro_image",
    "distro_release",
    "exact_version",
    "is_eol",
    "joint_pins",
    "joint_slots",
    "marker_holds",
    "pins_meet",
    "platform_of",
    "rank_release",
    "requirement_lines",
    "shared_lines",
    "spec_range",
]

Slots = Mapping[str, frozenset[str]]  # release key -> runtime version lines usable there
Platform = tuple[str, str]  # (libc, MAJOR.MINOR): glibc 2.31 | musl 1.2
Gap = tuple[str, str, str, Origin | None]  # (line, package, version, origin)

_MANAGER_OF_DISTRO = {"debian": "apt", "ubuntu": "apt", "alpine": "apk"}
# RPM-based distributions (Fedora, RHEL/UBI, openSUSE) are all glibc
_LIBC_OF_MANAGER = {"apt": "glibc", "apk": "musl", "dnf": "glibc", "yum": "glibc", "microdnf": "glibc",
                    "zypper": "glibc"}
_DISTRO_RANK = {"debian": 0, "ubuntu": 1, "alpine": 2}


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A runtime source whose word has no version in common with a better-ranked one."""

    kept: RuntimeReq  # the better-ranked source it contradicts
    dropped: RuntimeReq


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A pinned package's Requires-Python, set against the service's runtime range."""

    package: PackageReq
    version: str
    requires_python: str
    range: VersionRange
    against: VersionRange | None = None  # the range it meets: the declared one, or one narrowed before it


@dataclass(frozen=True, slots=True)
class LibNeed:
    """An OS-level need: a named package (``libssl1.1`` via apt) or a logical library (``pq``)."""

    name: str
    logical: bool
    manager: str | None  # apt | apk for a named package; None for a logical library
    phase: str  # build | run
    reason: str
    origin: Origin | None = None
    package: str | None = None  # the language package that brings it


@dataclass(frozen=True, slots=True)
class SdistBuild:
    """A pinned native package with no wheel for one release's libc: the image builds it from source."""

    package: str
    version: str
    line: str  # the runtime line judged (the newest the release offers the service)
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Pin:
    ecosystem: Ecosystem
    name: str
    range: VersionRange
    req: PackageReq

    @property
    def key(self) -> tuple[str, str]:
        return (self.ecosystem.value, self.name)

    @property
    def text(self) -> str:
        return f"=={self.req.locked}" if self.req.locked else (self.req.specifier or "*")

    @property
    def direct(self) -> bool:
        return self.req.direct


@dataclass(frozen=True)
class Profile:
    service: Service
    runtime: str | None
    sources: tuple[RuntimeReq, ...]  # the main runtime's sources that agree, best first
    declared: VersionRange  # what those sources allow together
    range: VersionRange  # declared, narrowed by the pinned packages' Requires-Python
    versions: tuple[str, ...]  # known release lines inside ``range``, newest first
    versions_known: bool  # False when the catalog knows no line of this runtime
    disagreements: tuple[Disagreement, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()  # Requires-Python with no version in common with declared
    narrowing: tuple[Exclusion, ...] = ()  # Requires-Python that narrowed declared
    resolve_failures: tuple[tuple[str, ResolveOutcome], ...] = ()  # lines the requirements fail on
    libc: str | None = None
    libc_origin: Origin | None = None
    libc_reason: str = ""
    lib_needs: tuple[LibNeed, ...] = ()
    pins: tuple[Pin, ...] = ()
    base_slots: Slots = field(default_factory=dict)  # every constraint but the system libraries
    slots: Slots = field(default_factory=dict)  # every constraint
    plan_slots: Slots = field(default_factory=dict)  # ``slots``, or relaxed ones when nothing fits
    relaxed: tuple[str, ...] = ()
    from_image: str | None = None  # the hand-written final FROM, when the catalog knows it
    # Pins per runtime line, only for a service whose pins carry markers (they differ by line);
    # ``pins`` is what they are on the newest line.
    pins_at: Mapping[str, tuple[Pin, ...]] = field(default_factory=dict)
    # Newest lines dropped because a pinned release has wheels for older lines only:
    # (line, package, version, origin) - numpy 1.26.4 has no wheel for CPython 3.13.
    wheel_gaps: tuple[tuple[str, str, str, Origin | None], ...] = ()
    # Per release key the service fits: the pinned native packages that build from the sdist there
    # (no wheel for that release's glibc / musl), judged on the newest line it has there.
    sdist_builds: Mapping[str, tuple[SdistBuild, ...]] = field(default_factory=dict)
    # The release of the service's own final FROM, when that base fits every need: sharing must not
    # move it, so ``plan_slots`` hold that release only and ``free_slots`` what they were before.
    # Without one, ``plan_slots`` keep only supported releases and runtime lines when it has any.
    home: str | None = None
    home_base: str | None = None  # the final FROM itself, when it is a plain distro image the plan keeps
    home_origin: Origin | None = None  # the FROM line
    free_slots: Slots = field(default_factory=dict)
    # Why the service needs no shared release at all (a static binary, a scratch or distroless final
    # image: no distro userland, libc or runtime of anyone else's), or None when it does.
    standalone: str | None = None

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def origin(self) -> Origin | None:
        return self.sources[0].origin if self.sources else None

    def pin(self, key: tuple[str, str]) -> Pin | None:
        for p in self.pins:
            if p.key == key:
                return p
        return None

    def pins_on(self, line: str | None) -> tuple[Pin, ...]:
        """The pins that hold on runtime ``line`` (markers evaluated there); ``pins`` when unknown."""
        if line is None:
            return self.pins
        return self.pins_at.get(line, self.pins)


def spec_range(spec: str) -> VersionRange:
    """The range of a specifier text; unreadable text allows any version (the detector reported it)."""
    try:
        return VersionRange.parse(spec)
    except RangeSyntaxError:
        return VersionRange.any()


def rank_release(release: ReleaseLike, today: date | None) -> tuple[int, int, tuple[int, ...], str]:
    """Sort key, best first: supported before end-of-life, Debian, Ubuntu, Alpine, newest first."""
    eol = 1 if today is not None and is_eol(release.eol, today) else 0
    try:
        ver = tuple(-p for p in Version(release.version).release)
    except InvalidVersion:
        ver = (0,)
    return (eol, _DISTRO_RANK.get(release.distro, 9), ver, release.name)


def is_eol(eol: object, today: date) -> bool:
    if isinstance(eol, date):
        return eol <= today
    if isinstance(eol, str) and len(eol) >= 10:
        try:
            return date.fromisoformat(eol[:10]) <= today
        except ValueError:
            return False
    return False


class CatalogView:
    """Cached catalog look-ups shared by every profile of one analysis."""

    def __init__(self, kn: Knowledge) -> None:
        self.kn = kn
        self.releases = tuple(sorted(kn.releases(), key=lambda r: rank_release(r, kn.today)))
        self._for = lru_cache(maxsize=None)(self._images_for)
        self._tracked: dict[tuple[str, str], bool] = {}
        self._lib_tracked: dict[str, bool] = {}
        self._libnames: frozenset[str] | None = None
        self._by_key = {release_key(r.distro, r.name): r for r in self.releases}
        self.memo: dict[tuple[object, ...], object] = {}  # answers rules ask again for every pair

    def release(self, key: str) -> ReleaseLike | None:
        return self._by_key.get(key)

    def best_image(self, runtime: str, version: str, release: ReleaseLike, prefer: str | None = None) -> str | None:
        """The base image for ``runtime`` ``version`` on ``release``: the hand-written one when it fits,
        else a slim variant, else the catalog's first; the release's own image when none is listed."""
        if prefer is not None and self._same_place(prefer, runtime, version, release):
            return prefer
        found = self.images(runtime, version, release)
        if not found:
            return distro_image(release) if self.available(runtime, version, release) else None
        if prefer is not None:
            # Stay in the family the user chose (dotnet/runtime, not dotnet/aspnet; php's apache flavour).
            info = self.kn.catalog.image(prefer)
            same = [i for i in found if info is not None and _family(i) == _family(info)]
            found = tuple(same) or found
        refs = [i.reference for i in found]
        slim = [i.reference for i in found if i.variant == "slim"]
        return slim[0] if slim else refs[0]

    def placement(self, reference: str) -> tuple[str, str] | None:
        """(release key, runtime line) of an image reference, the line as the known lines spell it."""
        info = self.kn.catalog.image(reference)
        if info is None or not info.runtime or not info.runtime_version:
            return None
        key = release_key(info.distro, info.release)
        for line in self.kn.runtime_versions.get(info.runtime, ()):
            if line == info.runtime_version or _line_has(line, info.runtime_version):
                return key, line
        return key, info.runtime_version

    def _same_place(self, reference: str, runtime: str, version: str, release: ReleaseLike) -> bool:
        """Whether a hand-written FROM (``node:20-alpine``) is that runtime line on that release."""
        info = self.kn.catalog.image(reference)
        if info is None or info.runtime != runtime or info.runtime_version is None:
            return False
        if (info.distro, info.release) != (release.distro, release.name):
            return False
        return info.runtime_version == version or _line_has(version, info.runtime_version)

    def _images_for(self, runtime: str, version: str) -> tuple[ImageLike, ...]:
        return tuple(self.kn.catalog.images_for(runtime, version))

    def images(self, runtime: str, version: str, release: ReleaseLike) -> tuple[ImageLike, ...]:
        return tuple(i for i in self._for(runtime, version) if i.distro == release.distro and i.release == release.name)

    def available(self, runtime: str, version: str, release: ReleaseLike) -> bool:
        if self.images(runtime, version, release):
            return True
        own = release.runtime_version(runtime)
        return own is not None and _line_has(version, own)

    def tracked(self, manager: str, name: str) -> bool:
        """Whether the catalog follows this package at all: an unknown name constrains nothing."""
        key = (manager, name)
        if key not in self._tracked:
            self._tracked[key] = any(r.has(name) for r in self.releases if _MANAGER_OF_DISTRO.get(r.distro) == manager)
        return self._tracked[key]

    def lib_packages(self, release: ReleaseLike, lib: str) -> LibraryPackagesLike | None:
        """The packages of a logical library on ``release``; None when it has none or nobody knows."""
        try:
            found = release.library_packages(lib)
        except KeyError:  # not a logical library the catalog knows
            return None
        return found if found is not None and (found.run or found.build) else None

    def lib_tracked(self, lib: str) -> bool:
        if lib not in self._lib_tracked:
            self._lib_tracked[lib] = any(self.lib_packages(r, lib) is not None for r in self.releases)
        return self._lib_tracked[lib]

    def satisfies(self, release: ReleaseLike, need: LibNeed) -> bool:
        if need.logical:
            return not self.lib_tracked(need.name) or self.lib_packages(release, need.name) is not None
        if need.manager is None or not self.tracked(need.manager, need.name):
            return True
        if _MANAGER_OF_DISTRO.get(release.distro) != need.manager:
            return False
        if release.has(need.name):
            return True
        if bool(getattr(release, "complete", True)):
            return False  # every package name of the release is known: it is not there
        # A curated release lists only some packages: curl, tini, ca-certificates are on every Ubuntu
        # though the curation never names them.  A name is absent there only when the curation
        # follows it (on another release of the distro), or when it is a library's package under
        # another distro's name (libjpeg62-turbo is Debian's, Ubuntu ships libjpeg-turbo8).
        return not (self._curated(release.distro, need.name) or need.name in self._library_names())

    def _curated(self, distro: str, name: str) -> bool:
        key = (f"distro:{distro}", name)
        if key not in self._tracked:
            self._tracked[key] = any(r.has(name) for r in self.releases if r.distro == distro)
        return self._tracked[key]

    def _library_names(self) -> frozenset[str]:
        """Every package name some release gives a logical library (run and build)."""
        if self._libnames is None:
            names: set[str] = set()
            for r in self.releases:
                libs = getattr(r, "libraries", ())
                for lib in libs() if callable(libs) else libs:
                    found = self.lib_packages(r, lib)
                    if found is not None:
                        names.update(found.run)
                        names.update(found.build)
            self._libnames = frozenset(names)
        return self._libnames


def _family(image: object) -> tuple[object, object]:
    """(repository, flavour) of an image: what a replacement for a hand-written FROM should keep."""
    return (getattr(image, "repository", None), getattr(image, "flavor", None))


def distro_image(release: ReleaseLike) -> str:
    """The plain image of a release, for a runtime the release packages itself."""
    tag = f"{release.name}-slim" if release.distro == "debian" else release.name
    return f"{release.distro}:{tag}"


def _below_line(line: str) -> VersionRange:
    """Every version before the release line: ``3.13`` -> ``<3.13``."""
    return VersionRange((Interval(None, False, line_range(line).intervals[0].lo, False),))


def _line_has(line: str, version: str) -> bool:
    try:
        return line_range(line).contains(version)
    except InvalidVersion:
        return False


def _marker_env(line: str) -> dict[str, str]:
    """A complete marker environment for CPython ``line`` on Linux: the host never leaks in."""
    full = line if line.count(".") >= 2 else f"{line}.0"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": "x86_64",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": full,
        "platform_python_implementation": "CPython",
        "python_version": ".".join(full.split(".")[:2]),
        "sys_platform": "linux",
        "extra": "",
    }


def marker_holds(marker: str | None, line: str | None) -> bool:
    """Whether ``marker`` is true for CPython ``line``; unknowable ones count as true."""
    if not marker:
        return True
    if line is None:
        return True
    try:
        return bool(Marker(marker).evaluate(_marker_env(line)))
    except (InvalidMarker, ValueError, KeyError):
        return True


def exact_version(p: PackageReq) -> str | None:
    """The one version a package is held to: its lock pin, or a lone ``==X`` specifier."""
    if p.locked:
        return p.locked
    try:
        specs = list(SpecifierSet(p.specifier))
    except InvalidSpecifier:
        return None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
        return specs[0].version
    return None


def _main_runtime(service: Service) -> str | None:
    name = service.runtime_name()
    if name:
        return name
    for p in service.packages:
        return p.ecosystem.runtime
    return None


def _runtime_sources(service: Service, runtime: str | None) -> tuple[RuntimeReq, ...]:
    return tuple(r for r in service.runtimes if r.runtime == runtime)


def _agree(
    sources: Sequence[RuntimeReq],
) -> tuple[tuple[RuntimeReq, ...], VersionRange, tuple[Disagreement, ...]]:
    used: list[RuntimeReq] = []
    combined = VersionRange.any()
    dropped: list[Disagreement] = []
    for src in sources:
        r = spec_range(src.spec)
        merged = combined.intersect(r)
        if merged.is_empty():
            partner = next((u for u in used if spec_range(u.spec).intersect(r).is_empty()), used[0])
            dropped.append(Disagreement(partner, src))
        else:
            used.append(src)
            combined = merged
    return tuple(used), combined, tuple(dropped)


# Ecosystems whose packages land in one place shared by every app of an environment.  npm's
# node_modules, Composer's vendor/, Go's and Cargo's module caches are per project (and RubyGems and
# NuGet keep several versions side by side), so two services may pin those apart and still share.
SHARED_INSTALL = frozenset({Ecosystem.PYPI})


def _pins(service: Service, line: str | None) -> tuple[Pin, ...]:
    by_key: dict[tuple[str, str], Pin] = {}
    for p in service.packages:
        if p.ecosystem not in SHARED_INSTALL or p.scope is not Scope.MAIN or p.url or p.editable:
            continue
        if not marker_holds(p.marker, line):
            continue
        rng = VersionRange.exactly(p.locked) if p.locked and _valid(p.locked) else spec_range(p.specifier)
        if rng.is_any():
            continue
        key = (p.ecosystem.value, p.name)
        old = by_key.get(key)
        if old is None:
            by_key[key] = Pin(p.ecosystem, p.name, rng, p)
        else:
            # A lock entry and a manifest line of one package: the lock is the tighter word.
            req = p if p.locked and not old.req.locked else old.req
            by_key[key] = Pin(p.ecosystem, p.name, old.range.intersect(rng), req)
    return tuple(by_key[k] for k in sorted(by_key))


def _valid(v: str) -> bool:
    try:
        Version(v)
    except InvalidVersion:
        return False
    return True


def _requires_python(
    service: Service, declared: VersionRange, lines: Sequence[str], kn: Knowledge
) -> tuple[tuple[Exclusion, ...], tuple[Exclusion, ...], VersionRange]:
    if kn.requires_python is None:
        return (), (), declared
    excl: list[Exclusion] = []
    narrow: list[Exclusion] = []
    rng = declared
    declared_lines = [v for v in lines if declared.allows_line(v)]
    seen: set[tuple[str, str]] = set()
    for p in service.packages:
        if p.ecosystem is not Ecosystem.PYPI or p.scope is not Scope.MAIN or p.url or p.editable:
            continue
        version = exact_version(p)
        if version is None or (p.name, version) in seen:
            continue
        seen.add((p.name, version))
        try:
            rp = kn.requires_python(p.name, version)
        except LookupError:
            continue
        if not rp:
            continue
        rp_range = spec_range(rp)
        if p.marker:
            applies = [v for v in declared_lines if marker_holds(p.marker, v)]
            if not applies:
                continue
            if not any(rp_range.allows_line(v) for v in applies):
                excl.append(Exclusion(p, version, rp, rp_range))
            continue
        item = Exclusion(p, version, rp, rp_range, declared)
        merged = rng.intersect(rp_range)
        if declared.intersect(rp_range).is_empty():
            excl.append(item)
        elif merged.is_empty():
            # Fine against what the service declares, but not beside what narrowed it already.
            excl.append(Exclusion(p, version, rp, rp_range, rng))
        elif merged != rng:
            narrow.append(item)
            rng = merged
    return tuple(excl), tuple(narrow), rng


def requirement_lines(service: Service) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The service's direct PyPI requirements as PEP 508 lines, and its locked versions as constraints."""
    reqs: set[str] = set()
    pins: set[str] = set()
    for pkg in service.packages:
        if pkg.ecosystem is not Ecosystem.PYPI or pkg.scope is not Scope.MAIN or pkg.url or pkg.editable:
            continue
        if pkg.locked:
            pins.add(f"{pkg.name}=={pkg.locked}")
        if not pkg.direct:
            continue
        extras = f"[{','.join(sorted(pkg.extras))}]" if pkg.extras else ""
        marker = f" ; {pkg.marker}" if pkg.marker else ""
        reqs.add(f"{pkg.name}{extras}{pkg.specifier}{marker}")
    return tuple(sorted(reqs)), tuple(sorted(pins))


def _resolve_lines(
    service: Service, lines: tuple[str, ...], libc: str | None, kn: Knowledge, libc_version: str | None = None
) -> tuple[tuple[str, ResolveOutcome], ...]:
    """Resolve at each line, newest first, until one works: the failures before it, with causes."""
    if kn.resolve is None or not lines:
        return ()
    reqs, constraints = requirement_lines(service)
    if not reqs:
        return ()
    origins = {p.name: p.origin for p in service.packages if p.ecosystem is Ecosystem.PYPI}
    failures: list[tuple[str, ResolveOutcome]] = []
    for line in lines:
        outcome = kn.resolve(reqs, constraints, line, libc or "glibc", origins, libc_version)
        if outcome.ok or not outcome.decided:
            break
        failures.append((line, outcome))
    return tuple(failures)


def _wheel_lines(
    service: Service, lines: tuple[str, ...], libc: str | None, kn: Knowledge, libc_version: str | None = None
) -> tuple[tuple[str, ...], tuple[tuple[str, str, str, Origin | None], ...]]:
    """Drop the newest lines on which a release the service holds to has no wheel while older lines
    have one (a pin older than the interpreter: it would build from source there, or not at all).

    Only a prefix of the newest lines is dropped, never every line, and only for a release that ships
    wheels at all: an sdist-only package is the same on every line.  Unknown packages say nothing.
    """
    if kn.has_wheel is None or len(lines) < 2:
        return lines, ()
    culprit: dict[str, tuple[str, str, Origin | None]] = {}  # line -> the first pin with no wheel there
    seen: set[tuple[str, str]] = set()
    for p in service.packages:
        if p.ecosystem is not Ecosystem.PYPI or p.scope is not Scope.MAIN or p.url or p.editable:
            continue
        version = exact_version(p)
        if version is None or (p.name, version) in seen:
            continue
        seen.add((p.name, version))
        usable = [line for line in lines if marker_holds(p.marker, line)]  # where the pin applies
        missing: list[str] = []
        for line in usable:
            found = kn.has_wheel(p.name, version, line, libc or "glibc", libc_version)
            if found is None:
                missing = []  # the index does not know it: no verdict
                break
            if found:
                break
            missing.append(line)
        else:
            missing = []  # no wheel on any line: an sdist-only release, the same everywhere
        for line in missing:
            culprit.setdefault(line, (p.name, version, p.origin))
    drop = 0
    while drop < len(lines) and lines[drop] in culprit:
        drop += 1
    if drop == 0 or drop >= len(lines):
        return lines, ()
    gaps = tuple((lines[j], *culprit[lines[j]]) for j in range(drop))
    return lines[drop:], gaps


def _libc(service: Service, kn: Knowledge) -> tuple[str | None, Origin | None, str, str | None]:
    """The libc a service is committed to: its final FROM's (when the catalog knows the image), else
    the one its OS package manager implies (apk: musl, apt: glibc); None when it is free."""
    finals = [b for b in service.base_images if b.final] or list(service.base_images[-1:])
    from_image: str | None = None
    for b in finals:
        info = kn.catalog.image(b.reference)
        if info is not None:
            from_image = info.reference
            if info.libc:
                return info.libc, b.origin, f"its Dockerfile builds FROM {b.reference}", from_image
    for sp in _final_stage_packages(service):
        libc = _LIBC_OF_MANAGER.get(sp.manager)
        if libc is not None:
            return libc, sp.origin, f"it installs {sp.name} with {sp.manager}", from_image
    return None, None, "", from_image


def _final_stage_packages(service: Service) -> tuple[SystemPackage, ...]:
    """The OS packages of what the service runs on: not those of a Dockerfile's earlier build stages
    (``apk add git`` in a ``golang:alpine`` builder says nothing of a binary shipped ``FROM scratch``)."""
    final = next((b for b in service.base_images if b.final), None)
    if final is None:
        return service.system_packages

    def in_final(sp: SystemPackage) -> bool:
        if sp.origin.path != final.origin.path:
            return True  # apt.txt, another file: not a stage of this Dockerfile
        return (sp.origin.line or 0) > (final.origin.line or 0)

    return tuple(sp for sp in service.system_packages if in_final(sp))


def _lib_needs(service: Service, kn: Knowledge) -> tuple[LibNeed, ...]:
    out: list[LibNeed] = []
    seen: set[tuple[bool, str]] = set()
    for sp in _final_stage_packages(service):
        if (False, sp.name) in seen:
            continue
        seen.add((False, sp.name))
        out.append(LibNeed(sp.name, False, sp.manager, sp.phase, sp.reason or f"installed via {sp.manager}", sp.origin))
    if kn.native_needs is not None:
        for p in service.packages:
            if p.scope is not Scope.MAIN:
                continue
            needs = kn.native_needs(p.ecosystem, p.name)
            if needs is None:
                continue
            bundled = set(needs.wheel_bundles)
            for lib in needs.libraries:
                if lib in bundled or (True, lib) in seen:
                    continue
                seen.add((True, lib))
                out.append(LibNeed(lib, True, None, "run", f"needed by {p.name}", p.origin, p.name))
    return tuple(out)


def _slots(
    images: CatalogView,
    runtime: str | None,
    lines: Sequence[str] | None,
    libc: str | None,
    needs: Iterable[LibNeed],
    own: tuple[str, str] | None = None,
    lines_at: Mapping[Platform, tuple[str, ...]] | None = None,
) -> dict[str, frozenset[str]]:
    """Release key -> the runtime lines usable there; ``own`` is the (release, line) of the service's
    hand-written FROM, usable whether or not the catalog's image table lists it; ``lines_at`` narrows
    ``lines`` per libc platform (what installs on glibc 2.31 may not be what installs on 2.41)."""
    needs = tuple(needs)
    out: dict[str, frozenset[str]] = {}
    for r in images.releases:
        if libc is not None and r.libc != libc:
            continue
        if not all(images.satisfies(r, n) for n in needs):
            continue
        if runtime is None or lines is None:
            out[release_key(r.distro, r.name)] = frozenset()
            continue
        key = release_key(r.distro, r.name)
        here = lines if lines_at is None else lines_at.get(platform_of(r), lines)
        vs = frozenset(v for v in here if images.available(runtime, v, r) or own == (key, v))
        if vs:
            out[release_key(r.distro, r.name)] = vs
    return out


def build_profiles(services: Iterable[Service], kn: Knowledge, view: CatalogView | None = None) -> tuple[Profile, ...]:
    """One profile per built service, sorted by name (external, image-only services have none)."""
    images = view if view is not None else CatalogView(kn)
    built = sorted((s for s in services if s.kind is ServiceKind.BUILT), key=lambda s: s.name)
    return tuple(_profile(s, kn, images) for s in built)


def _rolling_or_pinned(lines: tuple[str, ...], declared: VersionRange) -> tuple[str, ...]:
    """A rolling line (rust's ``1``: whatever stable is newest) or the lines under it (``1.79``), never
    both.  The rolling tag is the newest line under it, so it serves a range that admits that newest
    line and it is dropped for one that does not: a pinned toolchain (``==1.79.*``) plans on its own
    line, which the end-of-life preference may not trade for the rolling tag.  A range that admits the
    newest keeps the rolling line alone, as before the table knew the minors."""
    out = list(lines)
    for line in lines:
        under = [v for v in lines if v.startswith(f"{line}.")]
        if not under:
            continue
        newest = max(under, key=lambda v: tuple(int(x) if x.isdigit() else -1 for x in v.split(".")))
        drop = set(under) if declared.allows_line(newest) else {line}
        out = [v for v in out if v not in drop]
    return tuple(out)


def _profile(service: Service, kn: Knowledge, images: CatalogView) -> Profile:
    runtime = _main_runtime(service)
    used, declared, disagreements = _agree(_runtime_sources(service, runtime))
    all_lines = _rolling_or_pinned(tuple(kn.runtime_versions.get(runtime, ())) if runtime else (), declared)
    known = bool(all_lines)
    libc, libc_origin, libc_reason, from_image = _libc(service, kn)
    own = _own_place(images, from_image, runtime, declared)
    if own is not None and own[1] not in all_lines:
        # The image the user builds FROM exists even when the catalog's table no longer lists its
        # line (php:7.4-apache-bullseye): the line is a place this service can run.
        all_lines = _newest_first((*all_lines, own[1]))
    exclusions, narrowing, rng = _requires_python(service, declared, all_lines, kn)
    lines = tuple(v for v in all_lines if rng.allows_line(v))
    failures: tuple[tuple[str, ResolveOutcome], ...] = ()
    gaps: tuple[tuple[str, str, str, Origin | None], ...] = ()
    lines_at: dict[Platform, tuple[str, ...]] = {}
    if runtime == "python" and not exclusions:
        # Installability is judged per libc platform of the candidate releases (a manylinux_2_34 wheel
        # fits bookworm's glibc 2.36, not bullseye's 2.31); the profile's own range and lines are
        # those of the most capable platform, the others narrow their releases' slots.
        platforms = _platforms(images, runtime, lines, libc, own)
        start, start_rng = lines, rng
        for i, plat in enumerate(platforms or [(libc or "glibc", None)]):
            plat_lines, plat_rng, plat_failures, plat_gaps = _installable(service, start, start_rng, plat, kn, i == 0)
            if i == 0:
                lines, rng, failures, gaps = plat_lines, plat_rng, plat_failures, plat_gaps
            if plat[1] is not None:
                # Never wider than the profile's own lines: the range the rules speak of holds everywhere.
                lines_at[(plat[0], plat[1])] = tuple(v for v in plat_lines if v in lines)
    declared_lines = tuple(v for v in all_lines if declared.allows_line(v))
    needs = _lib_needs(service, kn)
    pins = _pins(service, lines[0] if lines else (declared_lines[0] if declared_lines else None))
    pins_at: dict[str, tuple[Pin, ...]] = {}
    if any(pk.marker for pk in service.packages if pk.ecosystem in SHARED_INSTALL):
        pins_at = {v: _pins(service, v) for v in lines}
    version_lines: tuple[str, ...] | None = lines if known else None
    at = lines_at if known and lines_at else None
    base = _slots(images, runtime, version_lines, libc, (), own, at)
    full = _slots(images, runtime, version_lines, libc, needs, own, at)
    plan: Slots = full
    relaxed: tuple[str, ...] = ()
    if not full:
        plan, relaxed = _relax(images, runtime, known, all_lines, declared_lines, libc, needs, used, own)
    sdist = _sdist_builds(service, plan, images, kn) if runtime == "python" else {}
    standalone = _standalone(service, runtime, needs)
    home, home_base, home_origin = (None, None, None) if standalone else _home(service, images, full, runtime)
    free = plan
    if home is not None and home in plan:
        plan = {home: plan[home]}
    elif not relaxed:
        plan = _supported_only(plan, images, runtime if known else None)
    return Profile(
        service=service,
        runtime=runtime,
        sources=used,
        declared=declared,
        range=rng,
        versions=lines,
        versions_known=known,
        disagreements=disagreements,
        exclusions=exclusions,
        resolve_failures=failures,
        narrowing=narrowing,
        libc=libc,
        libc_origin=libc_origin,
        libc_reason=libc_reason,
        lib_needs=needs,
        pins=pins,
        pins_at=pins_at,
        wheel_gaps=gaps,
        base_slots=base,
        slots=full,
        plan_slots=plan,
        relaxed=relaxed,
        from_image=from_image,
        sdist_builds=sdist,
        home=home,
        home_base=home_base,
        home_origin=home_origin,
        free_slots=free,
        standalone=standalone,
    )


# Final images with no distro userland: what runs there is a static binary (or brings its own world).
_NO_USERLAND = ("scratch",)
_NO_USERLAND_PARTS = ("distroless/", "chainguard/static")
# Runtimes whose catalog images are build images: the program ships as a binary on a plain OS image.
_COMPILED = frozenset({"go", "rust"})


def _supported_only(slots: Slots, images: CatalogView, runtime: str | None) -> Slots:
    """The slots on a supported release with a supported runtime line, when there are any: sharing
    must not put a service on a release or line past its end of life that it could avoid alone."""
    kn = images.kn
    today = kn.today
    if today is None:
        return slots
    out: dict[str, frozenset[str]] = {}
    for key, lines in slots.items():
        r = images.release(key)
        if r is None or is_eol(r.eol, today):
            continue
        if runtime is None or not lines:
            out[key] = lines
            continue
        keep = frozenset(v for v in lines if kn.runtime_supported(runtime, v) is not False)
        if keep:
            out[key] = keep
    return out or slots


def _final_base(service: Service) -> BaseImage | None:
    finals = [b for b in service.base_images if b.final] or list(service.base_images[-1:])
    return finals[0] if finals else None


def _standalone(service: Service, runtime: str | None, needs: Sequence[LibNeed]) -> str | None:
    """Why a service shares no release with anyone, or None.

    A final image of ``scratch`` or a distroless image carries no distro userland: the binary in it is
    static (or the image brings its own libc), so no release, libc or package set is shared.  A Go
    service with no Dockerfile and no C library to link is built with CGO off: a static binary too.
    Rust links glibc unless it is built for musl, which only a scratch or distroless final image shows.
    """
    final = _final_base(service)
    if final is not None:
        repo = (final.repository or final.reference.split("@", 1)[0].rsplit(":", 1)[0]).lower()
        if repo in _NO_USERLAND:
            return f"its final image is {final.reference} ({final.origin}): a static binary, no distro userland"
        if any(part in repo for part in _NO_USERLAND_PARTS):
            return f"its final image is {final.reference} ({final.origin}), with no distro userland to share"
        return None
    if runtime == "go" and not needs:
        return "a Go binary with no C library to link is built with CGO off: statically linked"
    return None


def _home(
    service: Service, images: CatalogView, slots: Slots, runtime: str | None
) -> tuple[str | None, str | None, Origin | None]:
    """(release key, plain base kept, FROM origin) of the service's own final FROM when it fits every
    need of the service there: its release has what it installs, its runtime line is allowed."""
    final = _final_base(service)
    if final is None:
        return None, None, None
    info = images.kn.catalog.image(final.reference)
    if info is not None:
        placed = images.placement(final.reference)
        if placed is None:
            return None, None, None
        key, line = placed
        if key not in slots or (info.runtime == runtime and slots[key] and line not in slots[key]):
            return None, None, None  # a real conflict moves it: its release or line does not fit
        return key, None, final.origin
    plain = distro_release(final.reference, images.releases)
    if plain is None or plain not in slots:
        return None, None, None
    kept: str | None = final.reference if runtime is None or runtime in _COMPILED else None
    return plain, kept, final.origin


def distro_release(reference: str, releases: Iterable[ReleaseLike]) -> str | None:
    """The release key of a plain distro image (``debian:bookworm-slim``, ``ubuntu:24.04``,
    ``alpine:3.20``, ``docker.io/library/debian:12``); None for anything else or a moving tag."""
    name = reference.strip().split("@", 1)[0]
    if ":" not in name.rsplit("/", 1)[-1]:
        return None  # "debian" alone is whatever latest means today
    repo, tag = name.rsplit(":", 1)
    repo = repo.lower()
    for prefix in ("docker.io/library/", "index.docker.io/library/", "library/"):
        if repo.startswith(prefix):
            repo = repo[len(prefix) :]
    tokens = [t for t in tag.lower().split("-") if t and t != "slim"]
    if len(tokens) != 1:
        return None
    tok = tokens[0]
    for r in releases:
        if r.distro != repo:
            continue
        names = {r.name.lower(), str(r.version).lower(), str(getattr(r, "codename", "") or "").lower()}
        if tok in names:
            return release_key(r.distro, r.name)
    return None


def platform_of(release: ReleaseLike) -> Platform:
    """(libc, MAJOR.MINOR) of a release: what decides the manylinux / musllinux tags it takes."""
    return release.libc, ".".join(release.libc_version.split(".")[:2])


def _level(version: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in (version or "").split(".") if p.isdigit())


def _platforms(
    images: CatalogView, runtime: str, lines: tuple[str, ...], libc: str | None, own: tuple[str, str] | None
) -> list[tuple[str, str | None]]:
    """The libc platforms of the releases this service could run on, the most capable first: glibc
    before musl (unless committed to musl), newest libc first."""
    found: set[Platform] = set()
    for r in images.releases:
        if libc is not None and r.libc != libc:
            continue
        key = release_key(r.distro, r.name)
        if any(images.available(runtime, v, r) or own == (key, v) for v in lines):
            found.add(platform_of(r))
    order = sorted(found, key=lambda pl: (pl[0] != (libc or "glibc"), [-n for n in _level(pl[1])], pl[0]))
    return [(lc, v) for lc, v in order]


def _installable(
    service: Service,
    lines: tuple[str, ...],
    rng: VersionRange,
    plat: tuple[str, str | None],
    kn: Knowledge,
    primary: bool = True,
) -> tuple[tuple[str, ...], VersionRange, tuple[tuple[str, ResolveOutcome], ...], tuple[Gap, ...]]:
    """The lines the requirements install on at one libc platform, with the failures and wheel gaps
    that narrowed them."""
    libc, version = plat
    failures = _resolve_lines(service, lines, libc, kn, version)
    failed = {line for line, _o in failures}
    if failed and not primary:
        # Another platform than the profile's own: what fails to install there is simply not a slot
        # there (onlywheel 2.0 ships one manylinux_2_34 wheel: nothing of it installs on glibc 2.31).
        lines = tuple(v for v in lines if v not in failed)
    elif failed and len(failed) < len(lines):
        # Installable on some lines only (a wheel missing for the newest Python): narrow to those.
        # The failures are the newest lines (the search stops at the first success): cap below them.
        lines = tuple(v for v in lines if v not in failed)
        rng = rng.intersect(_below_line(failures[-1][0]))
    lines, gaps = _wheel_lines(service, lines, libc, kn, version)
    if gaps:
        rng = rng.intersect(_below_line(gaps[-1][0]))
    return lines, rng, failures, gaps


def _sdist_builds(
    service: Service, slots: Slots, images: CatalogView, kn: Knowledge
) -> dict[str, tuple[SdistBuild, ...]]:
    """Per release the service fits: its pinned native packages with no wheel there, which the image
    must build from the sdist (with the -dev packages and a compiler) on the newest line it has."""
    if kn.has_wheel is None or kn.native_needs is None:
        return {}
    native: list[tuple[PackageReq, str]] = []
    seen: set[tuple[str, str]] = set()
    for p in service.packages:
        if p.ecosystem is not Ecosystem.PYPI or p.scope is not Scope.MAIN or p.url or p.editable:
            continue
        version = exact_version(p)
        needs = kn.native_needs(p.ecosystem, p.name)
        if version is None or needs is None or not (needs.libraries or needs.build_tools):
            continue
        if (p.name, version) not in seen:
            seen.add((p.name, version))
            native.append((p, version))
    out: dict[str, tuple[SdistBuild, ...]] = {}
    if not native:
        return out
    for key in sorted(slots):
        release = images.release(key)
        if release is None or not slots[key]:
            continue
        line = _newest_first(slots[key])[0]
        builds = tuple(
            SdistBuild(p.name, version, line, (p.locked_origin or p.origin) if p.locked else p.origin)
            for p, version in native
            if marker_holds(p.marker, line)
            and kn.has_wheel(p.name, version, line, release.libc, release.libc_version) is False
        )
        if builds:
            out[key] = builds
    return out


def _own_place(
    images: CatalogView, from_image: str | None, runtime: str | None, declared: VersionRange
) -> tuple[str, str] | None:
    """(release key, line) of the hand-written final FROM, when it is this runtime at a line the
    service's sources allow."""
    if from_image is None or runtime is None:
        return None
    info = images.kn.catalog.image(from_image)
    placed = images.placement(from_image)
    if info is None or placed is None or info.runtime != runtime:
        return None
    try:
        ok = declared.allows_line(placed[1])
    except InvalidVersion:
        return None
    return placed if ok else None


def _newest_first(lines: Iterable[str]) -> tuple[str, ...]:
    def key(v: str) -> Version:
        try:
            return Version(v)
        except InvalidVersion:
            return Version("0")

    return tuple(sorted(set(lines), key=key, reverse=True))


def _relax(
    images: CatalogView,
    runtime: str | None,
    known: bool,
    all_lines: tuple[str, ...],
    declared_lines: tuple[str, ...],
    libc: str | None,
    needs: tuple[LibNeed, ...],
    used: tuple[RuntimeReq, ...],
    own: tuple[str, str] | None = None,
) -> tuple[dict[str, frozenset[str]], tuple[str, ...]]:
    """Drop constraints one at a time, in a fixed order, until some release fits."""
    if not known:
        steps: list[tuple[str, tuple[str, ...] | None, str | None, tuple[LibNeed, ...]]] = [
            ("system-libraries", None, libc, ()),
            ("libc", None, None, ()),
        ]
    else:
        winner = tuple(v for v in all_lines if used and spec_range(used[0].spec).allows_line(v))
        steps = [
            ("requires-python", declared_lines, libc, needs),
            ("system-libraries", declared_lines, libc, ()),
            ("libc", declared_lines, None, ()),
            ("runtime-range", winner, None, ()),
            ("runtime-version", _nearest(all_lines, used, images.kn, runtime), None, ()),
        ]
    dropped: list[str] = []
    for name, lines, lc, nd in steps:
        dropped.append(name)
        slots = _slots(images, runtime, lines, lc, nd, own)
        if slots:
            return slots, tuple(dropped)
    return {}, tuple(dropped)


def _nearest(
    lines: tuple[str, ...], used: tuple[RuntimeReq, ...], kn: Knowledge | None = None, runtime: str | None = None
) -> tuple[str, ...]:
    """The known lines closest to what the best source asks: the oldest supported one above it (node
    12 -> node 22 when 14 to 20 are past their end of life; the oldest above when none is supported
    or nobody dates them), else the newest below it, else every line."""
    if not used or not lines:
        return lines
    wanted = spec_range(used[0].spec)
    lo = wanted.intervals[0].lo if wanted.intervals else None
    if lo is None:
        return lines
    ordered = sorted(lines, key=lambda v: Version(v))
    above = [v for v in ordered if Version(v) >= lo]
    if kn is not None and runtime is not None:
        above = [v for v in above if kn.runtime_supported(runtime, v) is not False] or above
    return (above[0],) if above else (ordered[-1],)


def joint_slots(profiles: Sequence[Profile], *, which: str = "plan_slots") -> dict[str, dict[str, frozenset[str]]]:
    """Where every profile can run at once: release key -> runtime -> the versions all its users accept.

    ``which`` picks the slots compared: ``plan_slots`` (the planner's), ``slots`` or ``base_slots``.
    """
    if not profiles:
        return {}
    maps = [getattr(p, which) for p in profiles]
    common = set(maps[0])
    for m in maps[1:]:
        common &= set(m)
    out: dict[str, dict[str, frozenset[str]]] = {}
    for key in sorted(common):
        per_runtime: dict[str, frozenset[str]] = {}
        ok = True
        for p, m in zip(profiles, maps, strict=True):
            if p.runtime is None or not p.versions_known:
                continue
            have = per_runtime.get(p.runtime)
            vs = m[key] if have is None else have & m[key]
            if not vs:
                ok = False
                break
            per_runtime[p.runtime] = vs
        if ok:
            out[key] = per_runtime
    return out


def _point(r: VersionRange) -> Version | None:
    if len(r.intervals) == 1:
        iv = r.intervals[0]
        if iv.lo is not None and iv.lo == iv.hi:
            return iv.lo
    return None


def shared_lines(profiles: Sequence[Profile], runtime: str = "python") -> tuple[str, ...]:
    """The ``runtime`` lines every profile of that runtime can use on one release together, newest
    first; empty when they never meet."""
    found: set[str] = set()
    for per_runtime in joint_slots(profiles).values():
        found |= per_runtime.get(runtime, frozenset())
    return _newest_first(found)


def pins_meet(profiles: Sequence[Profile], line: str | None) -> bool:
    """Whether the directly required pins of ``profiles`` overlap on runtime ``line``."""
    return not any(any(pin.direct for pin in pins) for _key, pins in joint_pins(profiles, line))


def agreeing_lines(profiles: Sequence[Profile], runtime: str = "python") -> tuple[str, ...] | None:
    """The shared lines on which the profiles' pins overlap: None when no profile's pins depend on
    the line (every shared line is as good as another)."""
    if not any(p.pins_at for p in profiles):
        return None
    return tuple(v for v in shared_lines(profiles, runtime) if pins_meet(profiles, v))


def joint_pins(profiles: Sequence[Profile], line: str | None = None) -> list[tuple[tuple[str, str], list[Pin]]]:
    """Packages pinned by several of ``profiles`` with no version in common across them, with the
    pins that hold on runtime ``line`` (markers evaluated there) when it is given."""
    by_key: dict[tuple[str, str], list[Pin]] = {}
    for p in profiles:
        for pin in p.pins_on(line):
            by_key.setdefault(pin.key, []).append(pin)
    bad: list[tuple[tuple[str, str], list[Pin]]] = []
    for key in sorted(by_key):
        pins = by_key[key]
        if len(pins) < 2:
            continue
        points = {_point(pin.range) for pin in pins}
        if None not in points:
            # Every side an exact pin (the usual lock-file case): they meet only if all are equal.
            if len(points) > 1:
                bad.append((key, pins))
            continue
        rng = VersionRange.any()
        for pin in pins:
            rng = rng.intersect(pin.range)
        if rng.is_empty():
            bad.append((key, pins))
    return bad
