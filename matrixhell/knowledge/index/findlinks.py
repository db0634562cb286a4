"""A local find-links folder: wheels and sdists side by side, metadata read from the files themselves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from matrixhell.errors import InputError
from matrixhell.knowledge.index.base import DistFile, ProjectVersion, normalize
from matrixhell.knowledge.index.metadata import CoreMetadata, read_dist_metadata
from matrixhell.model.origin import Origin

__all__ = ["FindLinks"]

_SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz")


def _parse_filename(filename: str) -> tuple[str, Version] | None:
    try:
        if filename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
            return str(name), version
        if filename.endswith(_SDIST_SUFFIXES):
            name, version = parse_sdist_filename(filename)
            return str(name), version
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None  # not a distribution file: a find-links folder may hold anything else too
    return None


class FindLinks:
    """Every wheel and sdist directly inside ``folder`` (pip's ``--find-links DIR``).

    File names give project and version; Requires-Python and Requires-Dist come from each file's own
    METADATA / PKG-INFO, read once, lazily, per project.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise InputError(
                f"find-links folder {self.folder} does not exist",
                origin=Origin(str(self.folder)),
                hint="pass a directory holding .whl / .tar.gz files",
            )
        self._by_project: dict[str, dict[Version, list[Path]]] = defaultdict(lambda: defaultdict(list))
        for entry in sorted(self.folder.iterdir()):
            parsed = _parse_filename(entry.name)
            if parsed is not None and entry.is_file():
                name, version = parsed
                self._by_project[normalize(name)][version].append(entry)
        self._meta: dict[Path, CoreMetadata] = {}
        self._versions: dict[str, tuple[ProjectVersion, ...]] = {}

    def _metadata(self, path: Path) -> CoreMetadata:
        meta = self._meta.get(path)
        if meta is None:
            meta = read_dist_metadata(path)
            self._meta[path] = meta
        return meta

    def project_versions(self, name: str) -> Sequence[ProjectVersion]:
        key = normalize(name)
        cached = self._versions.get(key)
        if cached is not None:
            return cached
        out = []
        for version, paths in self._by_project.get(key, {}).items():
            files = tuple(
                DistFile(
                    filename=p.name,
                    requires_python=self._metadata(p).requires_python,
                    url=p.as_uri(),
                )
                for p in paths
            )
            out.append(ProjectVersion(version, files))
        result = tuple(out)
        self._versions[key] = result
        return result

    def dependencies(self, name: str, version: Version) -> Sequence[str]:
        paths = self._by_project.get(normalize(name), {}).get(version)
        if not paths:
            return ()
        # Prefer a wheel's METADATA: an old sdist's PKG-INFO may not list Requires-Dist at all.
        paths = sorted(paths, key=lambda p: not p.name.endswith(".whl"))
        return self._metadata(paths[0]).requires_dist
