"""Random small indexes, resolved by us and by uv over the same real wheels: the verdicts and the pins
must agree, every solution we give must satisfy every requirement it pins (checked independently
here), and every failure must be explained by causes that really conflict.

The indexes mix specifier operators, pre-releases, extras, markers on the Python version and the
platform, and Requires-Python lower bounds, for three target Pythons.  (Requires-Python upper bounds
stay out: uv ignores them on purpose, see docs/resolution.md.)"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version
from res_wheelhouse import build_wheelhouse, uv_compile

from matrixhell.knowledge.index import FindLinks
from matrixhell.resolution import ResolutionImpossible, ResolveTarget, resolve

NAMES = ["p0", "p1", "p2", "p3", "p4", "p5"]
VERSIONS = ["1.0", "1.1", "2.0b1", "2.0", "2.1", "3.0rc1", "3.0"]
OPS = ["<", "<=", ">=", ">", "==", "!=", "~="]
MARKERS = [
    "",
    "",
    "; python_version < '3.10'",
    "; python_version >= '3.10'",
    "; extra == 'x'",
    "; sys_platform == 'win32'",
    "; platform_machine == 'x86_64'",
]
ROOTS = [n + s for n in NAMES[:3] for s in ("", "[x]", ">=2", "<2.1", ">=2.0b1")]


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
                ver = draw(st.sampled_from(VERSIONS))
                if op == "~=":
                    ver = Version(ver).base_version
                extra = "[x]" if draw(st.integers(0, 4)) == 0 else ""
                deps.append(f"{dep}{extra}{op}{ver}{draw(st.sampled_from(MARKERS))}")
            entry: dict[str, Any] = {"requires_dist": deps}
            if draw(st.integers(0, 5)) == 0:
                entry["requires_python"] = draw(st.sampled_from([">=3.12", ">=3.8", ">=3.11"]))
            entries[v] = entry
        index[name] = entries
    roots = draw(st.lists(st.sampled_from(ROOTS), min_size=1, max_size=3, unique_by=lambda r: r[:2]))
    return index, roots


def _check_solution(index: dict[str, Any], roots: list[str], pins: dict[str, str], target: ResolveTarget) -> None:
    env = target.marker_environment()

    def holds(req: Requirement, extra: str) -> bool:
        return req.marker is None or req.marker.evaluate({**env, "extra": extra})

    seen: dict[str, set[str]] = {}  # project -> extras already checked
    todo = [Requirement(r) for r in roots]
    while todo:
        req = todo.pop()
        name = str(canonicalize_name(req.name))
        assert name in pins, f"{req} is not pinned"
        assert req.specifier.contains(Version(pins[name]), prereleases=True), (str(req), pins)
        if name in seen and set(req.extras) <= seen[name]:
            continue
        seen[name] = seen.get(name, set()) | set(req.extras)
        entry = index[name][pins[name]]
        assert SpecifierSet(entry.get("requires_python", "")).contains(target.python_full_version)
        for line in entry["requires_dist"]:
            dep = Requirement(line)
            if holds(dep, "") or any(holds(dep, e) for e in seen[name]):
                todo.append(dep)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(indexes(), st.sampled_from(["3.9", "3.11", "3.12"]))
def test_res_random_indexes_agree_with_uv(case: tuple[dict[str, Any], list[str]], python: str) -> None:
    index, roots = case
    target = ResolveTarget(python)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = build_wheelhouse(index, work / "wheels")
        try:
            ours = resolve(roots, target, FindLinks(folder)).pins
        except ResolutionImpossible as e:
            ours = None
            assert e.genuine(), e.explain()
        uv_ok, uv_pins, uv_out = uv_compile(roots, folder, python, "manylinux_2_36_x86_64", work)
    assert (ours is not None) == uv_ok, f"ours={ours} uv={uv_out}"
    if ours is not None:
        _check_solution(index, roots, ours, target)
        assert ours == uv_pins
