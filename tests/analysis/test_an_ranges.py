"""Version ranges: PEP 440 specifier sets as unions of intervals, checked against packaging itself."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from matrixhell.conflicts.ranges import RangeSyntaxError, VersionRange, line_range


def test_wildcard_is_half_open_interval() -> None:
    assert str(VersionRange.parse("==3.8.*")) == ">=3.8,<3.9"


def test_disjoint_ranges_have_empty_intersection_and_say_so() -> None:
    a, b = VersionRange.parse("==3.8.*"), VersionRange.parse(">=3.12")
    assert a.intersect(b).is_empty()
    assert str(a.intersect(b)) == "no version"
    assert not a.overlaps(b)


def test_intersection_merges_bounds() -> None:
    r = VersionRange.parse(">=3.8").intersect(VersionRange.parse("<3.12,!=3.10.*"))
    assert str(r) == ">=3.8,<3.10 | >=3.11,<3.12"
    assert r.contains("3.9.1") and not r.contains("3.10.4") and r.contains("3.11.0")


def test_compatible_release_operator() -> None:
    assert str(VersionRange.parse("~=2.2")) == ">=2.2,<3"
    assert str(VersionRange.parse("~=2.2.1")) == ">=2.2.1,<2.3"


def test_exact_pin_and_union() -> None:
    pin = VersionRange.parse("==5.0.6")
    assert str(pin) == "==5.0.6"
    assert str(pin.union(VersionRange.parse(">5.0.6,<6"))) == ">=5.0.6,<6"
    # 5.0.6.post1 lies between the two, so they stay apart
    assert str(pin.union(VersionRange.parse(">=5.0.7,<6"))) == "==5.0.6 | >=5.0.7,<6"


def test_empty_text_is_any_version() -> None:
    assert VersionRange.parse("").is_any()
    assert str(VersionRange.parse("")) == "*"


def test_release_lines() -> None:
    assert str(line_range("3.11")) == ">=3.11,<3.12"
    assert str(line_range("20")) == ">=20,<21"
    assert VersionRange.parse(">=3.11.4").allows_line("3.11")
    assert not VersionRange.parse("<3.11").allows_line("3.11")


def test_bad_specifier_raises() -> None:
    with pytest.raises(RangeSyntaxError):
        VersionRange.parse(">=three")


_versions = st.builds(lambda a, b, c: f"{a}.{b}.{c}", st.integers(0, 4), st.integers(0, 4), st.integers(0, 4))
_ops = st.sampled_from(["==", "!=", ">=", "<=", ">", "<", "~="])


@st.composite
def _spec(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(_ops)
        v = draw(_versions)
        if op in ("==", "!=") and draw(st.booleans()):
            v = ".".join(v.split(".")[:2]) + ".*"
        parts.append(f"{op}{v}")
    return ",".join(parts)


@settings(max_examples=300, deadline=None)
@given(_spec(), _versions)
def test_contains_agrees_with_packaging(spec: str, version: str) -> None:
    assert VersionRange.parse(spec).contains(version) == SpecifierSet(spec).contains(Version(version))


@settings(max_examples=200, deadline=None)
@given(_spec(), _spec(), _versions)
def test_intersection_is_logical_and(a: str, b: str, version: str) -> None:
    both = VersionRange.parse(a).intersect(VersionRange.parse(b))
    expected = SpecifierSet(a).contains(version) and SpecifierSet(b).contains(version)
    assert both.contains(version) == expected


@settings(max_examples=200, deadline=None)
@given(_spec())
def test_rendered_range_parses_back_to_the_same_set(spec: str) -> None:
    r = VersionRange.parse(spec)
    for part in str(r).split(" | "):
        if part in ("no version", "*"):
            continue
        assert VersionRange.parse(part).intersect(r) == VersionRange.parse(part)
