"""Resolution cases as data (fixtures/resolution/*.json): each runs over the snapshot provider, over a
find-links folder of real wheels built from the same data, and against uv on that folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from res_wheelhouse import build_wheelhouse, load_case, uv_compile

from matrixhell.knowledge.index import FindLinks, SnapshotIndex
from matrixhell.resolution import ResolutionImpossible, ResolveTarget, resolve

CASES = sorted((Path(__file__).parents[2] / "fixtures" / "resolution").glob("*.json"))
UV_CASES = [p for p in CASES if load_case(p).get("uv", True)]


def _verdict(case: dict[str, Any], provider: Any) -> tuple[bool, dict[str, str], Any]:
    target = ResolveTarget(python_version=case["python"], platform=case["platform"])
    try:
        res = resolve(case["requested"], target, provider, case.get("constraints", ()), only_binary=_only_binary(case))
    except ResolutionImpossible as e:
        return False, {}, e
    return True, res.pins, res


def _only_binary(case: dict[str, Any]) -> bool | list[str]:
    value = case.get("only_binary", False)
    return True if value == ":all:" else value


def _check_expected(case: dict[str, Any], ok: bool, pins: dict[str, str], detail: Any) -> None:
    expected = case["expected"]
    if "pins" in expected:
        assert ok, detail.explain() if isinstance(detail, ResolutionImpossible) else detail
        assert pins == expected["pins"]
        for name, wheel in expected.get("wheels", {}).items():
            assert detail.wheel[name] == wheel
    else:
        assert not ok, f"expected a conflict, got {pins}"
        conflict = expected["conflict"]
        first = detail.causes[0]
        assert first.project == conflict["project"], detail.explain()
        seen = {r.requirement for r in first.requirers}
        assert set(conflict["requirements"]) <= seen, detail.explain()
        assert detail.to_causes(), "the analyzer needs cause chains"
        assert conflict["project"] in detail.explain()


def _case_id(p: Path) -> str:
    return p.stem


@pytest.mark.parametrize("path", CASES, ids=_case_id)
def test_res_case_snapshot(path: Path) -> None:
    case = load_case(path)
    ok, pins, detail = _verdict(case, SnapshotIndex.from_mapping(case["index"]))
    _check_expected(case, ok, pins, detail)


@pytest.mark.parametrize("path", CASES, ids=_case_id)
def test_res_case_findlinks(path: Path, tmp_path: Path) -> None:
    case = load_case(path)
    if any(v.get("yanked") for versions in case["index"].values() for v in versions.values()):
        # A find-links folder has no yanked flag: the case is about the snapshot/simple index.
        ok, pins, detail = _verdict(case, SnapshotIndex.from_mapping(case["index"]))
    else:
        folder = build_wheelhouse(case["index"], tmp_path / "wheels")
        ok, pins, detail = _verdict(case, FindLinks(folder))
    _check_expected(case, ok, pins, detail)


@pytest.mark.parametrize("path", UV_CASES, ids=_case_id)
def test_res_case_against_uv(path: Path, tmp_path: Path) -> None:
    case = load_case(path)
    folder = build_wheelhouse(case["index"], tmp_path / "wheels")
    ours_ok, ours_pins, _detail = _verdict(case, FindLinks(folder))
    uv_ok, uv_pins, uv_out = uv_compile(
        case["requested"],
        folder,
        case["python"],
        case["platform"],
        tmp_path,
        case.get("constraints", ()),
        only_binary=case.get("only_binary"),
    )
    assert ours_ok == uv_ok, f"uv says {'resolvable' if uv_ok else 'impossible'}: {uv_out}"
    assert ours_pins == uv_pins, uv_out
