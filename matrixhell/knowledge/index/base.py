"""The metadata-provider protocol the resolver reads through, and the values it hands back.

A provider answers two questions about a project: which versions exist (with their files, each
file's Requires-Python and yanked flag), and what one version requires (its Requires-Dist).  Names
are PEP 503-normalized on the way in, so ``Django`` and ``django`` are one project.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from packaging.utils import canonicalize_name
from packaging.version import Version

__all__ = ["DistFile", "MetadataProvider", "ProjectVersion", "normalize"]


def normalize(name: str) -> str:
    """PEP 503 normalized project name."""
    return str(canonicalize_name(name))


@dataclass(frozen=True, slots=True)
class DistFile:
    """One distribution file of a version: a wheel or an sdist."""

    filename: str
    requires_python: str | None = None
    yanked: bool = False
    url: str | None = None  # where the file lies, when the provider knows (simple index, find-links)
    has_metadata: bool = False  # PEP 658: the index serves ``url + ".metadata"``

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")


@dataclass(frozen=True, slots=True)
class ProjectVersion:
    """One released version of a project and the files it was released with."""

    version: Version
    files: tuple[DistFile, ...]

    @property
    def yanked(self) -> bool:
        """PEP 592: a version is yanked when every one of its files is."""
        return bool(self.files) and all(f.yanked for f in self.files)

    @property
    def has_sdist(self) -> bool:
        return any(not f.is_wheel for f in self.files)


@runtime_checkable
class MetadataProvider(Protocol):
    """Where the resolver learns about projects.  Implementations: SnapshotIndex (also the in-memory
    fake for tests), SimpleIndex (PEP 503/691 index, directory or URL), FindLinks (a folder of files)."""

    def project_versions(self, name: str) -> Sequence[ProjectVersion]:
        """Every known version of ``name`` (any order); empty when the project is unknown."""
        ...

    def dependencies(self, name: str, version: Version) -> Sequence[str]:
        """The Requires-Dist lines of ``name`` at ``version``, markers included, unevaluated."""
        ...
