"""Version-range dialects translated into PEP 440 specifier text.

Every runtime requirement in the model speaks PEP 440 (``>=18.0.0,<19.0.0``), whatever the manifest
wrote.  This module reads the range dialects of npm (semver), Composer, Cargo/Poetry (a bare version is a
caret range) and RubyGems, and the plain version prefixes of ``.nvmrc``-like files.

PEP 440 has no union, so an npm ``^16 || ^18`` cannot be said exactly: the translation gives the hull
(``>=16.0.0,<19.0.0``) and a ``note`` saying it is wider than the range.  Unreadable text raises
RangeError; callers keep the raw text and report a finding.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = [
    "RangeError",
    "Translation",
    "caret_range",
    "composer_range",
    "minimum_version",
    "npm_range",
    "ruby_requirement",
    "version_prefix",
]


class RangeError(ValueError):
    """The text is not a range of the dialect."""


@dataclass(frozen=True, slots=True)
class Translation:
    spec: str  # PEP 440 specifier set text; "" means any version
    note: str | None = None  # set when ``spec`` is wider than the range, or a part was dropped


@dataclass(frozen=True, slots=True)
class _Partial:
    """``1.2`` of ``^1.2``: the numeric parts written (wildcards end them) and a pre-release tag."""

    parts: tuple[int, ...]
    pre: str | None = None
    wild: bool = False  # an x / * part was written (1.2.x), or nothing at all

    def padded(self, n: int = 3) -> tuple[int, ...]:
        return self.parts + (0,) * (n - len(self.parts))


@dataclass(frozen=True, slots=True)
class _Interval:
    lo: Version | None
    lo_incl: bool
    hi: Version | None
    hi_incl: bool


@dataclass(frozen=True, slots=True)
class _Set:
    """One comparator set (an AND of clauses) with its interval, for the union of ``||`` parts."""

    clauses: tuple[str, ...]
    interval: _Interval
    notes: tuple[str, ...] = ()


_PARTIAL = re.compile(
    r"^[vV=]?\s*(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?"
    r"(?:-?([0-9A-Za-z.-]+?))?(?:\+[0-9A-Za-z.-]+)?$"
)
_OPS = ("<=", ">=", "==", "!=", "~>", "<", ">", "=", "^", "~")


def _partial(text: str, dialect: str) -> _Partial:
    m = _PARTIAL.match(text)
    if not m:
        raise RangeError(f"{text!r} is not a version")
    parts: list[int] = []
    wild = False
    for g in m.groups()[:4]:
        if g is None or g in "xX*":
            wild = g is not None or not parts
            break
        parts.append(int(g))
    pre = m.group(5)
    if pre is not None and not parts:
        raise RangeError(f"{text!r} is not a version")
    if pre is not None and dialect == "composer" and pre.lower() in ("dev", "stable"):
        pre = None
    return _Partial(tuple(parts), pre, wild)


def _vtext(parts: Sequence[int]) -> str:
    return ".".join(str(p) for p in parts)


def _version(p: _Partial, pad: int, notes: list[str]) -> str:
    """PEP 440 text of a partial (padded to ``pad`` parts), pre-release normalized or dropped."""
    base = _vtext(p.padded(max(pad, len(p.parts))))
    if p.pre is None:
        return base
    try:
        return str(Version(f"{base}-{p.pre}"))
    except InvalidVersion:
        notes.append(f"pre-release tag {p.pre!r} has no PEP 440 form and was dropped")
        return base


def _bump(parts: Sequence[int], idx: int) -> tuple[int, ...]:
    """The first version past every ``parts[:idx+1]`` prefix: bump(1.2.3, 1) == 1.3.0."""
    out = list(parts[: idx + 1])
    out[idx] += 1
    return tuple(out) + (0,) * (max(len(parts), 3) - idx - 1)


def _v(text: str) -> Version:
    return Version(text)


def _range_clauses(lo: _Partial, idx: int, notes: list[str]) -> tuple[tuple[str, ...], _Interval]:
    """``>=lo,<bump(lo, idx)``; said as ``==a.b.*`` when that is the same set."""
    hi = _bump(lo.padded(), idx)
    if idx < 2 and lo.pre is None and all(x == 0 for x in lo.padded()[idx + 1 :]):
        clause = f"=={_vtext(lo.padded()[: idx + 1])}.*"
        return (clause,), _Interval(_v(_vtext(lo.padded())), True, _v(_vtext(hi)), False)
    lo_text = _version(lo, 3, notes)
    return (f">={lo_text}", f"<{_vtext(hi)}"), _Interval(_v(lo_text), True, _v(_vtext(hi)), False)


def _wild(p: _Partial, notes: list[str]) -> tuple[tuple[str, ...], _Interval]:
    """A bare partial version: ``1.2`` is ``==1.2.*``, ``1.2.3`` is ``==1.2.3``, ``*`` is anything."""
    if not p.parts:
        return (), _Interval(None, False, None, False)
    if len(p.parts) >= 3:
        t = _version(p, 3, notes)
        return (f"=={t}",), _Interval(_v(t), True, _v(t), True)
    return _range_clauses(p, len(p.parts) - 1, notes)


def _comparator(op: str, p: _Partial, dialect: str, notes: list[str]) -> tuple[tuple[str, ...], _Interval]:
    n = len(p.parts)
    any_ = _Interval(None, False, None, False)
    if op == "^":
        if not p.parts:
            return (), any_
        nz = [i for i, x in enumerate(p.parts) if x != 0]
        idx = nz[0] if nz else n - 1
        return _range_clauses(p, idx, notes)
    if (op == "~" and dialect == "composer") or (op == "~>" and dialect != "npm"):
        if not p.parts:
            return (), any_
        # Composer and RubyGems: every part but the last written one is fixed (~1.2 is <2.0).
        return _range_clauses(p, max(n - 2, 0), notes)
    if op in ("~", "~>"):
        if not p.parts:
            return (), any_
        return _range_clauses(p, 1 if n >= 2 else 0, notes)
    if op in ("", "=", "=="):
        if dialect == "caret" and op == "":
            return _comparator("^", p, dialect, notes)
        if dialect in ("composer", "ruby") and n and not p.wild:
            # Composer and RubyGems pad a written version with zeros: "8.1" is exactly 8.1.0.
            t = _version(p, n, notes)
            return (f"=={t}",), _Interval(_v(t), True, _v(t), True)
        return _wild(p, notes)
    if op == "!=":
        if not p.parts:
            raise RangeError("'!=*' excludes every version")
        t = _version(p, len(p.parts), notes) if n >= 3 or dialect != "npm" else f"{_vtext(p.parts)}.*"
        return (f"!={t}",), any_
    if not p.parts:
        if op in (">=", "<="):
            return (), any_
        raise RangeError(f"'{op}*' matches no version")
    t = _version(p, n, notes)
    partial_npm = dialect == "npm" and n < 3
    if op == ">":
        if partial_npm:  # npm: >1.2 is >=1.3.0
            b = _vtext(_bump(p.parts, n - 1))
            return (f">={b}",), _Interval(_v(b), True, None, False)
        return (f">{t}",), _Interval(_v(t), False, None, False)
    if op == ">=":
        return (f">={t}",), _Interval(_v(t), True, None, False)
    if op == "<":
        return (f"<{t}",), _Interval(None, False, _v(t), False)
    if op == "<=":
        if partial_npm:  # npm: <=1.2 is <1.3.0
            b = _vtext(_bump(p.parts, n - 1))
            return (f"<{b}",), _Interval(None, False, _v(b), False)
        return (f"<={t}",), _Interval(None, False, _v(t), True)
    raise RangeError(f"unknown operator {op!r}")


def _intersect(a: _Interval, b: _Interval) -> _Interval:
    lo, lo_incl = a.lo, a.lo_incl
    if b.lo is not None and (lo is None or b.lo > lo or (b.lo == lo and not b.lo_incl)):
        lo, lo_incl = b.lo, b.lo_incl
    hi, hi_incl = a.hi, a.hi_incl
    if b.hi is not None and (hi is None or b.hi < hi or (b.hi == hi and not b.hi_incl)):
        hi, hi_incl = b.hi, b.hi_incl
    return _Interval(lo, lo_incl, hi, hi_incl)


def _hyphen(a: str, b: str, dialect: str) -> _Set:
    notes: list[str] = []
    lo, hi = _partial(a, dialect), _partial(b, dialect)
    clauses: list[str] = []
    interval = _Interval(None, False, None, False)
    if lo.parts:
        t = _version(lo, 3, notes)
        clauses.append(f">={t}")
        interval = _Interval(_v(t), True, None, False)
    if hi.parts:
        if len(hi.parts) >= 3:
            t = _version(hi, 3, notes)
            clauses.append(f"<={t}")
            interval = _intersect(interval, _Interval(None, False, _v(t), True))
        else:
            t = _vtext(_bump(hi.parts, len(hi.parts) - 1))
            clauses.append(f"<{t}")
            interval = _intersect(interval, _Interval(None, False, _v(t), False))
    return _Set(tuple(clauses), interval, tuple(notes))


_HYPHEN = re.compile(r"^(\S+)\s+-\s+(\S+)$")
_OP_SPACE = re.compile(r"(<=|>=|==|!=|~>|<|>|=|\^|~)\s+")


def _comparator_set(text: str, dialect: str) -> _Set:
    text = text.strip()
    m = _HYPHEN.match(text)
    if m:
        return _hyphen(m.group(1), m.group(2), dialect)
    text = _OP_SPACE.sub(r"\1", text)
    tokens = [t for t in re.split(r"[\s,]+", text) if t] if dialect != "npm" else text.split()
    clauses: list[str] = []
    notes: list[str] = []
    interval = _Interval(None, False, None, False)
    for tok in tokens:
        if dialect == "composer":
            tok = re.sub(r"@(dev|alpha|beta|RC|rc|stable)$", "", tok)
        op = next((o for o in _OPS if tok.startswith(o)), "")
        c, iv = _comparator(op, _partial(tok[len(op) :], dialect), dialect, notes)
        clauses.extend(c)
        interval = _intersect(interval, iv)
    return _Set(tuple(clauses), interval, tuple(notes))


def _render_bound(iv: _Interval) -> str:
    if iv.lo is not None and iv.hi is not None and iv.lo == iv.hi and iv.lo_incl and iv.hi_incl:
        return f"=={iv.lo}"
    out = []
    if iv.lo is not None:
        out.append(f"{'>=' if iv.lo_incl else '>'}{iv.lo}")
    if iv.hi is not None:
        out.append(f"{'<=' if iv.hi_incl else '<'}{iv.hi}")
    return ",".join(out)


def _union(raw: str, sets: list[_Set]) -> Translation:
    notes = [n for s in sets for n in s.notes]
    if len(sets) == 1:
        return _checked(",".join(dict.fromkeys(sets[0].clauses)), notes)
    ivs = [s.interval for s in sets]
    if any(iv.lo is None and iv.hi is None for iv in ivs):
        return _checked("", notes)

    def key(iv: _Interval) -> tuple[int, Version, int]:
        return (0, Version("0"), 0) if iv.lo is None else (1, iv.lo, 0 if iv.lo_incl else 1)

    ivs.sort(key=key)
    merged: list[_Interval] = [ivs[0]]
    for iv in ivs[1:]:
        cur = merged[-1]
        touches = cur.hi is None or iv.lo is None or iv.lo < cur.hi or (iv.lo == cur.hi and (iv.lo_incl or cur.hi_incl))
        if touches:
            if cur.hi is None or (iv.hi is not None and iv.hi < cur.hi):
                hi, hi_incl = cur.hi, cur.hi_incl
            elif iv.hi is None or iv.hi > cur.hi:
                hi, hi_incl = iv.hi, iv.hi_incl
            else:
                hi, hi_incl = cur.hi, cur.hi_incl or iv.hi_incl
            merged[-1] = _Interval(cur.lo, cur.lo_incl, hi, hi_incl)
        else:
            merged.append(iv)
    hull = merged[0]
    for iv in merged[1:]:
        if hull.hi is None:
            break
        if iv.hi is None or iv.hi > hull.hi or (iv.hi == hull.hi and iv.hi_incl):
            hull = _Interval(hull.lo, hull.lo_incl, iv.hi, iv.hi_incl)
    if len(merged) > 1:
        parts = " | ".join(_render_bound(iv) or "*" for iv in merged)
        notes.append(
            f"range {raw.strip()!r} has disjoint parts ({parts}); PEP 440 has no union, so the "
            "specifier is their hull and admits versions between them"
        )
    return _checked(_render_bound(hull), notes)


def _checked(spec: str, notes: list[str]) -> Translation:
    try:
        SpecifierSet(spec)
    except InvalidSpecifier as e:
        raise RangeError(f"no PEP 440 form: {spec!r}") from e
    return Translation(spec, "; ".join(dict.fromkeys(notes)) or None)


@functools.lru_cache(maxsize=4096)  # pure, and the same few ranges recur across a monorepo
def npm_range(text: str) -> Translation:
    """npm semver range (``^18.17``, ``>=16 <21``, ``16.x || 18.x``, ``1.2 - 2``) to PEP 440."""
    if text.strip() in ("latest", "lts", "node", "current"):
        raise RangeError(f"{text!r} is a tag, not a range")
    return _union(text, [_comparator_set(part, "npm") for part in text.split("||")])


@functools.lru_cache(maxsize=4096)
def composer_range(text: str) -> Translation:
    """Composer constraint (``^8.1``, ``>=7.4 <8.0``, ``^7.4|^8.0``, ``~8.1``) to PEP 440."""
    alternatives = re.split(r"\s*\|\|?\s*", text.strip())
    return _union(text, [_comparator_set(part, "composer") for part in alternatives])


@functools.lru_cache(maxsize=4096)
def caret_range(text: str) -> Translation:
    """Cargo / Poetry requirement, where a bare ``1.2`` means ``^1.2`` (``>=1.2.0,<2.0.0``)."""
    return _union(text, [_comparator_set(part, "caret") for part in text.split("||")])


def ruby_requirement(parts: Sequence[str]) -> Translation:
    """RubyGems requirement strings (``["~> 3.2", ">= 3.2.1"]``), ANDed, to PEP 440."""
    return _ruby_requirement(tuple(parts))


@functools.lru_cache(maxsize=4096)
def _ruby_requirement(parts: tuple[str, ...]) -> Translation:
    clauses: list[str] = []
    notes: list[str] = []
    for part in parts:
        s = _comparator_set(part.replace(" ", ""), "ruby")
        clauses.extend(s.clauses)
        notes.extend(s.notes)
    return _checked(",".join(dict.fromkeys(clauses)), notes)


@functools.lru_cache(maxsize=4096)
def version_prefix(text: str) -> Translation:
    """A version written as a prefix (``18``, ``3.2``, ``v18.17.0``): ``==18.*`` ... ``==18.17.0``."""
    notes: list[str] = []
    p = _partial(text.strip(), "npm")
    clauses, _ = _wild(p, notes)
    return _checked(",".join(clauses), notes)


@functools.lru_cache(maxsize=4096)
def minimum_version(text: str) -> Translation:
    """A minimum (``go 1.21``, ``rust-version = "1.70"``): ``>=1.21``."""
    notes: list[str] = []
    p = _partial(text.strip(), "npm")
    if not p.parts:
        raise RangeError(f"{text!r} is not a version")
    return _checked(f">={_version(p, len(p.parts), notes)}", notes)
