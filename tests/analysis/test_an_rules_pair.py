"""Rules between two services: why they cannot share one environment."""

from __future__ import annotations

from an_fakes import (
    BOOKWORM,
    BULLSEYE,
    FakeCatalog,
    FakeImage,
    apt,
    frm,
    kinds,
    knowledge,
    of_kind,
    pkg,
    rt,
    run,
    svc,
)

from matrixhell.conflicts import can_share
from matrixhell.model import Severity


def test_disjoint_runtime_says_the_merged_ranges() -> None:
    api = svc("api", runtimes=[rt("==3.8.*", path="api/.python-version")])
    admin = svc("admin", runtimes=[rt(">=3.12", source="requires-python", path="admin/pyproject.toml", line=5)])
    _p, conflicts, _c = run([api, admin])
    [c] = of_kind(conflicts, "disjoint-runtime")
    assert c.severity is Severity.ERROR
    assert c.subjects == ("admin", "api")
    assert c.title == "python >=3.12 and >=3.8,<3.9 have no version in common"
    # root-cause pair first: one cause per service, each resting on the source that said it
    assert [x.subject for x in c.causes] == ["admin", "api"]
    assert str(c.causes[1].because[0].origin) == "api/.python-version:1"
    # the way to share: the older side moves up, in the file that pins it
    assert (c.hint or "").endswith("; to share, api must move to python >=3.12 (api/.python-version:1)")
    # the hint names the release and base that fit each side
    assert "api fits debian bookworm (python 3.8 from python:3.8-slim-bookworm" in (c.hint or "")
    assert "admin fits debian trixie (python 3.13 from python:3.13-slim-trixie" in (c.hint or "")


def test_ranges_that_meet_are_no_conflict() -> None:
    a = svc("a", runtimes=[rt(">=3.9,<3.12", source="requires-python")])
    b = svc("b", runtimes=[rt("==3.11.*")])
    profiles, conflicts, _c = run([a, b])
    assert not conflicts
    assert can_share(profiles)


def test_disjoint_pins_of_direct_packages_are_an_error() -> None:
    api = svc("api", runtimes=[rt("==3.11.*")], packages=[pkg("django", "3.2.25", path="api/requirements.txt")])
    admin = svc("admin", runtimes=[rt("==3.11.*")], packages=[pkg("django", "5.0.6", path="admin/uv.lock")])
    profiles, conflicts, _c = run([api, admin])
    [c] = of_kind(conflicts, "disjoint-pins")
    assert c.severity is Severity.ERROR
    assert c.title == "django ==5.0.6 and ==3.2.25 have no version in common"
    assert not can_share(profiles)


def test_a_lock_pin_outside_the_others_specifier_is_disjoint() -> None:
    api = svc("api", packages=[pkg("django", "3.2.25")])
    admin = svc("admin", packages=[pkg("django", specifier=">=5.0")])
    _p, conflicts, _c = run([api, admin])
    [c] = of_kind(conflicts, "disjoint-pins")
    assert ">=5.0" in c.title and "==3.2.25" in c.title


def test_npm_pins_apart_do_not_stop_sharing() -> None:
    from matrixhell.model import Ecosystem

    a = svc("a", runtimes=[rt("==20.*", runtime="node")], packages=[pkg("react", "17.0.2", ecosystem=Ecosystem.NPM)])
    b = svc("b", runtimes=[rt("==20.*", runtime="node")], packages=[pkg("react", "18.3.1", ecosystem=Ecosystem.NPM)])
    profiles, conflicts, _c = run([a, b])
    assert not of_kind(conflicts, "disjoint-pins")
    assert can_share(profiles)


def test_transitive_pins_that_differ_only_warn_and_do_not_split() -> None:
    a = svc("a", packages=[pkg("certifi", "2024.2.2", direct=False)])
    b = svc("b", packages=[pkg("certifi", "2024.7.4", direct=False)])
    profiles, conflicts, _c = run([a, b])
    [c] = of_kind(conflicts, "disjoint-pins")
    assert c.severity is Severity.WARNING
    assert "re-lock" in (c.hint or "")
    assert can_share(profiles)


def test_more_than_one_package_apart_is_one_conflict_counting_the_rest() -> None:
    a = svc("a", packages=[pkg("django", "3.2.25"), pkg("flask", "2.0.3"), pkg("six", "1.16.0")])
    b = svc("b", packages=[pkg("django", "5.0.6"), pkg("flask", "3.0.3"), pkg("six", "1.16.0")])
    _p, conflicts, _c = run([a, b])
    [c] = of_kind(conflicts, "disjoint-pins")
    assert c.title.endswith("(and 1 more package)")
    assert len(c.causes) == 4


