"""Several providers seen as one (``--index-url`` plus ``--find-links``), the way pip merges sources."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from packaging.version import Version

from matrixhell.knowledge.index.base import DistFile, MetadataProvider, ProjectVersion

__all__ = ["ChainProvider"]


class ChainProvider:
    """Versions are the union over the providers; a version's files are merged, and its
    dependencies come from the first provider that has the version."""

    def __init__(self, providers: Sequence[MetadataProvider]) -> None:
        self.providers = tuple(providers)

    def project_versions(self, name: str) -> Sequence[ProjectVersion]:
        merged: dict[Version, list[DistFile]] = {}
        for provider in self.providers:
            for pv in provider.project_versions(name):
                seen = {f.filename for f in merged.setdefault(pv.version, [])}
                merged[pv.version].extend(f for f in pv.files if f.filename not in seen)
        return tuple(ProjectVersion(v, tuple(fs)) for v, fs in merged.items())

    def prefetch(self, names: Iterable[str]) -> None:
        wanted = list(names)
        for provider in self.providers:
            prefetch = getattr(provider, "prefetch", None)
            if prefetch is not None:
                prefetch(wanted)

    def dependencies(self, name: str, version: Version) -> Sequence[str]:
        for provider in self.providers:
            if any(pv.version == version for pv in provider.project_versions(name)):
                return provider.dependencies(name, version)
        return ()
