"""Rules inside one service: each one with hand-built services in the fake world of an_fakes."""

from __future__ import annotations

from an_fakes import (
    BOOKWORM,
    BULLSEYE,
    TRIXIE,
    FakeCatalog,
    apt,
    failing_resolver,
    frm,
    kinds,
    knowledge,
    of_kind,
    pkg,
    rt,
    run,
    svc,
)

from matrixhell.conflicts import Knowledge, rules
from matrixhell.model import Service, Severity


def test_two_pins_that_disagree_are_a_warning_naming_both_sources() -> None:
    s = svc(
        "reports",
        runtimes=[
            rt("==3.11.*", source="dockerfile-from", path="reports/Dockerfile", raw="python:3.11-slim"),
            rt("==3.8.*", path="reports/.python-version", raw="3.8"),
        ],
    )
    _p, conflicts, _c = run([s])
    [c] = of_kind(conflicts, "runtime-disagreement")
    assert c.severity is Severity.WARNING
    assert c.title == "python >=3.11,<3.12 and >=3.8,<3.9 have no version in common"
    assert [str(x.origin) for x in c.causes] == ["reports/Dockerfile:1", "reports/.python-version:1"]
    assert "dockerfile-from" in (c.hint or "") and "reports/.python-version:1" in (c.hint or "")


def test_a_pin_outside_the_declared_range_is_an_error() -> None:
    s = svc(
        "api",
        runtimes=[
            rt("==3.8.*", path="api/.python-version"),
            rt(">=3.10", source="requires-python", path="api/pyproject.toml", line=4),
        ],
    )
    profiles, conflicts, _c = run([s])
    [c] = of_kind(conflicts, "runtime-disagreement")
    assert c.severity is Severity.ERROR
    # the better-ranked source stands; the plan keeps to it
    assert str(profiles[0].declared) == ">=3.8,<3.9"


def test_agreeing_sources_narrow_each_other() -> None:
    s = svc("api", runtimes=[rt(">=3.9", source="requires-python"), rt("==3.11.*", source="dockerfile-from")])
    profiles, conflicts, _c = run([s])
    assert not of_kind(conflicts, "runtime-disagreement")
    assert str(profiles[0].declared) == ">=3.11,<3.12"


def test_requires_python_of_a_locked_package_excludes_the_runtime() -> None:
    s = svc("reports", runtimes=[rt("==3.8.*")], packages=[pkg("pandas", "2.2.2", path="reports/requirements.txt")])
    _p, conflicts, _c = run([s])
    [c] = of_kind(conflicts, "requires-python")
    assert c.severity is Severity.ERROR
    assert c.title == ("python >=3.8,<3.9 and >=3.9 (Requires-Python of pandas 2.2.2) have no version in common")
    # the hint names the newest pandas that still supports 3.8, and the runtime that fits the pin
    assert "pandas==2.0.3" in (c.hint or "")
    assert "python 3.9 or newer" in (c.hint or "")
    assert str(c.causes[1].origin) == "reports/requirements.txt:1"
    pinned = c.causes[1].because[0]
    assert (pinned.subject, pinned.relation, pinned.object) == ("reports", "locks", "pandas==2.2.2")


def test_requires_python_narrows_a_wide_range_without_a_conflict() -> None:
    s = svc("web", runtimes=[rt(">=3.8", source="requires-python")], packages=[pkg("django", "5.0.6")])
    profiles, conflicts, _c = run([s])
    assert not of_kind(conflicts, "requires-python")
    assert str(profiles[0].range) == ">=3.10"
    assert "3.9" not in profiles[0].versions


def test_marker_that_is_false_on_the_runtime_is_ignored() -> None:
    s = svc(
        "billing",
        runtimes=[rt("==3.8.*")],
        packages=[pkg("pandas", "2.2.2", marker='python_version >= "3.9"')],
    )
    _p, conflicts, _c = run([s])
    assert not of_kind(conflicts, "requires-python")


def test_unsatisfiable_requirements_carry_the_resolver_causes() -> None:
    s = svc("billing", runtimes=[rt("==3.11.*")], packages=[pkg("stripe", specifier=">=2.60,<3")])
    _p, conflicts, _c = run([s], knowledge(resolve=failing_resolver("stripe")))
    [c] = of_kind(conflicts, "unsatisfiable-requirements")
    assert c.severity is Severity.ERROR
    # the title says who asks what, in the service's words, not the resolver's
    assert (
        c.title
        == "urllib3>=2 (stripe) and urllib3<2 (the pins of billing) have no version of urllib3 in common on python 3.11"
    )
    assert [x.object for x in c.causes] == ["urllib3>=2", "urllib3<2"]
    assert [x.subject for x in c.causes] == ["stripe", "the pins of billing"]
    # only what billing wrote is its to loosen: stripe's own requirement is not
    assert "loosen urllib3<2;" in (c.hint or "")