def test_os_lib_clash_libssl11_against_libssl3() -> None:
    billing = svc("billing", runtimes=[rt("==3.11.*")], system=[apt("libssl1.1", path="billing/Dockerfile", line=4)])
    web = svc("web", runtimes=[rt("==3.11.*")], system=[apt("libssl3", path="web/Dockerfile", line=6)])
    profiles, conflicts, _c = run([billing, web])
    [c] = of_kind(conflicts, "os-lib-clash")
    assert c.severity is Severity.ERROR
    assert c.title == ("no release ships libssl1.1 (billing) and libssl3 (web) together with python >=3.11,<3.12")
    assert "debian bullseye" in c.causes[0].because[0].object
    assert "billing fits debian bullseye" in (c.hint or "") and "web fits debian trixie" in (c.hint or "")
    assert not can_share(profiles)


def test_os_lib_clash_against_a_runtime_only_on_newer_releases() -> None:
    billing = svc("billing", runtimes=[rt(">=3.11", source="requires-python")], system=[apt("libssl1.1")])
    new = svc("new", runtimes=[rt("==3.13.*")])
    _p, conflicts, _c = run([billing, new])
    [c] = of_kind(conflicts, "os-lib-clash")
    assert "libssl1.1 (billing)" in c.title and "(new)" in c.title
    # the hint says what would let them share, and where that need is written
    assert (c.hint or "").endswith(
        "; to share, billing must do without libssl1.1 (x/Dockerfile:3), which only debian bullseye ships"
    )


def test_libc_clash_names_the_alpine_side_and_what_commits_it() -> None:
    front = svc("front", runtimes=[rt("==20.*", runtime="node")], base=[frm("node:20-alpine", "front/Dockerfile")])
    api = svc("api", runtimes=[rt("==3.11.*")], system=[apt("libpq5")])
    _p, conflicts, _c = run([front, api])
    [c] = of_kind(conflicts, "libc-clash")
    assert c.severity is Severity.ERROR
    assert c.title == "api runs on glibc and front on musl: no release has both"
    assert "front must leave Alpine (its Dockerfile builds FROM node:20-alpine)" in (c.hint or "")


def test_different_runtimes_are_not_a_conflict_by_themselves() -> None:
    api = svc("api", runtimes=[rt("==3.11.*")])
    web = svc("web", runtimes=[rt("==20.*", runtime="node")])
    profiles, conflicts, _c = run([api, web])
    assert kinds(conflicts) == []
    assert can_share(profiles)


def test_fallback_when_runtime_versions_never_meet_on_one_release() -> None:
    images = (
        FakeImage(
            "python:3.8-slim-bullseye",
            "python",
            "3.8-slim-bullseye",
            "debian",
            "bullseye",
            "glibc",
            "python",
            "3.8",
            "slim",
        ),
        FakeImage(
            "node:22-bookworm-slim", "node", "22-bookworm-slim", "debian", "bookworm", "glibc", "node", "22", "slim"
        ),
    )
    kn = knowledge(FakeCatalog([BULLSEYE, BOOKWORM], images))
    old = svc("old", runtimes=[rt("==3.8.*")])
    front = svc("front", runtimes=[rt("==22.*", runtime="node")])
    _p, conflicts, _c = run([old, front], kn)
    [c] = of_kind(conflicts, "no-shared-release")
    assert c.severity is Severity.ERROR
    assert c.title == "front and old fit no release together"
    assert "debian bookworm (node 22)" in c.causes[0].object
    assert "debian bullseye (python 3.8)" in c.causes[1].object


def test_conflicts_are_sorted_errors_first_and_deduplicated() -> None:
    a = svc("a", runtimes=[rt("==3.8.*"), rt("==3.11.*", source="dockerfile-from")])
    b = svc("b", runtimes=[rt(">=3.12", source="requires-python")])
    _p, conflicts, _c = run([a, b])
    ranks = [c.severity.rank for c in conflicts]
    assert ranks == sorted(ranks, reverse=True)
    assert len({c.key() for c in conflicts}) == len(conflicts)


