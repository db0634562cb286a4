"""The runtime's own error type and exit codes (independent of matrixhell.errors)."""

from __future__ import annotations

__all__ = [
    "EXIT_CONFIG",
    "EXIT_CONTAINER_FAILED",
    "EXIT_NOT_FOUND",
    "EXIT_STATE",
    "EXIT_SYSTEM",
    "EXIT_USAGE",
    "RtError",
]

# Exit codes of the `matrixhell-runtime` command itself (documented in docs/runtime.md).
# `run` exits with the container's own status instead when the container ran.
EXIT_USAGE = 2  # bad command line
EXIT_CONFIG = 3  # config.json missing, malformed or invalid
EXIT_NOT_FOUND = 4  # no container with that id
EXIT_STATE = 5  # operation not allowed in the container's state (exists, running, ...)
EXIT_SYSTEM = 6  # a kernel or host operation failed (mount, namespace, cgroup, ...)
EXIT_CONTAINER_FAILED = 7  # the container process could not be started (exec failed, ...)


class RtError(Exception):
    """An error that names where it comes from: a config field path, a file, or an operation."""

    def __init__(self, where: str, message: str, code: int = EXIT_SYSTEM) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
        self.code = code

    def line(self) -> str:
        return f"matrixhell-runtime: error: {self.where}: {self.message}"
