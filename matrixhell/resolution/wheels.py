"""Which file of a version installs on a target: the best compatible wheel, else the sdist.

A compatible binary wheel means nothing has to be built, so no build-time system packages are
needed (psycopg2-binary needs no libpq-dev); an sdist-only choice means the build needs them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from matrixhell.knowledge.index.base import DistFile, MetadataProvider, ProjectVersion
from matrixhell.resolution.target import ResolveTarget

__all__ = ["FileChoice", "WheelChoice", "choose_file", "requires_python_ok", "wheel_for"]


@dataclass(frozen=True, slots=True)
class WheelChoice:
    filename: str
    tag: str  # the matching tag, e.g. cp311-cp311-manylinux_2_17_x86_64
    manylinux: bool
    musllinux: bool
    pure: bool  # py3-none-any: no compiled code at all


@dataclass(frozen=True, slots=True)
class FileChoice:
    """What a version offers on a target: the wheel to install, or only an sdist to build."""

    wheel: WheelChoice | None
    sdist: str | None

    @property
    def usable(self) -> bool:
        return self.wheel is not None or self.sdist is not None


@functools.lru_cache(maxsize=65536)
def _wheel_tags(filename: str) -> frozenset[Tag] | None:
    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return None


@functools.lru_cache(maxsize=16384)
def _specifier(text: str) -> SpecifierSet | None:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None  # pip ignores a malformed Requires-Python too rather than failing the resolve


@functools.lru_cache(maxsize=65536)
def _rp_ok(requires_python: str, python: str) -> bool:
    spec = _specifier(requires_python)
    return spec is None or spec.contains(python, prereleases=True)


def requires_python_ok(requires_python: str | None, target: ResolveTarget) -> bool:
    return requires_python is None or _rp_ok(requires_python, target.python_full_version)


def _choice(filename: str, tag: Tag) -> WheelChoice:
    return WheelChoice(
        filename=filename,
        tag=str(tag),
        manylinux=tag.platform.startswith("manylinux"),
        musllinux=tag.platform.startswith("musllinux"),
        pure=tag.platform == "any" and tag.abi == "none",
    )


def choose_file(files: Sequence[DistFile], target: ResolveTarget, *, allow_yanked: bool = False) -> FileChoice:
    """The best wheel for ``target`` among ``files`` (lowest tag rank), and whether an sdist exists.

    Files whose Requires-Python excludes the target's Python do not count, nor do yanked ones unless
    ``allow_yanked`` (PEP 592: an exact ``==`` pin may still take a yanked file).
    """
    ranks = target.supported_tags()
    best: tuple[int, str, Tag] | None = None
    sdist: str | None = None
    for f in files:
        if (f.yanked and not allow_yanked) or not requires_python_ok(f.requires_python, target):
            continue
        if not f.is_wheel:
            if sdist is None:
                sdist = f.filename
            continue
        file_tags = _wheel_tags(f.filename)
        if not file_tags:
            continue
        for tag in file_tags:
            rank = ranks.get(tag)
            if rank is not None and (best is None or (rank, f.filename) < best[:2]):
                best = (rank, f.filename, tag)
    return FileChoice(_choice(best[1], best[2]) if best else None, sdist)


def wheel_for(
    provider: MetadataProvider, name: str, version: str | Version, target: ResolveTarget
) -> WheelChoice | None:
    """The best compatible wheel of ``name`` ``version`` for ``target``, or None (sdist only / none)."""
    wanted = version if isinstance(version, Version) else Version(version)
    pv: ProjectVersion | None = next((p for p in provider.project_versions(name) if p.version == wanted), None)
    if pv is None:
        return None
    return choose_file(pv.files, target, allow_yanked=True).wheel
