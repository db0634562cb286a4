"""Random small indexes, resolved by us and by uv over the same real wheels: the verdicts and the pins
must agree, every solution we give must satisfy every requirement it pins (checked independently
here), and every failure must be explained by causes that really conflict."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.version import Version
from res_wheelhouse import build_wheelhouse, uv_compile

from matrixhell.knowledge.index import FindLinks
from matrixhell.resolution import ResolutionImpossible, ResolveTarget, resolve

NAMES = ["p0", "p1", "p2", "p3", "p4", "p5"]
VERSIONS = ["1.0", "1.1", "2.0", "2.1", "3.0"]
OPS = ["<", "<=", ">=", ">", "==", "!="]


@st.composite
def indexes(draw: Any) -> tuple[dict[str, Any], list[str]]:
    index: dict[str, Any] = {}
    for i, name in enumerate(NAMES):
        versions = draw(st.lists(st.sampled_from(VERSIONS), min_size=1, max_size=4, unique=True))
        entries = {}
        for v in versions:
            deps = []
            # Only on later projects: the graph stays acyclic, like most real ones.
            for dep in draw(st.lists(st.sampled_from(NAMES[i + 1 :] or ["p5"]), max_size=2, unique=True)):
                if dep == name:
                    continue
                op = draw(st.sampled_from(OPS))
                deps.append(f"{dep}{op}{draw(st.sampled_from(VERSIONS))}")
            entry: dict[str, Any] = {"requires_dist": deps}
            if draw(st.integers(0, 5)) == 0:
                entry["requires_python"] = ">=3.12"
            entries[v] = entry
        index[name] = entries
    roots = draw(st.lists(st.sampled_from(NAMES[:3]), min_size=1, max_size=3, unique=True))
    return index, roots


def _check_solution(index: dict[str, Any], roots: list[str], pins: dict[str, str]) -> None:
    for root in roots:
        assert root in pins
    for name, version in pins.items():
        entry = index[name][version]
        assert "requires_python" not in entry  # the target is 3.11
        for line in entry["requires_dist"]:
            req = Requirement(line)
            assert req.name in pins, f"{name}=={version} needs {line}"
            assert req.specifier.contains(Version(pins[req.name]), prereleases=True), (name, line, pins)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(indexes())
def test_res_random_indexes_agree_with_uv(case: tuple[dict[str, Any], list[str]]) -> None:
    index, roots = case
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = build_wheelhouse(index, work / "wheels")
        try:
            ours = resolve(roots, ResolveTarget("3.11"), FindLinks(folder)).pins
        except ResolutionImpossible as e:
            ours = None
            assert e.genuine(), e.explain()
        uv_ok, uv_pins, uv_out = uv_compile(roots, folder, "3.11", "manylinux_2_36_x86_64", work)
    assert (ours is not None) == uv_ok, f"ours={ours} uv={uv_out}"
    if ours is not None:
        _check_solution(index, roots, ours)
        assert ours == uv_pins
