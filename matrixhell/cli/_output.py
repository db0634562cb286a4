"""Where command output goes: stdout, or a file written atomically (nothing half-written)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from matrixhell.errors import InputError

__all__ = ["atomic_write", "emit"]


def atomic_write(path: Path, text: str) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as e:
        raise InputError(f"{path}: cannot write: {e.strerror}", code="unwritable") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600; the file gets what a plain open would give
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    """The mode of the file replaced, else the usual new-file mode under the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        atomic_write(output, text)