def test_a_failure_on_some_python_lines_only_narrows_the_range() -> None:
    from matrixhell.conflicts import ResolveOutcome

    def resolve(
        reqs: object, cons: object, python: str, libc: str, origins: object, libc_version: str | None = None
    ) -> ResolveOutcome:
        return ResolveOutcome(python not in ("3.13", "3.12"), message=f"no wheel for {python}")

    s = svc("ingest", runtimes=[rt(">=3.11", source="requires-python")], packages=[pkg("psycopg", "3.1.19")])
    profiles, conflicts, _c = run([s], knowledge(resolve=resolve))
    assert not of_kind(conflicts, "unsatisfiable-requirements")
    assert profiles[0].versions == ("3.11",)
    assert str(profiles[0].range) == ">=3.11,<3.12"


def test_no_release_ships_libssl11_with_python_313() -> None:
    s = svc(
        "billing",
        runtimes=[rt("==3.13.*")],
        system=[apt("libssl1.1", path="billing/Dockerfile", line=5)],
    )
    profiles, conflicts, _c = run([s])
    [c] = of_kind(conflicts, "no-release-for-lib")
    assert c.severity is Severity.ERROR
    assert c.title == "no release ships libssl1.1 with python >=3.13,<3.14"
    assert "debian bullseye" in (c.hint or "") and "python 3.12 on debian bullseye" in (c.hint or "")
    # the plan still places it, without the library, and says so
    assert profiles[0].relaxed == ("requires-python", "system-libraries")
    assert profiles[0].plan_slots


def test_a_library_the_catalog_does_not_track_constrains_nothing() -> None:
    s = svc("api", runtimes=[rt("==3.13.*")], system=[apt("some-unknown-tool")])
    profiles, conflicts, _c = run([s])
    assert not conflicts
    assert set(profiles[0].slots) == {"debian:bookworm", "debian:trixie"}


def test_musl_target_with_a_native_package_and_no_musllinux_wheel() -> None:
    s = svc(
        "ml",
        runtimes=[rt("==3.11.*")],
        packages=[pkg("psycopg2", "2.9.9"), pkg("psycopg2-binary", "2.9.9")],
        base=[frm("python:3.11-alpine3.19")],
    )
    _p, conflicts, _c = run([s])
    [c] = of_kind(conflicts, "musl-no-wheel")
    assert c.severity is Severity.WARNING
    assert c.title.startswith("psycopg2 2.9.9 has no musllinux wheel for python 3.11")
    assert "postgresql-dev" in (c.hint or "") and "gcc" in (c.hint or "")


def test_glibc_target_never_warns_about_musl_wheels() -> None:
    s = svc("api", runtimes=[rt("==3.11.*")], packages=[pkg("psycopg2", "2.9.9")])
    _p, conflicts, _c = run([s])
    assert not of_kind(conflicts, "musl-no-wheel")


def test_runtime_no_known_base_offers() -> None:
    s = svc("old", runtimes=[rt("==3.6.*")])
    profiles, conflicts, _c = run([s])
    [c] = of_kind(conflicts, "no-runtime-release")
    assert c.severity is Severity.WARNING
    assert "3.8" in (c.hint or "")  # planned on the nearest line the catalog knows
    assert profiles[0].relaxed[-1] == "runtime-version"
    # and the way out names the file to change and the nearest lines above what it asks, oldest first
    assert (c.hint or "").endswith("or change x/.python-version:1 to a python line a base offers (3.8, 3.9, 3.10)")


def test_an_unknown_old_runtime_is_planned_on_the_nearest_known_line() -> None:
    from matrixhell.plan import make_plan

    profiles, conflicts, ctx = run([svc("mailer", runtimes=[rt("==14.*", runtime="node", source="nvmrc")])])
    plan = make_plan(profiles, conflicts, ctx.view)
    target = plan.target_of("mailer")
    assert target is not None and (target.runtime, target.runtime_version) == ("node", "18")


def test_a_service_that_fits_only_an_end_of_life_release_is_warned() -> None:
    s = svc("billing", runtimes=[rt("==3.8.*")], system=[apt("libssl1.1", path="billing/Dockerfile", line=5)])
    _p, conflicts, _c = run([s])
    [c] = of_kind(conflicts, "eol-release")
    assert c.severity is Severity.WARNING
    assert c.title == "billing fits only releases past their end of life: debian bullseye (end of life 2026-08-31)"
    assert (c.hint or "").startswith("libssl1.1 keeps billing there")
    # the same service on a supported release is not warned
    _p, conflicts, _c = run([svc("billing", runtimes=[rt("==3.8.*")])])
    assert not of_kind(conflicts, "eol-release")


