"""Differential test: our poetry-constraint translation against poetry-core's own parser.

For generated constraints and release versions, a version is in our PEP 440 translation exactly when
poetry-core says the constraint allows it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from matrixhell.detect.python.poetry_constraints import hull, translate, translate_one

poetry_version = pytest.importorskip("poetry.core.constraints.version")

parts = st.lists(st.integers(0, 6), min_size=1, max_size=3)


def _text(p: list[int]) -> str:
    return ".".join(map(str, p))


@st.composite
def constraint(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["^", "~", "", "==", ">=", "<", "!=", "~=", "wild", "and"]))
    base = draw(parts)
    if kind == "wild":
        return _text(base[:2]) + ".*"
    if kind == "~=":
        return "~=" + _text(base if len(base) >= 2 else [*base, 0])
    if kind == "and":
        return f">={_text(base)},<{_text(draw(parts))}"
    return kind + _text(base)


@settings(max_examples=400, deadline=None)
@given(constraint(), st.lists(parts, min_size=1, max_size=8))
def test_same_versions_as_poetry_core(text: str, probes: list[list[int]]) -> None:
    ours = SpecifierSet(translate_one(text))
    theirs = poetry_version.parse_constraint(text)
    for p in probes:
        v = _text(p)
        assert (Version(v) in ours) == theirs.allows(poetry_version.Version.parse(v)), (text, v, str(ours))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(constraint().filter(lambda c: not c.startswith(("!=", "~="))), min_size=2, max_size=3),
    st.lists(parts, min_size=1, max_size=8),
)
def test_hull_of_alternatives_holds_every_version_poetry_allows(alts: list[str], probes: list[list[int]]) -> None:
    text = " || ".join(alts)
    ours = SpecifierSet(hull(translate(text)))
    theirs = poetry_version.parse_constraint(text)
    for p in probes:
        v = _text(p)
        if theirs.allows(poetry_version.Version.parse(v)):
            assert Version(v) in ours, (text, v, str(ours))