def test_the_range_cause_points_at_the_source_that_says_the_merged_range() -> None:
    billing = svc(
        "billing",
        runtimes=[
            rt("==3.8.*", path="billing/.python-version"),
            rt("==3.8.18", source="runtime-txt", path="billing/runtime.txt"),
        ],
    )
    web = svc("web", runtimes=[rt(">=3.12", source="requires-python", path="web/pyproject.toml")])
    _p, conflicts, _c = run([billing, web])
    [c] = of_kind(conflicts, "disjoint-runtime")
    mine = next(x for x in c.causes if x.subject == "billing")
    assert (mine.object, str(mine.origin)) == ("python ==3.8.18", "billing/runtime.txt:1")
    assert [str(b.origin) for b in mine.because] == ["billing/.python-version:1", "billing/runtime.txt:1"]


def test_a_hint_for_a_service_nothing_fits_says_what_the_plan_gave_up() -> None:
    old = svc("mailer", runtimes=[rt("==14.*", runtime="node", source="nvmrc")])
    web = svc("web", runtimes=[rt("==20.*", runtime="node", source="nvmrc")])
    _p, conflicts, _c = run([old, web])
    [c] = of_kind(conflicts, "disjoint-runtime")
    assert "mailer fits debian bookworm (node 18 from node:18-bookworm-slim" in (c.hint or "")
    assert "the nearest to its node >=14,<15, which no known base offers" in (c.hint or "")


def _marked_pair(b_range: str) -> list:  # type: ignore[type-arg]
    # a pins tool 1 below Python 3.11 and tool 2 from 3.11 on; b pins tool 1
    a = svc(
        "a",
        runtimes=[rt(">=3.10", source="requires-python", path="a/pyproject.toml")],
        packages=[
            pkg("tool", "1.0", path="a/requirements.txt", line=1, marker='python_version < "3.11"'),
            pkg("tool", "2.0", path="a/requirements.txt", line=2, marker='python_version >= "3.11"'),
        ],
    )
    b = svc(
        "b",
        runtimes=[rt(b_range, source="requires-python", path="b/pyproject.toml")],
        packages=[pkg("tool", "1.0", path="b/requirements.txt")],
    )
    return [a, b]


def test_pins_with_markers_are_compared_on_the_lines_both_can_run() -> None:
    from matrixhell.conflicts import build_profiles, find_conflicts, make_context
    from matrixhell.plan import make_plan

    services = _marked_pair(">=3.10")
    profiles, conflicts, _c = run(services)
    # on the newest line a says tool 2 and b tool 1, but on 3.10 both say tool 1: they can share
    assert not of_kind(conflicts, "disjoint-pins")
    assert can_share(profiles)
    kn = knowledge()
    profiles = build_profiles(services, kn)
    ctx = make_context(profiles, kn)
    plan = make_plan(profiles, find_conflicts(ctx), ctx.view)
    [env] = plan.environments
    # and the environment runs the line on which their pins meet, not the newest
    assert dict(env.runtimes)["python"] == "3.10"
    assert {t.runtime_version for _n, t in plan.targets} == {"3.10"}


def test_pins_with_markers_apart_on_every_shared_line_still_conflict() -> None:
    profiles, conflicts, _c = run(_marked_pair(">=3.11"))
    [c] = of_kind(conflicts, "disjoint-pins")
    assert c.title == "tool ==2.0 and ==1.0 have no version in common"
    assert not can_share(profiles)


def test_packages_of_an_earlier_build_stage_commit_no_libc() -> None:
    from matrixhell.model import BaseImage, Origin

    # a Go binary built on Alpine (apk add git in the builder) and shipped FROM scratch
    gw = svc(
        "gw",
        runtimes=[rt("==20.*", runtime="node")],
        system=[apt("git", path="gw/Dockerfile", line=2, manager="apk", phase="build")],
        base=[
            BaseImage("node:20-alpine", Origin("gw/Dockerfile", 1), stage="build"),
            BaseImage("scratch", Origin("gw/Dockerfile", 7), final=True),
        ],
    )
    api = svc("api", runtimes=[rt("==3.12.*")], system=[apt("libpq5", path="api/Dockerfile", line=2)])
    profiles, conflicts, _c = run([gw, api])
    assert not of_kind(conflicts, "libc-clash")
    assert can_share(profiles)
    # the same apk line in the stage it ships from does commit it to musl
    gw_final = svc(
        "gw",
        runtimes=[rt("==20.*", runtime="node")],
        system=[apt("git", path="gw/Dockerfile", line=8, manager="apk")],
        base=[BaseImage("busybox:1.36", Origin("gw/Dockerfile", 7), final=True)],
    )
    _p, conflicts, _c = run([gw_final, api])
    assert of_kind(conflicts, "libc-clash")
