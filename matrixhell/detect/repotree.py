"""RepoTree: what one walk of the repository saw (kept apart from discovery so a cached scan, which
needs the walk but not discovery, does not import it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["RepoTree"]


@dataclass(frozen=True, slots=True)
class RepoTree:
    """One walk of the repository: the files of every directory, after ignore rules."""

    files: Mapping[str, frozenset[str]]  # directory ('' = root) -> names of the files directly in it
    dirs: tuple[str, ...]  # every directory, sorted

    def has(self, directory: str, name: str) -> bool:
        return name in self.files.get(directory, frozenset())
