"""Version ranges as unions of intervals: PEP 440 specifier sets made algebra.

``SpecifierSet`` can test one version, but a conflict needs more: the intersection of two sets, whether
it is empty, and a way to say the merged ranges the way uv does (``python >=3.8,<3.9 and >=3.12 have
no version in common``).  A :class:`VersionRange` is a sorted tuple of disjoint intervals over
``packaging`` versions; every PEP 440 operator maps onto it exactly, bar pre-release subtleties (a
range here includes the pre-releases between its bounds, which only widens, never narrows, a range).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = ["Interval", "RangeSyntaxError", "VersionRange", "line_range"]


class RangeSyntaxError(ValueError):
    """The text is not a PEP 440 specifier set."""


@dataclass(frozen=True, slots=True)
class Interval:
    """``lo``..``hi``; ``None`` is unbounded on that side."""

    lo: Version | None
    lo_incl: bool
    hi: Version | None
    hi_incl: bool

    def is_empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        if self.lo < self.hi:
            return False
        return not (self.lo == self.hi and self.lo_incl and self.hi_incl)

    def contains(self, v: Version) -> bool:
        if self.lo is not None and (v < self.lo or (v == self.lo and not self.lo_incl)):
            return False
        return not (self.hi is not None and (v > self.hi or (v == self.hi and not self.hi_incl)))

    def intersect(self, other: Interval) -> Interval:
        lo, lo_incl = _max_lo((self.lo, self.lo_incl), (other.lo, other.lo_incl))
        hi, hi_incl = _min_hi((self.hi, self.hi_incl), (other.hi, other.hi_incl))
        return Interval(lo, lo_incl, hi, hi_incl)

    def text(self) -> str:
        if self.lo is None and self.hi is None:
            return "*"
        if self.lo is not None and self.lo == self.hi:
            return f"=={self.lo}"
        parts = []
        if self.lo is not None:
            parts.append(f"{'>=' if self.lo_incl else '>'}{self.lo}")
        if self.hi is not None:
            parts.append(f"{'<=' if self.hi_incl else '<'}{self.hi}")
        return ",".join(parts)


def _max_lo(a: tuple[Version | None, bool], b: tuple[Version | None, bool]) -> tuple[Version | None, bool]:
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    if a[0] != b[0]:
        return a if a[0] > b[0] else b
    return a[0], a[1] and b[1]


def _min_hi(a: tuple[Version | None, bool], b: tuple[Version | None, bool]) -> tuple[Version | None, bool]:
    if a[0] is None:
        return b
    if b[0] is None:
        return a
    if a[0] != b[0]:
        return a if a[0] < b[0] else b
    return a[0], a[1] and b[1]


def _lo_key(iv: Interval) -> tuple[int, Version | None, int]:
    # Unbounded first; at equal bounds an inclusive start comes first.
    if iv.lo is None:
        return (0, None, 0)
    return (1, iv.lo, 0 if iv.lo_incl else 1)


def _touches(a: Interval, b: Interval) -> bool:
    """Whether ``b`` (starting at or after ``a``) overlaps or abuts ``a`` so that they merge."""
    if a.hi is None or b.lo is None:
        return True
    if b.lo < a.hi:
        return True
    return b.lo == a.hi and (a.hi_incl or b.lo_incl)


def _normalize(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    items = sorted((iv for iv in intervals if not iv.is_empty()), key=_lo_key)
    out: list[Interval] = []
    for iv in items:
        if out and _touches(out[-1], iv):
            last = out[-1]
            hi, hi_incl = _max_hi((last.hi, last.hi_incl), (iv.hi, iv.hi_incl))
            out[-1] = Interval(last.lo, last.lo_incl, hi, hi_incl)
        else:
            out.append(iv)
    return tuple(out)


def _max_hi(a: tuple[Version | None, bool], b: tuple[Version | None, bool]) -> tuple[Version | None, bool]:
    if a[0] is None or b[0] is None:
        return (None, False)
    if a[0] != b[0]:
        return a if a[0] > b[0] else b
    return a[0], a[1] or b[1]


def _bump(release: tuple[int, ...]) -> Version:
    """The first version after every ``release.*``: 3.8 -> 3.9, 3 -> 4."""
    head = (*release[:-1], release[-1] + 1)
    return Version(".".join(str(p) for p in head))


def _prefix(text: str) -> tuple[int, ...]:
    return Version(text).release


def _specifier(spec: Specifier) -> tuple[Interval, ...]:
    op, text = spec.operator, spec.version
    everything = Interval(None, False, None, False)
    if op in ("==", "!=") and text.endswith(".*"):
        prefix = _prefix(text[:-2])
        inside = Interval(Version(text[:-2]), True, _bump(prefix), False)
        if op == "==":
            return (inside,)
        return (Interval(None, False, inside.lo, False), Interval(inside.hi, True, None, False))
    if op == "~=":
        release = _prefix(text)
        return (Interval(Version(text), True, _bump(release[:-1]), False),)
    v = Version(text.split("+", 1)[0]) if op != "===" else _arbitrary(text)
    if op in ("==", "==="):
        return (Interval(v, True, v, True),)
    if op == "!=":
        return (Interval(None, False, v, False), Interval(v, False, None, False))
    if op == ">=":
        return (Interval(v, True, None, False),)
    if op == ">":
        return (Interval(v, False, None, False),)
    if op == "<=":
        return (Interval(None, False, v, True),)
    if op == "<":
        return (Interval(None, False, v, False),)
    return (everything,)


def _arbitrary(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as e:
        raise RangeSyntaxError(f"=== {text!r} names no version this tool can order") from e


@dataclass(frozen=True, slots=True)
class VersionRange:
    """A union of disjoint intervals, sorted.  ``VersionRange.any()`` has one unbounded interval."""

    intervals: tuple[Interval, ...]

    @classmethod
    def any(cls) -> VersionRange:
        return cls((Interval(None, False, None, False),))

    @classmethod
    def empty(cls) -> VersionRange:
        return cls(())

    @classmethod
    def parse(cls, text: str) -> VersionRange:
        """A PEP 440 specifier set (``>=3.8,<3.12``; ``""`` is any version)."""
        try:
            specs = SpecifierSet(text)
        except InvalidSpecifier as e:
            raise RangeSyntaxError(f"{text!r} is not a PEP 440 version specifier") from e
        out = cls.any()
        for spec in sorted(specs, key=str):
            try:
                out = out.intersect(cls(_normalize(_specifier(spec))))
            except InvalidVersion as e:
                raise RangeSyntaxError(f"{spec} names no valid version") from e
        return out

    @classmethod
    def exactly(cls, version: str) -> VersionRange:
        v = Version(version)
        return cls((Interval(v, True, v, True),))

    def is_empty(self) -> bool:
        return not self.intervals

    def is_any(self) -> bool:
        return len(self.intervals) == 1 and self.intervals[0].lo is None and self.intervals[0].hi is None

    def intersect(self, other: VersionRange) -> VersionRange:
        return VersionRange(_normalize(a.intersect(b) for a in self.intervals for b in other.intervals))

    def union(self, other: VersionRange) -> VersionRange:
        return VersionRange(_normalize(self.intervals + other.intervals))

    def overlaps(self, other: VersionRange) -> bool:
        return not self.intersect(other).is_empty()

    def contains(self, version: str | Version) -> bool:
        v = version if isinstance(version, Version) else Version(version)
        return any(iv.contains(v) for iv in self.intervals)

    def allows_line(self, line: str) -> bool:
        """Whether some version of the release line ``line`` (``3.11`` -> 3.11.*) is in the range."""
        return self.overlaps(line_range(line))

    def __str__(self) -> str:
        if not self.intervals:
            return "no version"
        return " | ".join(iv.text() for iv in self.intervals)


def line_range(line: str) -> VersionRange:
    """``3.11`` -> ``>=3.11,<3.12``; ``20`` -> ``>=20,<21``; a full ``3.11.9`` is that version only."""
    v = Version(line)
    if len(v.release) >= 3:
        return VersionRange.exactly(line)
    return VersionRange((Interval(v, True, _bump(v.release), False),))
