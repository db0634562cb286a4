"""Where a fact came from: a repo-relative file and, when known, a line (1-based) and column."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Origin"]


@dataclass(frozen=True, order=True, slots=True)
class Origin:
    path: str  # POSIX, relative to the repository root
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"

    def at(self, line: int | None, column: int | None = None) -> Origin:
        return Origin(self.path, line, column)

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line}
