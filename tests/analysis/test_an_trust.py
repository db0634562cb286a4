"""A plan and explanations a person can trust, on the example repositories and on small worlds.

- sharing never degrades a service: a hand-written base that fits keeps its release, a static binary
  on scratch or distroless is in no environment, a supported service is not moved onto end of life;
- an environment's label names every runtime it holds;
- every "where it fits" hint is true of the plan, or says it is an alternative, and no hint line
  groups services the plan keeps apart;
- a quoted line says what the line says (the raw text, then what narrows it);
- a target past its end of life says so beside its service, in the plan text and in the matrix.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from an_fakes import frm, knowledge, rt, svc

from matrixhell.analyze import Analysis, analyze, load_knowledge
from matrixhell.conflicts import Knowledge, build_profiles, find_conflicts, make_context
from matrixhell.conflicts.profile import CatalogView, distro_release
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.model import BaseImage, Cause, Origin
from matrixhell.plan import make_plan
from matrixhell.render.analysis_report import analysis_text
from matrixhell.render.explain import environment_label, explain_all, plan_text
from matrixhell.render.matrix import build_matrix

REPOS = Path(__file__).resolve().parents[2] / "fixtures" / "repos"
TODAY = date(2026, 12, 1)
CASES = sorted(p.name for p in REPOS.iterdir() if (p / "expected.json").is_file())


@cache
def _knowledge() -> Knowledge:
    return load_knowledge(today=TODAY)


@cache
def _analysis(case: str) -> Analysis:
    return analyze(scan_repo(FsRepoView(REPOS / case)), knowledge=_knowledge())


# -- 1. sharing never degrades a service -------------------------------------------------------------------


def test_polyglot_keeps_each_hand_written_base() -> None:
    plan = _analysis("polyglot").plan
    gateway, pricing = plan.target_of("gateway"), plan.target_of("pricing")
    assert gateway is not None and pricing is not None
    # the CGO-off Go binary on distroless is in no environment and keeps its image
    assert dict(plan.standalone).keys() == {"gateway"}
    assert gateway.base_image == "gcr.io/distroless/static-debian12:nonroot"
    assert all("gateway" not in e.services for e in plan.environments)
    assert not [c for c in plan.conflicts if c.between_services and "gateway" in c.subjects]
    # the Rust binary keeps its debian:bookworm-slim, not the Java services' Ubuntu
    assert (pricing.distro, pricing.release, pricing.base_image) == ("debian", "bookworm", "debian:bookworm-slim")
    # the Java services get Temurin, not a Debian image without a JRE
    for name in ("inventory", "notifier"):
        t = plan.target_of(name)
        assert t is not None and t.base_image is not None and t.base_image.startswith("eclipse-temurin:21-jre")


def test_dotnet_worker_keeps_its_bookworm_runtime_image() -> None:
    plan = _analysis("dotnet-php").plan
    worker = plan.target_of("orders-worker")
    assert worker is not None
    assert (worker.release, worker.base_image) == ("bookworm", "mcr.microsoft.com/dotnet/runtime:6.0")
    # the split from the PHP 7.4 admin it could have joined on bullseye is stated
    assert ("legacy-admin", "orders-worker", "own-base-release") in plan.splits
    [note] = [c for c in plan.conflicts if c.kind == "own-base-release"]
    assert note.severity.value == "info" and "src/Orders.Worker/Dockerfile:6" in (note.hint or "")


@pytest.mark.parametrize("case", CASES)
def test_a_fitting_base_keeps_its_release(case: str) -> None:
    a = _analysis(case)
    for p in a.profiles:
        t = a.plan.target_of(p.name)
        if p.home is not None and t is not None:
            assert f"{t.distro}:{t.release}" == p.home, p.name


@pytest.mark.parametrize("case", CASES)
def test_sharing_never_moves_a_supported_service_onto_end_of_life(case: str) -> None:
    a = _analysis(case)
    view = CatalogView(_knowledge())
    noted = dict(a.plan.notes)
    for p in a.profiles:
        if p.home is not None or p.standalone:
            continue
        supported = [
            (k, v)
            for k, vs in p.free_slots.items()
            if (r := view.release(k)) is not None and not (r.eol and str(r.eol) <= TODAY.isoformat())
            for v in vs
            if p.runtime is None or _knowledge().runtime_supported(p.runtime, v) is not False
        ]
        if supported:
            assert p.name not in noted, (p.name, noted.get(p.name))


def _static_world(base: list[BaseImage]) -> tuple[object, ...]:
    gw = svc("gw", runtimes=[rt("==1.22.*", runtime="go")], base=base)
    api = svc("api", runtimes=[rt("==3.12.*")], base=[frm("python:3.12-slim-bookworm")])
    kn = knowledge()
    profiles = build_profiles([gw, api], kn)
    ctx = make_context(profiles, kn)
    conflicts = find_conflicts(ctx)
    return profiles, conflicts, make_plan(profiles, conflicts, ctx.view)


def test_a_scratch_image_or_a_go_binary_without_c_stands_alone() -> None:
    scratch = [
        BaseImage("golang:1.22-alpine", Origin("gw/Dockerfile", 1), stage="build"),
        BaseImage("scratch", Origin("gw/Dockerfile", 5), final=True),
    ]
    for base in (scratch, []):
        profiles, conflicts, plan = _static_world(base)
        assert [p.name for p in profiles if p.standalone] == ["gw"]  # type: ignore[attr-defined]
        assert [e.services for e in plan.environments] == [("api",)]  # type: ignore[attr-defined]
        assert dict(plan.standalone).keys() == {"gw"}  # type: ignore[attr-defined]
        assert not [c for c in conflicts if "gw" in c.subjects and c.between_services]  # type: ignore[attr-defined]
        target = plan.target_of("gw")  # type: ignore[attr-defined]
        assert target is not None and target.runtime == "go"
        if base:
            assert target.base_image == "scratch" and target.libc == "static"
        text = plan_text(plan)  # type: ignore[arg-type]
        assert "2 services: 1 in 1 environment (fewest possible), 1 on its own image" in text
        assert "on their own" in text and build_matrix(plan).cell("gw", "environment") == "own image"  # type: ignore[arg-type]


def test_a_go_binary_on_a_debian_final_image_keeps_that_release() -> None:
    base = [
        BaseImage("golang:1.22-bookworm", Origin("gw/Dockerfile", 1), stage="build"),
        BaseImage("debian:bookworm-slim", Origin("gw/Dockerfile", 5), final=True),
    ]
    profiles, _conflicts, plan = _static_world(base)
    [gw] = [p for p in profiles if p.name == "gw"]  # type: ignore[attr-defined]
    assert not gw.standalone and gw.home == "debian:bookworm"
    target = plan.target_of("gw")  # type: ignore[attr-defined]
    assert target is not None and target.base_image == "debian:bookworm-slim"


def test_plain_distro_images_name_their_release() -> None:
    releases = CatalogView(_knowledge()).releases
    assert distro_release("debian:bookworm-slim", releases) == "debian:bookworm"
    assert distro_release("docker.io/library/debian:12", releases) == "debian:bookworm"
    assert distro_release("ubuntu:24.04", releases) == "ubuntu:24.04"
    assert distro_release("ubuntu:noble", releases) == "ubuntu:24.04"
    assert distro_release("debian", releases) is None  # "latest" moves
    assert distro_release("python:3.12-slim", releases) is None


# -- 2. labels name every runtime ------------------------------------------------------------------------


def test_environment_labels_name_every_runtime_they_hold() -> None:
    a = _analysis("dotnet-php")
    [env] = [e for e in a.plan.environments if "storefront" in e.services]
    assert set(env.services) == {"orders-api", "storefront"}
    assert environment_label(env) == "debian bookworm: dotnet 8.0, php 8.5"
    assert f"{env.name}: debian bookworm: dotnet 8.0, php 8.5 (glibc 2.36, libssl3)" in plan_text(a.plan)
    assert "(debian bookworm: dotnet 8.0, php 8.5)" in analysis_text(a)


@pytest.mark.parametrize("case", CASES)
def test_every_member_runtime_is_in_its_environment_label(case: str) -> None:
    a = _analysis(case)
    for env in a.plan.environments:
        label = environment_label(env)
        for s in env.services:
            t = a.plan.target_of(s)
            if t is not None and t.runtime and t.runtime_version:
                assert f"{t.runtime} {t.runtime_version}" in label, (env.name, s)


# -- 3. hints are true of the plan -------------------------------------------------------------------------

_PLANNED = re.compile(r"^(?P<who>[\w.-]+(?:, [\w.-]+)*) (?:is|are) planned in (?P<env>env-\d+) on (?P<rel>\S+ \S+)")


def _clauses(hint: str) -> list[str]:
    from matrixhell.conflicts.hints import split_clauses

    return split_clauses(hint)


@pytest.mark.parametrize("case", CASES)
def test_every_placement_a_hint_names_is_the_plans(case: str) -> None:
    a = _analysis(case)
    env_of = {s: e.name for e in a.plan.environments for s in e.services}
    texts = [explain_all(a.plan.conflicts), explain_all(a.plan.conflicts, verbose=True)]
    for c in a.plan.conflicts:
        for clause in _clauses(c.hint or ""):
            assert not re.match(r"^[\w.-]+(?:, [\w.-]+)* fits? ", clause), clause  # only plan-true clauses
    for text in texts:
        for line in text.splitlines():
            body = line.strip().removeprefix("hint: ")
            for clause in _clauses(body):
                m = _PLANNED.match(clause)
                if m is None:
                    continue
                for who in m["who"].split(", "):
                    t = a.plan.target_of(who)
                    assert env_of.get(who) == m["env"], clause
                    assert t is not None and f"{t.distro} {t.release}" == m["rel"], clause


def test_no_hint_groups_services_that_a_conflict_parts() -> None:
    a = _analysis("py-matrix")
    text = explain_all(a.plan.conflicts)
    assert not re.search(r"catalog, ingest (?:fit|are|would)", text)
    assert "catalog would also fit debian trixie" in text  # where it would go alone, as an alternative
    catalog = a.plan.target_of("catalog")
    assert catalog is not None
    assert "catalog is planned in env-" in text and f"({catalog.runtime} {catalog.runtime_version} from" in text


def test_storefront_hint_says_where_the_plan_put_it() -> None:
    a = _analysis("dotnet-php")
    [c] = [c for c in a.plan.conflicts if c.kind == "disjoint-runtime" and "storefront" in c.subjects]
    t = a.plan.target_of("storefront")
    assert t is not None and t.release == "bookworm"
    assert f"storefront is planned in env-2 on debian bookworm (php {t.runtime_version} from {t.base_image})" in (
        c.hint or ""
    )
    assert "storefront fits debian trixie" not in (c.hint or "")


# -- 4. a quoted line says what the line says ----------------------------------------------------------------


def _walk(causes: tuple[Cause, ...]) -> list[Cause]:
    out: list[Cause] = []
    for c in causes:
        out.append(c)
        out.extend(_walk(c.because))
    return out


@pytest.mark.parametrize("case", CASES)
def test_what_a_cause_says_a_line_says_is_on_that_line(case: str) -> None:
    a = _analysis(case)
    checked = 0
    for conflict in a.plan.conflicts:
        for c in _walk(conflict.causes):
            if c.says is None or c.origin is None or c.origin.line is None:
                continue
            line = (REPOS / case / c.origin.path).read_text(encoding="utf-8").splitlines()[c.origin.line - 1]
            said = c.says.removeprefix("FROM ")
            if c.relation == "runs-on" and re.match(r"^[a-z]+ \d", said):
                said = said.split(" ", 1)[1]  # "java 21": the runtime named before a bare version
            assert said in line, (c.origin, c.says, line)
            checked += 1
    if case == "py-matrix":
        assert checked


def test_ingest_quotes_its_requires_python_as_written() -> None:
    text = explain_all(_analysis("py-matrix").plan.conflicts)
    assert "ingest requires python >=3.12,<3.13 (ingest/pyproject.toml:4)" not in text
    assert "ingest requires python >=3.12,<3.13 (ingest/pyproject.toml:4 says >=3.12; with its requirements" in text
    assert "that means >=3.12,<3.13)" in text


# -- 5. end of life beside the service -------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_every_target_past_its_end_of_life_says_so(case: str) -> None:
    a = _analysis(case)
    view = CatalogView(_knowledge())
    text = plan_text(a.plan).split("\nwhy they are split:", 1)[0].split("\nconflicts:", 1)[0]
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ") and line.split()}
    for name, t in a.plan.targets:
        r = view.release(f"{t.distro}:{t.release}")
        release_ended = r is not None and r.eol is not None and str(r.eol) <= TODAY.isoformat()
        line_ended = bool(t.runtime and t.runtime_version) and (
            _knowledge().runtime_supported(t.runtime or "", t.runtime_version or "") is False
        )
        notes = a.plan.notes_of(name)
        cell = a.matrix.cell(name, "end of life")
        if release_ended:
            assert any(f"{t.distro} {t.release}" in n for n in notes) and f"{t.distro} {t.release}" in cell, name
        if line_ended:
            assert any(f"{t.runtime} {t.runtime_version}" in n for n in notes), name
        if release_ended or line_ended:
            assert "past end of life" in rows[name], rows[name]
        else:
            assert not notes and cell == "-", name


def test_dotnet_php_end_of_life_is_beside_each_service() -> None:
    text = plan_text(_analysis("dotnet-php").plan)
    [admin] = [line for line in text.splitlines() if line.startswith("  legacy-admin ")]
    assert "[past end of life: debian bullseye (2026-08-31), php 7.4 (2022-11-28)]" in admin
    [worker] = [line for line in text.splitlines() if line.startswith("  orders-worker ")]
    assert "dotnet 6.0 (2024-11-12)" in worker
