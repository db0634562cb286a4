"""Property tests: the PEP 440 translation of an npm range admits exactly the versions npm admits.

The reference below is npm's desugaring written out directly on (major, minor, patch) tuples, apart
from the translation code, for release versions (no pre-releases).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet

from matrixhell.detect._ranges import npm_range

Version = tuple[int, int, int]
part = st.integers(min_value=0, max_value=4)
partial = st.lists(part, min_size=1, max_size=3).map(tuple)
op = st.sampled_from(["^", "~", "", "=", ">=", ">", "<", "<="])
versions = st.tuples(part, part, part)


def _bump(p: tuple[int, ...], i: int) -> Version:
    out = [*p[: i + 1], 0, 0, 0][:3]
    out[i] += 1
    for j in range(i + 1, 3):
        out[j] = 0
    return (out[0], out[1], out[2])


def _pad(p: tuple[int, ...]) -> Version:
    q = [*p, 0, 0, 0]
    return (q[0], q[1], q[2])


def satisfies(v: Version, o: str, p: tuple[int, ...]) -> bool:
    n = len(p)
    lo = _pad(p)
    if o == "^":
        nz = [i for i, x in enumerate(p) if x != 0]
        return lo <= v < _bump(p, nz[0] if nz else n - 1)
    if o == "~":
        return lo <= v < _bump(p, 1 if n >= 2 else 0)
    if o in ("", "="):
        return lo <= v < _bump(p, n - 1) if n < 3 else v == lo
    if o == ">=":
        return v >= lo
    if o == ">":
        return v >= _bump(p, n - 1) if n < 3 else v > lo
    if o == "<":
        return v < lo
    if o == "<=":
        return v < _bump(p, n - 1) if n < 3 else v <= lo
    raise AssertionError(o)


def text(o: str, p: tuple[int, ...]) -> str:
    return o + ".".join(map(str, p))


@settings(max_examples=150, deadline=None)
@given(o=op, p=partial, vs=st.lists(versions, min_size=1, max_size=12))
def test_single_comparator_matches_npm(o: str, p: tuple[int, ...], vs: list[Version]) -> None:
    spec = SpecifierSet(npm_range(text(o, p)).spec)
    for v in vs:
        assert (".".join(map(str, v)) in spec) == satisfies(v, o, p), (text(o, p), v, str(spec))


@settings(max_examples=150, deadline=None)
@given(a=st.tuples(op, partial), b=st.tuples(op, partial), vs=st.lists(versions, min_size=1, max_size=12))
def test_comparator_set_is_an_intersection(
    a: tuple[str, tuple[int, ...]], b: tuple[str, tuple[int, ...]], vs: list[Version]
) -> None:
    spec = SpecifierSet(npm_range(f"{text(*a)} {text(*b)}").spec)
    for v in vs:
        assert (".".join(map(str, v)) in spec) == (satisfies(v, *a) and satisfies(v, *b))


@settings(max_examples=150, deadline=None)
@given(a=st.tuples(op, partial), b=st.tuples(op, partial), vs=st.lists(versions, min_size=1, max_size=12))
def test_union_contains_both_parts_and_is_exact_unless_noted(
    a: tuple[str, tuple[int, ...]], b: tuple[str, tuple[int, ...]], vs: list[Version]
) -> None:
    t = npm_range(f"{text(*a)} || {text(*b)}")
    spec = SpecifierSet(t.spec)
    for v in vs:
        inside = ".".join(map(str, v)) in spec
        npm = satisfies(v, *a) or satisfies(v, *b)
        if npm:
            assert inside, (t, v)
        elif t.note is None:
            assert not inside, (t, v)
