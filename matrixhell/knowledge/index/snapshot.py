"""An offline index snapshot: project versions, their files and Requires-Dist, from one JSON file.

The format (``format: 1``)::

    {"_provenance": {...}, "format": 1,
     "projects": {"flask": {"3.1.3": {"requires_python": ">=3.9",
                                      "files": ["flask-3.1.3-py3-none-any.whl",
                                                {"filename": "flask-3.1.3.tar.gz", "yanked": true}],
                                      "requires_dist": ["werkzeug>=3.1", ...]}}}}

A version's ``requires_python`` and ``yanked`` apply to each of its files that does not say its own.
A version without ``files`` gets one pure wheel ``name-version-py3-none-any.whl``, which keeps
hand-written test indexes short.  The same class, built with :meth:`SnapshotIndex.from_mapping`, is
the in-memory fake of :class:`MetadataProvider`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from matrixhell.errors import InputError
from matrixhell.knowledge.index.base import DistFile, ProjectVersion, normalize
from matrixhell.model.origin import Origin

__all__ = ["SnapshotIndex", "default_snapshot"]


def _bad(where: str, message: str) -> InputError:
    return InputError(
        f"{where}: {message}",
        origin=Origin(where),
        hint="regenerate the snapshot with scripts/regen_index_snapshot.py or fix the entry",
    )


def _files(name: str, version: str, entry: Mapping[str, Any], where: str) -> tuple[DistFile, ...]:
    rp = entry.get("requires_python")
    yanked = bool(entry.get("yanked", False))
    raw_files = entry.get("files")
    if raw_files is None:
        wheel_name = name.replace("-", "_")
        return (DistFile(f"{wheel_name}-{version}-py3-none-any.whl", rp, yanked),)
    out = []
    for f in raw_files:
        if isinstance(f, str):
            out.append(DistFile(f, rp, yanked))
        elif isinstance(f, Mapping) and isinstance(f.get("filename"), str):
            out.append(
                DistFile(
                    f["filename"],
                    f.get("requires_python", rp),
                    bool(f.get("yanked", yanked)),
                )
            )
        else:
            raise _bad(where, f"{name} {version}: a file entry must be a name or an object with filename")
    return tuple(out)


class SnapshotIndex:
    """A MetadataProvider over a parsed snapshot: no I/O after construction."""

    def __init__(
        self,
        versions: Mapping[str, tuple[ProjectVersion, ...]],
        requires: Mapping[tuple[str, Version], tuple[str, ...]],
        provenance: Mapping[str, Any] | None = None,
    ) -> None:
        self._versions = dict(versions)
        self._requires = dict(requires)
        self.provenance: Mapping[str, Any] = dict(provenance or {})

    @classmethod
    def from_mapping(
        cls, projects: Mapping[str, Mapping[str, Mapping[str, Any]]], *, where: str = "<snapshot>"
    ) -> SnapshotIndex:
        versions: dict[str, tuple[ProjectVersion, ...]] = {}
        requires: dict[tuple[str, Version], tuple[str, ...]] = {}
        for raw_name, by_version in projects.items():
            name = normalize(raw_name)
            if not isinstance(by_version, Mapping):
                raise _bad(where, f"project {raw_name!r} must map versions to entries")
            pvs = []
            for raw_version, entry in by_version.items():
                try:
                    version = Version(raw_version)
                except InvalidVersion as e:
                    raise _bad(where, f"{raw_name}: {raw_version!r} is not a PEP 440 version") from e
                if not isinstance(entry, Mapping):
                    raise _bad(where, f"{raw_name} {raw_version}: the entry must be an object")
                pvs.append(ProjectVersion(version, _files(name, raw_version, entry, where)))
                requires[(name, version)] = tuple(entry.get("requires_dist", ()))
            versions[name] = versions.get(name, ()) + tuple(pvs)
        return cls(versions, requires)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, where: str = "<snapshot>") -> SnapshotIndex:
        if data.get("format") != 1 or not isinstance(data.get("projects"), Mapping):
            raise _bad(where, "not a format-1 index snapshot (needs format: 1 and projects)")
        index = cls.from_mapping(data["projects"], where=where)
        index.provenance = dict(data.get("_provenance", {}))
        return index

    @classmethod
    def load(cls, path: str | Path) -> SnapshotIndex:
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except OSError as e:
            raise InputError(f"cannot read snapshot {p}: {e.strerror}", origin=Origin(str(p))) from e
        except json.JSONDecodeError as e:
            raise InputError(
                f"snapshot is not JSON: {e.msg}",
                origin=Origin(str(p), e.lineno, e.colno),
                hint="regenerate it with scripts/regen_index_snapshot.py",
            ) from e
        return cls.from_json(data, where=str(p))

    def projects(self) -> tuple[str, ...]:
        return tuple(sorted(self._versions))

    def project_versions(self, name: str) -> Sequence[ProjectVersion]:
        return self._versions.get(normalize(name), ())

    def dependencies(self, name: str, version: Version) -> Sequence[str]:
        return self._requires.get((normalize(name), version), ())


_DEFAULT: SnapshotIndex | None = None


def default_snapshot() -> SnapshotIndex:
    """The snapshot shipped as package data, covering the packages the example repos use."""
    global _DEFAULT
    if _DEFAULT is None:
        ref = resources.files("matrixhell.knowledge.index").joinpath("data/snapshot.json")
        _DEFAULT = SnapshotIndex.from_json(json.loads(ref.read_text(encoding="utf-8")), where=str(ref))
    return _DEFAULT
