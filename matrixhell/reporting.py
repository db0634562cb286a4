"""Progress events go through a Reporter; every method has a no-op default (pip's / resolvelib's way)."""

from __future__ import annotations

__all__ = ["Reporter"]


class Reporter:
    def service_found(self, name: str, path: str, discovered_by: str) -> None:
        """A service was taken."""

    def directory_skipped(self, path: str, reason: str) -> None:
        """A directory that looked like a service was not taken (``--verbose`` shows why)."""

    def file_read(self, path: str) -> None:
        """A manifest file was read."""

    def step(self, message: str) -> None:
        """A long step started (resolution, rendering, building)."""