def test_every_rule_is_registered_once_with_a_summary() -> None:
    found = {r.kind: r for r in rules()}
    assert set(found) >= {
        "runtime-disagreement",
        "requires-python",
        "unsatisfiable-requirements",
        "no-release-for-lib",
        "musl-no-wheel",
        "disjoint-runtime",
        "disjoint-pins",
        "os-lib-clash",
        "libc-clash",
        "no-shared-release",
        "no-runtime-release",
    }
    assert all(r.summary and r.scope in ("service", "pair", "fallback") for r in found.values())


def test_a_clean_service_has_no_conflict() -> None:
    s = svc("api", runtimes=[rt("==3.12.*")], packages=[pkg("django", "5.0.6")], system=[apt("libpq5")])
    _p, conflicts, _c = run([s])
    assert kinds(conflicts) == []


def test_releases_are_ranked_supported_first() -> None:
    from datetime import date

    from matrixhell.conflicts.profile import rank_release

    order = sorted([BULLSEYE, TRIXIE, BOOKWORM], key=lambda r: rank_release(r, date(2026, 12, 1)))
    assert [r.name for r in order] == ["trixie", "bookworm", "bullseye"]  # bullseye is past its EOL
    cat = FakeCatalog([BULLSEYE])
    assert [r.name for r in cat.releases] == ["bullseye"]


def test_every_kind_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "conflicts.md").read_text(encoding="utf-8")
    headings = {line[4:].strip() for line in doc.splitlines() if line.startswith("### ")}
    assert {r.kind for r in rules()} <= headings


def test_two_requires_python_that_exclude_each_other() -> None:
    from an_fakes import REQUIRES_PYTHON

    REQUIRES_PYTHON[("legacy-lib", "1.0")] = "<3.10"
    try:
        s = svc(
            "api",
            runtimes=[rt(">=3.8", source="requires-python")],
            packages=[pkg("legacy-lib", "1.0"), pkg("django", "5.0.6")],
        )
        _p, conflicts, _c = run([s])
    finally:
        del REQUIRES_PYTHON[("legacy-lib", "1.0")]
    [c] = of_kind(conflicts, "requires-python")
    # each alone fits >=3.8; together nothing does, whichever narrowed first
    assert "(narrowed by " in c.title and "have no version in common" in c.title
    assert {"legacy-lib", "django"} <= {w.strip(",()") for w in c.title.split()}
    assert "run api on python" not in (c.hint or "")  # the narrowing package forbids moving the runtime
    assert "upgrade " in (c.hint or "")


def test_a_from_whose_release_lacks_an_installed_package_is_named_with_the_fix() -> None:
    s = svc(
        "billing",
        runtimes=[rt("==3.8.*", source="dockerfile-from", path="billing/Dockerfile")],
        system=[apt("libssl3", path="billing/Dockerfile", line=2)],
        base=[frm("python:3.8-slim-bullseye", "billing/Dockerfile")],
    )
    _p, conflicts, _c = run([s])
    [c] = of_kind(conflicts, "from-lacks-lib")
    assert c.severity is Severity.WARNING and c.subjects == ("billing",)
    assert c.title == "python:3.8-slim-bullseye is debian bullseye, which has no libssl3"
    assert [str(x.origin) for x in c.causes] == ["billing/Dockerfile:1", "billing/Dockerfile:2"]
    assert c.hint is not None and c.hint.startswith("build FROM python:3.8-slim-bookworm (debian bookworm has libssl3)")


def test_a_from_whose_release_has_what_it_installs_is_quiet() -> None:
    s = svc(
        "billing",
        runtimes=[rt("==3.8.*", source="dockerfile-from", path="billing/Dockerfile")],
        system=[apt("libssl1.1", path="billing/Dockerfile", line=2)],
        base=[frm("python:3.8-slim-bullseye", "billing/Dockerfile")],
    )
    _p, conflicts, _c = run([s])
    assert not of_kind(conflicts, "from-lacks-lib")


def _wheels(table: dict[str, set[str] | None]) -> object:
    """has_wheel answering from ``table``: package -> the Python lines with a wheel (None: unknown)."""

    def has_wheel(name: str, version: str, python: str, libc: str, libc_version: str | None = None) -> bool | None:
        if name not in table:
            return True
        lines = table[name]
        return None if lines is None else python in lines

    return has_wheel


