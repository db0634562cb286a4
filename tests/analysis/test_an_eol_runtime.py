"""eol-runtime: a service whose every possible runtime line is past its end of life, judged at the
Knowledge's date; and the plan choosing a supported line when a range allows one."""

from __future__ import annotations

from datetime import date

import pytest
from an_fakes import REQUIRES_PYTHON, frm, knowledge, pkg, rt, run, svc

from matrixhell.conflicts import Knowledge
from matrixhell.conflicts.profile import CatalogView
from matrixhell.model import Conflict, Service, Severity
from matrixhell.plan import make_plan

# The real CPython dates for the fake world's lines (3.13 .. 3.8).
ENDS = {
    "3.8": date(2024, 10, 7),
    "3.9": date(2025, 10, 31),
    "3.10": date(2026, 10, 31),
    "3.11": date(2027, 10, 31),
    "3.12": date(2028, 10, 31),
    "3.13": date(2029, 10, 31),
}


def _eol(ends: dict[str, date]):  # type: ignore[no-untyped-def]
    def end_of(runtime: str, version: str) -> date | None:
        if runtime != "python":
            return None
        line = ".".join(version.split(".")[:2])
        return ends.get(line)

    return end_of


def _kn(today: date = date(2026, 12, 1), ends: dict[str, date] | None = None) -> Knowledge:
    return knowledge(runtime_eol=_eol(ENDS if ends is None else ends), today=today)


def _eol_conflicts(services: list[Service], kn: Knowledge) -> list[Conflict]:
    _p, conflicts, _c = run(services, kn)
    return [c for c in conflicts if c.kind == "eol-runtime"]


def test_a_service_pinned_to_an_eol_line_gets_a_warning_with_its_pin_and_the_oldest_supported_line() -> None:
    s = svc("billing", runtimes=[rt("==3.8.*", path="billing/.python-version")])
    (c,) = _eol_conflicts([s], _kn())
    assert c.severity is Severity.WARNING and c.subjects == ("billing",)
    assert "python 3.8" in c.title and "2024-10-07" in c.title
    # The chain rests on the file and line that pin the version.
    root = c.causes[0]
    assert any(str(b.origin) == "billing/.python-version:1" for b in root.because)
    assert any(x.relation == "ended-support-on" and x.object == "2024-10-07" for x in c.causes)
    assert c.hint is not None and "python 3.11" in c.hint and "billing/.python-version:1" in c.hint


def test_a_looser_source_is_named_as_the_way_out() -> None:
    s = svc(
        "api",
        runtimes=[
            rt("==3.9.*", path="api/.python-version"),
            rt(">=3.8", source="requires-python", path="api/pyproject.toml", line=4),
        ],
    )
    (c,) = _eol_conflicts([s], _kn())
    assert c.hint is not None
    assert c.hint.startswith("requires-python (api/pyproject.toml:4) allows python 3.11, the oldest supported line")
    assert "python-version-file (api/.python-version:1)" in c.hint


def test_a_pin_that_narrows_the_range_onto_eol_lines_is_named() -> None:
    REQUIRES_PYTHON[("legacy-lib", "1.0")] = "<3.10"
    try:
        s = svc(
            "api",
            runtimes=[rt(">=3.8", source="requires-python", path="api/pyproject.toml")],
            packages=[pkg("legacy-lib", specifier="==1.0", path="api/requirements.txt")],
        )
        (c,) = _eol_conflicts([s], _kn())
    finally:
        del REQUIRES_PYTHON[("legacy-lib", "1.0")]
    assert "every python line api can run (3.9, 3.8)" in c.title
    assert c.hint is not None and "python 3.11" in c.hint and "legacy-lib 1.0" in c.hint


@pytest.mark.parametrize(
    ("today", "ends", "fires"),
    [
        (date(2024, 1, 1), ENDS, False),  # 3.8 still supported then
        (date(2024, 10, 7), ENDS, True),  # the end date itself is past support
        (date(2026, 12, 1), {}, False),  # nobody dates the line: no verdict
    ],
)
def test_the_judged_date_and_the_data_decide(today: date, ends: dict[str, date], fires: bool) -> None:
    s = svc("billing", runtimes=[rt("==3.8.*")])
    assert bool(_eol_conflicts([s], _kn(today, ends))) is fires


def test_no_data_no_rule() -> None:
    s = svc("billing", runtimes=[rt("==3.8.*")])
    assert not _eol_conflicts([s], knowledge(today=date(2026, 12, 1)))


