"""Version-range dialects -> PEP 440: each case checked both as text and by what it admits."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from matrixhell.detect._ranges import (
    RangeError,
    caret_range,
    composer_range,
    minimum_version,
    npm_range,
    ruby_requirement,
    version_prefix,
)


@pytest.mark.parametrize(
    ("raw", "spec"),
    [
        ("^18", "==18.*"),
        ("^18.17", ">=18.17.0,<19.0.0"),
        ("^18.17.1", ">=18.17.1,<19.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1.2", "==1.2.*"),
        ("~1", "==1.*"),
        ("1.2.x", "==1.2.*"),
        ("18.x", "==18.*"),
        ("*", ""),
        ("", ""),
        ("18.17.0", "==18.17.0"),
        ("v20.11.1", "==20.11.1"),
        (">=16 <21", ">=16,<21"),
        (">= 18", ">=18"),
        (">1.2", ">=1.3.0"),
        ("<=1.2", "<1.3.0"),
        (">1.2.3", ">1.2.3"),
        ("1.2.3 - 2.3.4", ">=1.2.3,<=2.3.4"),
        ("1.2 - 2", ">=1.2.0,<3.0.0"),
        ("^16 || ^17", ">=16.0.0,<18.0.0"),
        (">=1.2.3-beta.1", ">=1.2.3b1"),
    ],
)
def test_npm_range(raw: str, spec: str) -> None:
    t = npm_range(raw)
    assert t.spec == spec
    assert t.note is None


@pytest.mark.parametrize(
    ("raw", "inside", "outside"),
    [
        ("^18.17", ["18.17.0", "18.99.1"], ["18.16.9", "19.0.0"]),
        ("~1.2.3", ["1.2.3", "1.2.99"], ["1.2.2", "1.3.0"]),
        ("1.2 - 2", ["1.2.0", "2.9.9"], ["1.1.9", "3.0.0"]),
        (">1.2", ["1.3.0"], ["1.2.5"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4", "0.0.2"]),
    ],
)
def test_npm_range_semantics(raw: str, inside: list[str], outside: list[str]) -> None:
    s = SpecifierSet(npm_range(raw).spec)
    assert all(v in s for v in inside)
    assert not any(v in s for v in outside)


def test_npm_disjoint_union_is_widened_and_noted() -> None:
    t = npm_range("^14 || ^16 || >=18")
    assert t.spec == ">=14.0.0"
    assert t.note is not None and "disjoint" in t.note
    t2 = npm_range("16.x || 18.x")
    assert t2.spec == ">=16.0.0,<19.0.0"
    assert "17.1.0" in SpecifierSet(t2.spec)  # the hull admits the gap, which is why it is noted
    assert t2.note is not None


def test_npm_union_with_star_is_any() -> None:
    assert npm_range("^16 || *").spec == ""


@pytest.mark.parametrize("bad", ["latest", "banana", ">*", "^x.y.z.q.r"])
def test_npm_range_rejects(bad: str) -> None:
    with pytest.raises(RangeError):
        npm_range(bad)


@pytest.mark.parametrize(
    ("raw", "spec"),
    [
        ("^8.1", ">=8.1.0,<9.0.0"),
        ("~8.1", ">=8.1.0,<9.0.0"),  # Composer's tilde keeps all but the last written part
        ("~8.1.2", ">=8.1.2,<8.2.0"),
        (">=7.4 <8.0", ">=7.4,<8.0"),
        (">=8.1,<8.3", ">=8.1,<8.3"),
        ("8.1.*", "==8.1.*"),
        ("8.1", "==8.1"),
        ("^7.4|^8.0", ">=7.4.0,<9.0.0"),
        ("^7.4 || ^8.0", ">=7.4.0,<9.0.0"),
        (">=8.0@dev", ">=8.0"),
        ("*", ""),
    ],
)
def test_composer_range(raw: str, spec: str) -> None:
    assert composer_range(raw).spec == spec


def test_composer_disjoint_noted() -> None:
    t = composer_range("^7.2 || ^8.2")
    assert t.spec == ">=7.2.0,<9.0.0"
    assert t.note is not None


@pytest.mark.parametrize(
    ("raw", "spec"),
    [
        ("1.2", ">=1.2.0,<2.0.0"),  # a bare Cargo/Poetry version is a caret range
        ("0.3", "==0.3.*"),
        ("=1.2", "==1.2.*"),
        ("~1.2", "==1.2.*"),
        (">=1.5, <2", ">=1.5,<2"),
        ("*", ""),
    ],
)
def test_caret_range(raw: str, spec: str) -> None:
    assert caret_range(raw).spec == spec


@pytest.mark.parametrize(
    ("parts", "spec"),
    [
        (["~> 3.2"], ">=3.2.0,<4.0.0"),
        (["~> 3.2.2"], ">=3.2.2,<3.3.0"),
        (["~> 3.2.2", ">= 3.2.2"], ">=3.2.2,<3.3.0"),
        (["3.2.2"], "==3.2.2"),
        (["= 3.1"], "==3.1"),
        ([">= 3.0", "< 3.3"], ">=3.0,<3.3"),
    ],
)
def test_ruby_requirement(parts: list[str], spec: str) -> None:
    assert ruby_requirement(parts).spec == spec


@pytest.mark.parametrize(
    ("raw", "spec"),
    [("18", "==18.*"), ("3.2", "==3.2.*"), ("v18.17.0", "==18.17.0"), ("1.75.0", "==1.75.0")],
)
def test_version_prefix(raw: str, spec: str) -> None:
    assert version_prefix(raw).spec == spec


def test_minimum_version() -> None:
    assert minimum_version("1.21").spec == ">=1.21"
    assert minimum_version("1.21.3").spec == ">=1.21.3"
    with pytest.raises(RangeError):
        minimum_version("*")
