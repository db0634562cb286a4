"""End of life of the runtimes' release lines: when CPython 3.8, Node 14 or .NET 8 stopped getting fixes.

Loaded from ``data/runtimes.json`` (curated from each project's own policy; docs/knowledge.md names the
sources).  A question is (runtime, version): the version may be a line (``3.8``, ``14``, ``8.0``) or
more precise (``3.8.18``, ``14.21.3``); the longest known line that is a prefix of it answers.  Rust
follows a rolling policy (only the latest stable is supported), computed from its six-week train.

    >>> eol = load_runtime_eol()
    >>> eol.end_of("python", "3.8.18")
    datetime.date(2024, 10, 7)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

__all__ = ["RuntimeEol", "load_runtime_eol"]

_ALIASES = {"python3": "python", "nodejs": "node", "golang": "go", "jdk": "java", "jre": "java"}


@dataclass(frozen=True)
class RuntimeEol:
    """Per runtime, each line's last day of support; rolling policies computed."""

    lines: Mapping[str, Mapping[str, date]]
    rolling: Mapping[str, tuple[date, int, str]] = field(default_factory=dict)  # epoch, cadence, major

    def end_of(self, runtime: str, version: str) -> date | None:
        """The last day ``runtime`` ``version``'s line is supported, or None when unknown or open-ended
        (Rust's ``1``: whatever stable is newest)."""
        runtime = _ALIASES.get(runtime, runtime)
        parts = version.strip().lstrip("v").split(".")
        roll = self.rolling.get(runtime)
        if roll is not None:
            epoch, cadence, major = roll
            if len(parts) < 2 or parts[0] != major or not parts[1].isdigit():
                return None
            # 1.N ships on epoch + cadence * N; it is superseded when 1.(N+1) ships.
            return epoch + timedelta(days=cadence * (int(parts[1]) + 1))
        known = self.lines.get(runtime, {})
        for n in range(len(parts), 0, -1):
            hit = known.get(".".join(parts[:n]))
            if hit is not None:
                return hit
        return None

    def runtimes(self) -> tuple[str, ...]:
        return tuple(sorted({*self.lines, *self.rolling}))


def _parse(doc: Mapping[str, Any]) -> RuntimeEol:
    lines: dict[str, dict[str, date]] = {}
    rolling: dict[str, tuple[date, int, str]] = {}
    for runtime, spec in doc["runtimes"].items():
        lines[runtime] = {line: date.fromisoformat(row["eol"]) for line, row in spec.get("lines", {}).items()}
        roll = spec.get("rolling")
        if roll:
            rolling[runtime] = (date.fromisoformat(roll["epoch"]), int(roll["cadence_days"]), str(roll["major"]))
    return RuntimeEol(lines, rolling)


@functools.cache
def load_runtime_eol() -> RuntimeEol:
    """The shipped table (data/runtimes.json)."""
    from matrixhell.knowledge.catalog import read_data

    return _parse(read_data("runtimes.json"))
