"""Explanations: structured causes, the derivation text, Cause chains for the analyzer, and the
backtrack-cause preference that keeps conflicts fast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from resolvelib.structs import RequirementInformation

from matrixhell.knowledge.index import SnapshotIndex
from matrixhell.model.analysis import Cause
from matrixhell.model.origin import Origin
from matrixhell.resolution import ResolutionImpossible, Resolver, ResolveTarget, resolve
from matrixhell.resolution.candidates import Catalog, Requirement
from matrixhell.resolution.provider import Provider

CASES = Path(__file__).parents[2] / "fixtures" / "resolution"


def _case(name: str) -> dict[str, Any]:
    return json.loads((CASES / f"{name}.json").read_text())


def _fail(name: str, **kw: Any) -> ResolutionImpossible:
    c = _case(name)
    with pytest.raises(ResolutionImpossible) as e:
        resolve(
            c["requested"],
            ResolveTarget(c["python"], c["platform"]),
            SnapshotIndex.from_mapping(c["index"]),
            c.get("constraints", ()),
            **kw,
        )
    return e.value


def _depth(cause: Cause) -> int:
    return 1 + max((_depth(b) for b in cause.because), default=0)


def test_res_deep_conflict_root_pair_and_merged_ranges() -> None:
    e = _fail("deep-conflict")
    [cause] = e.causes
    assert cause.project == "proto"
    assert {r.requirement for r in cause.requirers[:2]} == {"proto>=5", "proto<5"}
    text = e.explain()
    # Every version of driver asks proto>=5: one merged statement, not one per version.
    assert "all versions of driver depend on proto>=5" in text
    assert "all versions of queue depend on proto<5" in text
    # Merged at every level of the chain, as uv does.
    assert "And because all versions of orm depend on driver>=3" in text
    assert text.index("all versions of driver") < text.index("all versions of orm") < text.index("you require app")
    assert text.rstrip().splitlines()[-1].strip() != ""  # details follow the derivation


def test_res_deep_conflict_cause_chains_reach_the_root() -> None:
    causes = _fail("deep-conflict").to_causes()
    first, second = causes[0], causes[1]
    assert {first.object, second.object} == {"proto>=5", "proto<5"}
    for c in (first, second):
        link = c
        while link.because:
            link = link.because[0]
        assert (link.subject, link.object) == ("requirements", "app")
    assert _depth(first) >= 4  # driver <- orm <- web <- app <- requirements


def test_res_root_origins_ride_along() -> None:
    origins = {"a": Origin("svc/requirements.txt", 3), "b": Origin("svc/requirements.txt", 4)}
    e = _fail("diamond-conflict", origins=origins)
    roots = {c.because[0].origin for c in e.to_causes()[:2]}
    assert roots == {Origin("svc/requirements.txt", 3), Origin("svc/requirements.txt", 4)}
    assert "svc/requirements.txt:3" in e.explain()


def test_res_requires_python_exclusion_is_explained() -> None:
    e = _fail("requires-python-none")
    text = e.explain()
    assert "requires Python >=3.12" in text and "requires Python >=3.13" in text
    assert any(c.relation == "excluded" for c in e.to_causes())
    assert "python 3.11" in str(e)


def test_res_missing_project_is_named() -> None:
    e = _fail("not-found")
    assert not e.causes[0].known
    assert "missing was not found" in e.explain()
    assert ("missing", "lacks") in {(c.subject, c.relation) for c in e.to_causes()}


def test_res_constraint_conflict_says_constraints() -> None:
    e = _fail("constraint-conflict")
    assert "your constraints require a<2" in e.explain()
    assert {c.subject for c in e.to_causes()} >= {"constraints", "requirements"}


def test_res_one_line_message_is_a_matrixhell_error() -> None:
    e = _fail("diamond-conflict")
    assert e.code == "resolution-impossible" and int(e.exit_code) == 4
    assert "c<2" in e.one_line() and "c>=2" in e.one_line()


def _provider() -> Provider:
    idx = SnapshotIndex.from_mapping({"a": {"1.0": {}}})
    return Provider(Catalog(idx, ResolveTarget()), {}, {"a": 0}, {})


def test_res_backtrack_causes_narrow_the_selection() -> None:
    p = _provider()
    c_req = Requirement("c", frozenset(), SpecifierSet("<2"))
    causes = [RequirementInformation(c_req, None)]
    ids = ["a", "b", "c", "d"]
    assert list(p.narrow_requirement_selection(ids, {}, {}, {}, causes)) == ["c"]
    assert list(p.narrow_requirement_selection(ids, {}, {}, {}, [])) == ids
    # Causes that name nothing still open: keep every identifier rather than none.
    other = [RequirementInformation(Requirement("z", frozenset(), SpecifierSet()), None)]
    assert list(p.narrow_requirement_selection(ids, {}, {}, {}, other)) == ids


def test_res_pins_are_preferred_over_ranges() -> None:
    p = _provider()
    pinned = {"x": iter([RequirementInformation(Requirement("x", frozenset(), SpecifierSet("==1.0")), None)])}
    ranged = {"y": iter([RequirementInformation(Requirement("y", frozenset(), SpecifierSet(">=1")), None)])}
    assert p.get_preference("x", {}, {}, pinned, []) < p.get_preference("y", {}, {}, ranged, [])


def test_res_wide_conflict_stays_bounded() -> None:
    """Many unrelated projects with many versions around one conflict: the backtracking must stay on
    the conflicting pair instead of walking every combination of the bystanders."""
    index: dict[str, Any] = {f"p{i}": {f"1.{v}": {} for v in range(15)} for i in range(12)}
    index["top"] = {f"{v}.0": {"requires_dist": [f"p{i}" for i in range(12)] + ["left", "right"]} for v in range(1, 4)}
    index["left"] = {f"1.{v}": {"requires_dist": ["core<2"]} for v in range(10)}
    index["right"] = {f"1.{v}": {"requires_dist": ["core>=2"]} for v in range(10)}
    index["core"] = {"1.0": {}, "2.0": {}}
    resolver = Resolver(SnapshotIndex.from_mapping(index), max_rounds=2000)
    with pytest.raises(ResolutionImpossible) as e:
        resolver.resolve(["top"], ResolveTarget())
    assert e.value.causes[0].project == "core"
    assert "all versions of left depend on core<2" in e.value.explain()


def test_res_resolver_shares_results_across_calls() -> None:
    c = _case("deep-backtrack")
    resolver = Resolver(SnapshotIndex.from_mapping(c["index"]))
    first = resolver.resolve(c["requested"], ResolveTarget())
    again = resolver.resolve(list(reversed(c["requested"])), ResolveTarget())
    assert again is first
    other = resolver.resolve(c["requested"], ResolveTarget("3.12"))
    assert other is not first and other.pins == first.pins


BYSTANDER = {
    "fw": {"5.2": {}, "5.1": {}, "4.2": {}},
    "rest": {"3.18": {"requires_dist": ["fw>=5.2"]}, "3.15": {"requires_dist": ["fw>=4.2"]}},
    "jobs": {
        "5.7": {"requires_dist": ["kv[redis]>=5.7; extra == 'redis'"]},
        "5.5": {"requires_dist": ["kv[redis]>=5.5; extra == 'redis'"]},
        "5.4": {"requires_dist": ["store>=4.5.2,<6; extra == 'redis'"]},
    },
    "kv": {f"5.{m}": {"requires_dist": ["store>=4.5.2; extra == 'redis'"]} for m in (5, 7)},
    "store": {"8.1": {}, "5.3": {}, "4.4": {}},
}
BYSTANDER_ROOTS = ["fw>=4.2", "rest", "jobs[redis]", "store<4.5"]


def test_res_failure_is_explained_by_a_genuine_conflict() -> None:
    with pytest.raises(ResolutionImpossible) as e:
        resolve(BYSTANDER_ROOTS, ResolveTarget(), SnapshotIndex.from_mapping(BYSTANDER))
    assert e.value.genuine()
    assert e.value.causes[0].project == "store"
    assert "fw" not in {c.project for c in e.value.causes}


def test_res_bystander_causes_are_narrowed_to_a_minimal_core() -> None:
    """Given resolvelib's last (bystander) causes, the resolver shrinks the roots to the two that
    cannot meet and explains those."""
    from matrixhell.resolution.explain import ConflictCause, Requirer

    resolver = Resolver(SnapshotIndex.from_mapping(BYSTANDER))
    target = ResolveTarget()
    catalog = resolver.catalog(target)
    bystander = ResolutionImpossible(
        [
            ConflictCause(
                "fw",
                (
                    Requirer("fw>=5.2", "rest==3.18", None, ("rest==3.18",), ("5.2",)),
                    Requirer("fw>=4.2", None, None, (), ("5.2", "5.1", "4.2")),
                ),
                ("5.2", "5.1", "4.2"),
                (),
            )
        ],
        target.label(),
    )
    assert not bystander.genuine()
    from matrixhell.resolution.candidates import parse_requirement

    roots = [parse_requirement(r) for r in BYSTANDER_ROOTS]
    narrowed = resolver._narrowed(bystander, roots, {}, catalog, {})
    assert narrowed.genuine()
    assert set(narrowed.core) == {"jobs[redis]", "store<4.5"}
    assert "cannot be satisfied together: " in narrowed.explain()
    assert narrowed.causes[0].project == "store"


def test_res_progress_goes_through_the_reporter() -> None:
    from matrixhell.reporting import Reporter

    class Steps(Reporter):
        def __init__(self) -> None:
            self.steps: list[str] = []

        def step(self, message: str) -> None:
            self.steps.append(message)

    steps = Steps()
    c = _case("transitive")
    resolver = Resolver(SnapshotIndex.from_mapping(c["index"]), reporter=steps)
    resolver.resolve(c["requested"], ResolveTarget())
    resolver.resolve(c["requested"], ResolveTarget())  # shared: no second resolution
    assert steps.steps == ["resolving 1 requirements for python 3.11 on manylinux_2_36_x86_64"]


def test_res_hint_names_a_python_that_would_work() -> None:
    e = _fail("requires-python-none")
    assert e.suggestion == "a==1.0 installs on Python 3.12 (manylinux_2_36_x86_64)"
    assert e.hint == e.suggestion and "hint: a==1.0 installs on Python 3.12" in e.explain()


def test_res_hint_names_glibc_when_musl_has_no_wheel() -> None:
    index = {"fastlib": {"1.0": {"files": ["fastlib-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"]}}}
    with pytest.raises(ResolutionImpossible) as e:
        resolve(["fastlib"], ResolveTarget("3.11", "musllinux_1_2_x86_64"), SnapshotIndex.from_mapping(index))
    assert e.value.suggestion == "fastlib==1.0 has a wheel for glibc (manylinux): use a glibc base"


def test_res_no_hint_for_a_real_conflict() -> None:
    assert _fail("diamond-conflict").suggestion is None


def test_res_exclusions_outside_the_range_asked_for_are_not_given_as_the_reason() -> None:
    """Versions left out for their Requires-Python explain nothing when the requirement would not take
    them anyway: the reason is that the index has no version in the range."""
    index = SnapshotIndex.from_mapping({"s": {"14.4.2": {}, "16.0.0": {"requires_python": ">=3.9"},
                                              "16.1.0": {"requires_python": ">=3.9"}}})
    with pytest.raises(ResolutionImpossible) as e:
        resolve(["s>=2.60,<3"], ResolveTarget("3.8", "manylinux_2_36_x86_64"), index)
    first = e.value.explain().splitlines()[1]
    assert "requires Python" not in first
    assert "only versions 16.1.0, 16.0.0, 14.4.2 of s exist in the index" in first
    with pytest.raises(ResolutionImpossible) as e:
        resolve(["s>=16"], ResolveTarget("3.8", "manylinux_2_36_x86_64"), index)
    assert "s==16.1.0 requires Python >=3.9, s==16.0.0 requires Python >=3.9" in e.value.explain()


def test_res_a_lock_files_pins_are_named_as_the_lock_not_as_constraints() -> None:
    from matrixhell.resolution.explain import Requirer

    def who(path: str | None) -> str:
        origin = Origin(path, 3) if path else None
        return Requirer("flask==2.0.3", None, None, (), (), origin=origin, constraint=True).who()

    assert who("svc/uv.lock") == "the pins of uv.lock"
    assert who("svc/poetry.lock") == "the pins of poetry.lock"
    assert who("svc/constraints.txt") == "your constraints"
    assert who(None) == "your constraints"
    assert Requirer("flask", None, None, (), ()).who() == "you"
