"""Poetry's version constraints (``^1.2``, ``~1.2.3``, ``1.2.*``, ``>=1,<2 || >=3``) in PEP 440 terms.

Poetry's rules (poetry-core's semver parser):
- ``^X.Y.Z`` allows changes that do not modify the left-most non-zero component of those written:
  ``^1.2.3`` is ``>=1.2.3,<2.0.0``, ``^0.2.3`` is ``>=0.2.3,<0.3.0``, ``^0.0.3`` is ``>=0.0.3,<0.0.4``,
  ``^0.0`` is ``>=0.0,<0.1``, ``^0`` is ``>=0,<1``.
- ``~X.Y.Z`` allows patch changes when a minor is written, minor changes otherwise: ``~1.2.3`` is
  ``>=1.2.3,<1.3.0``, ``~1.2`` is ``>=1.2,<1.3``, ``~1`` is ``>=1,<2``.
- ``~=`` is PEP 440's compatible release; ``*`` is any version; a bare version means ``==``; ``=`` is ``==``.
- Constraints separated by a comma or by whitespace must all hold; ``||`` (or ``|``) separates
  alternatives, which PEP 440 cannot express as one specifier set.
"""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = ["hull", "translate", "translate_one"]

_TOKEN = re.compile(r"\s*(===|==|!=|~=|>=|<=|\^|~|>|<|=)?\s*(\*|[0-9A-Za-z][0-9A-Za-z.*+!_-]*)\s*(,)?")


def _bump(release: tuple[int, ...], index: int, width: int) -> str:
    parts = list(release[:width]) + [0] * (width - len(release[:width]))
    parts[index] += 1
    for j in range(index + 1, width):
        parts[j] = 0
    return ".".join(str(p) for p in parts)


def _parse_version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as e:
        raise ValueError(f"{text!r} is not a version") from e


def _one(op: str | None, ver: str) -> list[str]:
    if ver == "*":
        if op not in (None, "==", "="):
            raise ValueError(f"{op}* is not a constraint")
        return []
    if ver.endswith(".*"):
        if op not in (None, "==", "=", "!="):
            raise ValueError(f"{op}{ver}: a wildcard goes only with == or !=")
        _parse_version(ver[:-2])
        return [f"{'!=' if op == '!=' else '=='}{ver}"]
    v = _parse_version(ver)
    width = len(ver.split("+")[0].split("."))
    width = max(1, min(width, len(v.release)))
    if op == "^":
        rel = v.release
        index = next((i for i, p in enumerate(rel[:width]) if p != 0), width - 1)
        return [f">={ver}", f"<{_bump(rel, index, width)}"]
    if op == "~":
        rel = v.release
        index = 1 if width >= 2 else 0
        return [f">={ver}", f"<{_bump(rel, index, max(width, index + 1))}"]
    if op in (None, "="):
        return [f"=={ver}"]
    return [f"{op}{ver}"]


def translate_one(text: str) -> str:
    """One alternative (no ``||``) as a PEP 440 specifier string; ValueError when it is not valid."""
    text = text.strip()
    pos = 0
    specs: list[str] = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"cannot read the constraint at {text[pos:]!r}")
        specs.extend(_one(m.group(1), m.group(2)))
        pos = m.end()
    spec = ",".join(specs)
    try:
        SpecifierSet(spec)
        return spec
    except InvalidSpecifier as e:
        raise ValueError(f"{text!r} does not make a valid PEP 440 specifier ({spec})") from e


def translate(text: str) -> tuple[str, ...]:
    """Every ``||`` alternative, each as a PEP 440 specifier string (``""`` means any version)."""
    return tuple(translate_one(alt) for alt in re.split(r"\|\|?", text))


_Bound = tuple[Version, bool]  # (version, inclusive)


def _bounds(spec: str) -> tuple[_Bound | None, _Bound | None]:
    """Lower and upper bound of one alternative (None: unbounded); ValueError for != and ~=."""
    lo: _Bound | None = None
    hi: _Bound | None = None

    def tighter_lo(b: _Bound) -> None:
        nonlocal lo
        if lo is None or b[0] > lo[0] or (b[0] == lo[0] and not b[1]):
            lo = b

    def tighter_hi(b: _Bound) -> None:
        nonlocal hi
        if hi is None or b[0] < hi[0] or (b[0] == hi[0] and not b[1]):
            hi = b

    for s in SpecifierSet(spec):
        op, ver = s.operator, s.version
        if op == "==" and ver.endswith(".*"):
            release = [int(p) for p in ver[:-2].split(".")]
            tighter_lo((Version(ver[:-2]), True))
            tighter_hi((Version(_bump(tuple(release), len(release) - 1, len(release))), False))
        elif op in ("==", "==="):
            tighter_lo((Version(ver), True))
            tighter_hi((Version(ver), True))
        elif op in (">=", ">"):
            tighter_lo((Version(ver), op == ">="))
        elif op in ("<=", "<"):
            tighter_hi((Version(ver), op == "<="))
        else:
            raise ValueError(f"{op}{ver} has no single range")
    return lo, hi


def hull(alternatives: tuple[str, ...]) -> str:
    """The smallest single range holding every alternative (``||`` widened to one PEP 440 set).

    Raises ValueError when an alternative uses ``!=`` or ``~=`` (no single range to widen).
    """
    los: list[_Bound | None] = []
    his: list[_Bound | None] = []
    for alt in alternatives:
        lo, hi = _bounds(alt)
        los.append(lo)
        his.append(hi)
    parts: list[str] = []
    if all(b is not None for b in los):
        lo = min((b for b in los if b is not None), key=lambda b: (b[0], not b[1]))
        parts.append(f"{'>=' if lo[1] else '>'}{lo[0]}")
    if all(b is not None for b in his):
        hi = max((b for b in his if b is not None), key=lambda b: (b[0], b[1]))
        parts.append(f"{'<=' if hi[1] else '<'}{hi[0]}")
    return ",".join(parts)
