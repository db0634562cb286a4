"""The one user-facing error base and the exit codes.

Every error a user can cause carries a kebab-case ``code``, a one-line ``message``, the ``origin`` it
points at (file and line, when known) and a ``hint`` that says what to do.  Exceptions become exit codes
in one place: :func:`exit_code_for`.  The CLI is the only layer that turns them into text and exits.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matrixhell.model.origin import Origin

__all__ = [
    "ConfigError",
    "ExitCode",
    "InputError",
    "MatrixhellError",
    "ResolutionError",
    "RuntimeFailure",
    "UsageError",
    "exit_code_for",
]


class ExitCode(enum.IntEnum):
    """Process exit codes; docs/exit-codes.md documents each one."""

    OK = 0
    FINDINGS = 1  # the command worked and found error-severity conflicts or stale specs
    USAGE = 2  # bad command line
    INPUT = 3  # bad input the tool cannot go on without (a path that is not a repo, a bad config)
    RESOLUTION = 4  # requirements that cannot be resolved
    RUNTIME = 5  # a container operation failed
    INTERNAL = 70  # a bug: please report it


class MatrixhellError(Exception):
    """Base of every error meant for a user."""

    code: str = "error"
    exit_code: ExitCode = ExitCode.INPUT

    def __init__(
        self,
        message: str,
        *,
        origin: Origin | None = None,
        hint: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin
        self.hint = hint
        if code is not None:
            self.code = code

    def one_line(self) -> str:
        """``file:line: message (hint)`` - the form every CLI error takes."""
        where = f"{self.origin}: " if self.origin is not None else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"

    def __str__(self) -> str:
        return self.one_line()


class UsageError(MatrixhellError):
    code = "usage"
    exit_code = ExitCode.USAGE


class InputError(MatrixhellError):
    """A file the user gave us is unreadable, malformed or out of bounds."""

    code = "bad-input"
    exit_code = ExitCode.INPUT


class ConfigError(InputError):
    code = "bad-config"


class ResolutionError(MatrixhellError):
    code = "resolution-impossible"
    exit_code = ExitCode.RESOLUTION


class RuntimeFailure(MatrixhellError):
    code = "runtime-failure"
    exit_code = ExitCode.RUNTIME


def exit_code_for(exc: BaseException) -> ExitCode:
    if isinstance(exc, MatrixhellError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.USAGE
    return ExitCode.INTERNAL
