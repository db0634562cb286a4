"""The resolver's vocabulary: requirements, candidates, and the per-target catalog of versions.

A catalog is built once per (project, target) and shared by every resolution for that target, so a
matrix of services resolves each project's versions, files and Requires-Python only once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as _PkgRequirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from matrixhell.knowledge.index.base import MetadataProvider, normalize
from matrixhell.resolution.target import ResolveTarget
from matrixhell.resolution.wheels import FileChoice, choose_file

__all__ = [
    "Candidate",
    "Catalog",
    "Entry",
    "Requirement",
    "identifier_of",
    "parse_requirement",
    "split_identifier",
]


def identifier_of(name: str, extras: frozenset[str]) -> str:
    return f"{name}[{','.join(sorted(extras))}]" if extras else name


def split_identifier(identifier: str) -> tuple[str, frozenset[str]]:
    name, _, rest = identifier.partition("[")
    return name, frozenset(rest.rstrip("]").split(",")) if rest else frozenset()


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement as the resolver sees it (markers already evaluated away)."""

    name: str  # normalized
    extras: frozenset[str]
    specifier: SpecifierSet
    marker: Marker | None = None

    @property
    def identifier(self) -> str:
        return identifier_of(self.name, self.extras)

    def __str__(self) -> str:
        return f"{self.identifier}{self.specifier}" if str(self.specifier) else self.identifier

    @property
    def exact_pins(self) -> frozenset[Version]:
        """Versions named by ``==`` / ``===`` without a wildcard: those may be yanked (PEP 592)."""
        out = set()
        for spec in self.specifier:
            if spec.operator in ("==", "===") and not spec.version.endswith(".*"):
                try:
                    out.add(Version(spec.version))
                except ValueError:
                    continue
        return frozenset(out)


@functools.lru_cache(maxsize=65536)
def parse_requirement(text: str) -> Requirement:
    """Parse a PEP 508 line; raises packaging's InvalidRequirement."""
    req = _PkgRequirement(text)
    if req.url:
        raise InvalidRequirement(f"{text!r}: direct URL requirements are not resolved from an index")
    return Requirement(
        normalize(req.name),
        frozenset(normalize(e) for e in req.extras),
        req.specifier,
        req.marker,
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    version: Version
    extras: frozenset[str]
    files: FileChoice

    @property
    def identifier(self) -> str:
        return identifier_of(self.name, self.extras)

    def __str__(self) -> str:
        return f"{self.identifier}=={self.version}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One version of a project on one target: its usable files, or why it cannot be used."""

    version: Version
    files: FileChoice  # non-yanked files usable on the target
    yanked_files: FileChoice  # the same, yanked files included (an exact pin may take them)
    yanked: bool
    excluded: str | None  # None when usable; else the reason, for explanations


class Catalog:
    """Per-target memo of versions, dependencies and marker results over one provider."""

    def __init__(self, provider: MetadataProvider, target: ResolveTarget) -> None:
        self.provider = provider
        self.target = target
        self._env = target.marker_environment()
        self._entries: dict[str, tuple[Entry, ...]] = {}
        self._all_pre: dict[str, bool] = {}
        self._deps: dict[tuple[str, Version], tuple[Requirement, ...]] = {}
        self._markers: dict[tuple[Marker, str], bool] = {}
        self.invalid: list[tuple[str, str, str]] = []  # (project==version, line, error)

    def entries(self, name: str) -> tuple[Entry, ...]:
        """Every version, newest first, with usability on the target."""
        cached = self._entries.get(name)
        if cached is not None:
            return cached
        out = []
        for pv in self.provider.project_versions(name):
            choice = choose_file(pv.files, self.target)
            with_yanked = (
                choose_file(pv.files, self.target, allow_yanked=True) if pv.yanked or not choice.usable else choice
            )
            excluded = None
            if not with_yanked.usable:
                excluded = self._why_unusable(pv.files)
            out.append(Entry(pv.version, choice, with_yanked, pv.yanked, excluded))
        out.sort(key=lambda e: e.version, reverse=True)
        result = tuple(out)
        self._entries[name] = result
        self._all_pre[name] = bool(result) and all(e.version.is_prerelease for e in result)
        return result

    def all_prereleases(self, name: str) -> bool:
        self.entries(name)
        return self._all_pre[name]

    def _why_unusable(self, files: Sequence[object]) -> str:
        from matrixhell.knowledge.index.base import DistFile
        from matrixhell.resolution.wheels import requires_python_ok

        dfs = [f for f in files if isinstance(f, DistFile)]
        if not dfs:
            return "has no files"
        rps = sorted(
            {
                f.requires_python
                for f in dfs
                if f.requires_python and not requires_python_ok(f.requires_python, self.target)
            }
        )
        if rps and all(not requires_python_ok(f.requires_python, self.target) for f in dfs):
            return f"requires Python {' or '.join(rps)}"
        return f"has no wheel for {self.target.python_short} on {self.target.platform} and no sdist"

    def marker_true(self, marker: Marker, extra: str = "") -> bool:
        key = (marker, extra)
        cached = self._markers.get(key)
        if cached is None:
            env = dict(self._env)
            env["extra"] = extra
            cached = marker.evaluate(env)
            self._markers[key] = cached
        return cached

    def dependencies(self, name: str, version: Version) -> tuple[Requirement, ...]:
        """Requires-Dist of ``name`` ``version``, parsed (markers kept for the extras step)."""
        key = (name, version)
        cached = self._deps.get(key)
        if cached is not None:
            return cached
        out = []
        for line in self.provider.dependencies(name, version):
            try:
                out.append(parse_requirement(line))
            except InvalidRequirement as e:
                # pip refuses such a distribution; we skip the line and keep it for the report.
                self.invalid.append((f"{name}=={version}", line, str(e)))
        result = tuple(out)
        self._deps[key] = result
        return result

    def applicable(self, name: str, version: Version, extras: frozenset[str]) -> list[Requirement]:
        """The requirements a candidate brings on the target: without extras, those whose marker
        holds with ``extra == ""``; with extras, those that hold only because of an extra."""
        out = []
        for req in self.dependencies(name, version):
            if req.marker is None:
                if not extras:
                    out.append(req)
                continue
            base = self.marker_true(req.marker)
            if not extras:
                if base:
                    out.append(req)
            elif not base and any(self.marker_true(req.marker, e) for e in sorted(extras)):
                out.append(req)
        return out