def test_one_supported_line_among_the_choices_is_enough() -> None:
    s = svc("api", runtimes=[rt(">=3.8", source="requires-python")])
    assert not _eol_conflicts([s], _kn())


def test_the_plan_prefers_a_supported_line_when_the_range_allows_a_choice() -> None:
    # A made-up world where 3.12 is past its end and 3.11 is not: the newest line is not the best.
    ends = dict(ENDS, **{"3.12": date(2026, 1, 1)})
    kn = _kn(ends=ends)
    s = svc("api", runtimes=[rt(">=3.11,<3.13", source="requires-python")])
    profiles, conflicts, _ctx = run([s], kn)
    plan = make_plan(profiles, conflicts, CatalogView(kn))
    target = plan.target_of("api")
    assert target is not None and target.runtime_version == "3.11"
    # With every line supported the newest wins as before.
    profiles, conflicts, _ctx = run([s], _kn())
    target = make_plan(profiles, conflicts, CatalogView(_kn())).target_of("api")
    assert target is not None and target.runtime_version == "3.12"


def test_a_hand_written_from_of_an_eol_line_keeps_its_base_and_is_flagged() -> None:
    s = svc("legacy", runtimes=[rt("==3.8.*", source="dockerfile", path="legacy/Dockerfile")],
            base=[frm("python:3.8-slim-bullseye", "legacy/Dockerfile")])
    kn = _kn()
    profiles, conflicts, _ctx = run([s], kn)
    assert [c.kind for c in conflicts if c.kind == "eol-runtime"] == ["eol-runtime"]
    target = make_plan(profiles, conflicts, CatalogView(kn)).target_of("legacy")
    assert target is not None and target.base_image == "python:3.8-slim-bullseye"


def test_a_disagreeing_source_that_names_a_supported_line_is_the_way_out() -> None:
    s = svc(
        "api",
        runtimes=[
            rt("==3.8.*", source="runtime-txt", path="api/runtime.txt"),
            rt("==3.12.*", path="api/.python-version"),  # left out: it disagrees with runtime.txt
        ],
    )
    conflicts = _eol_conflicts([s], _kn())
    assert len(conflicts) == 1
    assert conflicts[0].hint == (
        "python-version-file (api/.python-version:1) allows python 3.12, the oldest supported line; "
        "change runtime-txt (api/runtime.txt:1) to it"
    )


def test_a_line_no_base_offers_falls_back_to_the_nearest_supported_line() -> None:
    nodes = {"18": date(2025, 4, 30), "20": date(2026, 4, 30), "22": date(2027, 4, 30)}

    def end_of(runtime: str, version: str) -> date | None:
        return nodes.get(version.split(".")[0]) if runtime == "node" else None

    s = svc("mailer", runtimes=[rt("==12.22.12", source="nvmrc", path="mailer/.nvmrc", runtime="node")])
    for kn, line in ((knowledge(today=date(2026, 12, 1)), "18"), (knowledge(runtime_eol=end_of), "22")):
        profiles, conflicts, _ctx = run([s], kn)
        target = make_plan(profiles, conflicts, CatalogView(kn)).target_of("mailer")
        assert target is not None and target.runtime_version == line
        (c,) = [c for c in conflicts if c.kind == "no-runtime-release"]
        assert c.hint is not None and c.hint.endswith(f"({', '.join(['18', '20', '22'] if line == '18' else ['22'])})")


@pytest.mark.parametrize(
    ("runtime", "spec", "image"),
    [
        ("php", ">=7.4,<7.5", "php:7.4-cli-bullseye"),
        ("node", "==14.21.3", "node:14-bullseye-slim"),
        ("ruby", "==2.7.8", "ruby:2.7-slim-bullseye"),
        ("python", "==3.7.*", "python:3.7-slim-bookworm"),
    ],
)
def test_the_shipped_table_gives_an_eol_line_a_real_base_without_a_hand_written_from(
    runtime: str, spec: str, image: str
) -> None:
    from matrixhell.analyze import load_knowledge

    kn = load_knowledge(today=date(2026, 12, 1))
    s = svc("old", runtimes=[rt(spec, source="manifest", path="old/manifest", runtime=runtime)])
    profiles, conflicts, _ctx = run([s], kn)
    assert "no-runtime-release" not in [c.kind for c in conflicts]
    assert "eol-runtime" in [c.kind for c in conflicts]
    target = make_plan(profiles, conflicts, CatalogView(kn)).target_of("old")
    assert target is not None and target.base_image == image