def test_newest_lines_without_a_wheel_for_a_pin_are_left_out() -> None:
    from matrixhell.render.explain import derivation

    s = svc("np", runtimes=[rt(">=3.8", source="requires-python")], packages=[pkg("numpy", "1.26.4")])
    kn = knowledge(has_wheel=_wheels({"numpy": {"3.9", "3.10", "3.11", "3.12"}}))
    profiles, _c, _ctx = run([s], kn)
    p = profiles[0]
    # 3.13 has no numpy 1.26.4 wheel but older lines do: plan on 3.12, not build numpy from source
    assert p.versions[0] == "3.12" and "3.13" not in p.versions and str(p.range) == ">=3.8,<3.13"
    assert [(line, name) for line, name, _v, _o in p.wheel_gaps] == [("3.13", "numpy")]
    target = _plan_one(s, kn)
    assert target == "3.12"
    from matrixhell.conflicts.causes import range_cause

    assert any("numpy 1.26.4 has no wheel for python 3.13" in line for line in derivation([range_cause(p)]))


def test_sdist_only_and_unknown_pins_do_not_move_the_runtime() -> None:
    tables: list[dict[str, set[str] | None]] = [{"oldpkg": set()}, {"oldpkg": None}]
    for table in tables:
        s = svc("x", runtimes=[rt(">=3.8", source="requires-python")], packages=[pkg("oldpkg", "0.1")])
        profiles, _c, _ctx = run([s], knowledge(has_wheel=_wheels(table)))
        assert profiles[0].versions[0] == "3.13" and profiles[0].wheel_gaps == ()


def _plan_one(s: Service, kn: Knowledge) -> str | None:
    from matrixhell.conflicts import build_profiles, find_conflicts, make_context
    from matrixhell.plan import make_plan

    profiles = build_profiles([s], kn)
    ctx = make_context(profiles, kn)
    target = make_plan(profiles, find_conflicts(ctx), ctx.view).target_of(s.name)
    return target.runtime_version if target else None


def test_musl_hint_names_the_nearest_release_with_a_musllinux_wheel() -> None:
    wheels = {("lxml", "5.2.2"): False, ("lxml", "5.3.0"): True, ("lxml", "6.0.0"): True, ("lxml", "5.1.0"): True}

    def has_wheel(name: str, version: str, python: str, libc: str, libc_version: str | None = None) -> bool | None:
        return True if libc == "glibc" else wheels.get((name, version))

    def versions_of(name: str) -> list[tuple[str, str | None]]:
        return [(v, None) for n, v in wheels if n == name]

    s = svc("ml", runtimes=[rt("==3.11.*")], packages=[pkg("lxml", "5.2.2")], base=[frm("python:3.11-alpine3.19")])
    _p, conflicts, _c = run([s], knowledge(has_wheel=has_wheel, versions_of=versions_of))
    [c] = of_kind(conflicts, "musl-no-wheel")
    # the smallest step up that has one, not the newest or an older one
    assert (c.hint or "").endswith("; or pin lxml==5.3.0, which has a musllinux wheel for python 3.11")


def test_a_curated_release_lacks_only_what_its_curation_follows() -> None:
    from an_fakes import FakeCatalog, FakeLibPackages, FakeRelease

    from matrixhell.conflicts.profile import CatalogView, LibNeed

    def ubuntu(name: str, pkgs: set[str]) -> FakeRelease:
        jpeg = {"libjpeg": FakeLibPackages(("libjpeg-dev",), ("libjpeg-turbo8",))}
        return FakeRelease(
            "ubuntu", name, name, "glibc", "2.39", "libssl3", "3.12", frozenset(pkgs), jpeg, complete=False
        )

    deb = FakeRelease(
        "debian",
        "bookworm",
        "12",
        "glibc",
        "2.36",
        "libssl3",
        "3.11",
        frozenset({"curl", "libjpeg62-turbo", "libfoo1"}),
        {"libjpeg": FakeLibPackages(("libjpeg62-turbo-dev",), ("libjpeg62-turbo",))},
    )
    noble, jammy = ubuntu("24.04", {"libjpeg-turbo8"}), ubuntu("22.04", {"libjpeg-turbo8", "libfoo1"})
    view = CatalogView(knowledge(FakeCatalog([deb, noble, jammy], images=())))

    def apt_need(name: str) -> LibNeed:
        return LibNeed(name, False, "apt", "run", "")

    # curl is on every Ubuntu though the curation never names it: no verdict, so it fits
    assert view.satisfies(noble, apt_need("curl"))
    # Debian's name for a library Ubuntu ships as libjpeg-turbo8 is not on Ubuntu
    assert not view.satisfies(noble, apt_need("libjpeg62-turbo"))
    # a name the curation follows on another Ubuntu release is really absent here
    assert not view.satisfies(noble, apt_need("libfoo1")) and view.satisfies(jammy, apt_need("libfoo1"))
    # a complete release lacks whatever it does not list
    assert not view.satisfies(deb, apt_need("libjpeg-turbo8"))
