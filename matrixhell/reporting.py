"""Progress events go through a Reporter; every method has a no-op default (pip's / resolvelib's way)."""

from __future__ import annotations

__all__ = ["RecordingReporter", "Reporter"]


class Reporter:
    def service_found(self, name: str, path: str, discovered_by: str) -> None:
        """A service was taken."""

    def directory_skipped(self, path: str, reason: str) -> None:
        """A directory that looked like a service was not taken (``--verbose`` shows why)."""

    def file_read(self, path: str) -> None:
        """A manifest file was read."""

    def step(self, message: str) -> None:
        """A long step started (resolution, rendering, building)."""


Event = tuple[str, tuple[object, ...]]  # (Reporter method, its arguments)


class RecordingReporter(Reporter):
    """Keeps every event as ``(method, args)`` and passes it on to ``inner``: the scan cache replays what it
    kept, so a cached scan reports the same progress again."""

    def __init__(self, inner: Reporter | None = None, events: list[Event] | None = None) -> None:
        self.inner = inner or Reporter()
        self.events: list[Event] = [] if events is None else events

    def service_found(self, name: str, path: str, discovered_by: str) -> None:
        self.events.append(("service_found", (name, path, discovered_by)))
        self.inner.service_found(name, path, discovered_by)

    def directory_skipped(self, path: str, reason: str) -> None:
        self.events.append(("directory_skipped", (path, reason)))
        self.inner.directory_skipped(path, reason)

    def file_read(self, path: str) -> None:
        self.events.append(("file_read", (path,)))
        self.inner.file_read(path)

    def step(self, message: str) -> None:
        self.events.append(("step", (message,)))
        self.inner.step(message)
