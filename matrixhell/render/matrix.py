"""The matrix: services against dimensions (runtime, version, libc, libssl, release...) and services
against services ("ok", or the kinds of conflict between them), as plain data and as a text table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from matrixhell.model import Plan, Severity
from matrixhell.render.text_table import text_table

__all__ = ["DIMENSIONS", "Matrix", "build_matrix", "matrix_table"]

DIMENSIONS = ("runtime", "version", "libc", "libssl", "release", "base image", "environment", "end of life")
OK = "ok"
SELF = "-"
_WORD = {Severity.WARNING: "warning", Severity.INFO: "note"}
OWN = "own image"  # the environment cell of a standalone service: it shares none


def _eol_cell(notes: tuple[str, ...]) -> str:
    """``debian bullseye (2026-08-31), dotnet 6.0 (2024-11-12)`` or "-": what the target has past its end."""
    prefix = "past end of life: "
    said = [n[len(prefix) :].split(";", 1)[0] for n in notes if n.startswith(prefix)]
    return "; ".join(said) if said else SELF


@dataclass(frozen=True, slots=True)
class Matrix:
    services: tuple[str, ...]
    dimensions: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # one per service, one cell per dimension
    pairs: tuple[tuple[str, ...], ...]  # services x services: "ok", "-" on the diagonal, or kinds

    def cell(self, service: str, dimension: str) -> str:
        return self.rows[self.services.index(service)][self.dimensions.index(dimension)]

    def pair(self, a: str, b: str) -> str:
        return self.pairs[self.services.index(a)][self.services.index(b)]

    def to_json(self) -> dict[str, Any]:
        return {
            "services": list(self.services),
            "dimensions": list(self.dimensions),
            "rows": {
                s: dict(zip(self.dimensions, row, strict=True)) for s, row in zip(self.services, self.rows, strict=True)
            },
            "pairs": {
                a: dict(zip(self.services, row, strict=True)) for a, row in zip(self.services, self.pairs, strict=True)
            },
        }


def build_matrix(plan: Plan) -> Matrix:
    names = tuple(name for name, _t in plan.targets)
    env_of = {s: e.name for e in plan.environments for s in e.services}
    env_of.update({s: OWN for s, _why in plan.standalone})
    rows = []
    for name, t in plan.targets:
        rows.append(
            (
                t.runtime or SELF,
                t.runtime_version or SELF,
                f"{t.libc} {t.libc_version}".strip(),
                t.ssl or SELF,
                f"{t.distro} {t.release}".strip(),
                t.base_image or SELF,
                env_of.get(name, SELF),
                _eol_cell(plan.notes_of(name)),
            )
        )
    kinds: dict[frozenset[str], set[str]] = {}
    for c in plan.conflicts:
        if c.between_services:
            mark = c.kind if c.severity is Severity.ERROR else f"{c.kind} ({_WORD[c.severity]})"
            kinds.setdefault(frozenset(c.subjects), set()).add(mark)
    pairs = []
    alone = {s for s, _why in plan.standalone}
    for a in names:
        row = []
        for b in names:
            if a == b:
                row.append(SELF)
            elif a in alone or b in alone:
                row.append(OWN)
            else:
                found = kinds.get(frozenset((a, b)))
                row.append(", ".join(sorted(found)) if found else OK)
        pairs.append(tuple(row))
    return Matrix(names, DIMENSIONS, tuple(rows), tuple(pairs))


class _HasMatrix(Protocol):
    @property
    def matrix(self) -> Matrix: ...


def matrix_table(analysis: _HasMatrix | Matrix) -> str:
    """Both tables as text: services x dimensions, then services x services (from two services on)."""
    m = analysis if isinstance(analysis, Matrix) else analysis.matrix
    if not m.services:
        return "no built services to plan"
    first = text_table(("service", *m.dimensions), [(s, *row) for s, row in zip(m.services, m.rows, strict=True)])
    if len(m.services) < 2:
        return first  # one service has no one to share with: a 1x1 table of "-" says nothing
    second = text_table(("", *m.services), [(s, *row) for s, row in zip(m.services, m.pairs, strict=True)])
    return f"{first}\n\n{second}"
