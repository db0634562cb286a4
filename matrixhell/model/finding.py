"""Findings: something the scan noticed that a person should read (bad input, disagreement, a skip)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from matrixhell.model.origin import Origin

__all__ = ["Finding", "Severity"]


class Severity(enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    code: str  # kebab-case, stable: tests and SARIF rules key on it
    severity: Severity
    message: str
    origin: Origin | None = None
    hint: str | None = None
    service: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "origin": self.origin.to_json() if self.origin else None,
            "hint": self.hint,
            "service": self.service,
        }
