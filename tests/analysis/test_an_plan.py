"""The plan: exact minimum colouring, the heuristic beyond 30 services, shared targets, determinism."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence

from an_fakes import FakeCatalog, FakeRelease, apt, frm, knowledge, pkg, rt, run, svc
from hypothesis import given, settings
from hypothesis import strategies as st

from matrixhell.conflicts import build_profiles, find_conflicts, make_context
from matrixhell.model import Plan, Service, Severity
from matrixhell.plan import min_colouring


def _partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        for i in range(len(part)):
            yield [*part[:i], [first, *part[i]], *part[i + 1 :]]
        yield [[first], *part]


def _brute_force(n: int, edges: set[tuple[int, int]], ok: Callable[[list[int]], bool] | None = None) -> int:
    best = n
    for part in _partitions(list(range(n))):
        if len(part) >= best:
            continue
        if all(
            not any((a, b) in edges or (b, a) in edges for a in c for b in c) and (ok is None or ok(c)) for c in part
        ):
            best = len(part)
    return best


def _valid(n: int, edges: set[tuple[int, int]], classes: Sequence[Sequence[int]]) -> bool:
    flat = sorted(v for c in classes for v in c)
    if flat != list(range(n)):
        return False
    return all(not ((a, b) in edges or (b, a) in edges) for c in classes for a in c for b in c)


@st.composite
def _graph(draw: st.DrawFn, max_n: int = 8) -> tuple[int, set[tuple[int, int]]]:
    n = draw(st.integers(1, max_n))
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    return n, set(chosen)


@settings(max_examples=150, deadline=None)
@given(_graph())
def test_exact_colouring_is_minimal_against_brute_force(g: tuple[int, set[tuple[int, int]]]) -> None:
    n, edges = g
    classes, exact = min_colouring(n, edges)
    assert exact
    assert _valid(n, edges, classes)
    assert len(classes) == _brute_force(n, edges)


@settings(max_examples=100, deadline=None)
@given(_graph(max_n=7), st.data())
def test_exact_colouring_is_minimal_with_group_constraints(
    g: tuple[int, set[tuple[int, int]]], data: st.DataObject
) -> None:
    # Each vertex fits some of four releases; a class must share one release (not a pairwise property).
    n, edges = g
    fits = [data.draw(st.sets(st.integers(0, 3), min_size=1)) for _ in range(n)]

    def ok(members: list[int]) -> bool:
        return bool(set.intersection(*(fits[v] for v in members)))

    classes, exact = min_colouring(n, edges, join=lambda m, v: ok([*m, v]))
    assert exact
    assert _valid(n, edges, classes) and all(ok(list(c)) for c in classes)
    assert len(classes) == _brute_force(n, edges, ok)


def test_heuristic_beyond_the_limit_is_valid_on_200_services() -> None:
    rng = random.Random(7)
    n = 200
    edges = {(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < 0.05}
    classes, exact = min_colouring(n, edges)
    assert not exact
    assert _valid(n, edges, classes)
    max_degree = max(sum(1 for e in edges if v in e) for v in range(n))
    assert len(classes) <= max_degree + 1  # what any greedy colouring guarantees


def test_heuristic_finds_two_colours_for_a_bipartite_graph() -> None:
    n = 60
    edges = {(a, b) for a in range(0, n, 2) for b in range(1, n, 2) if (a + b) % 3 == 0}
    classes, exact = min_colouring(n, edges, exact_limit=30)
    assert not exact and len(classes) == 2 and _valid(n, edges, classes)


def test_exact_on_a_thirty_service_graph() -> None:
    rng = random.Random(3)
    n = 30
    edges = {(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < 0.3}
    classes, exact = min_colouring(n, edges)
    heuristic, _ = min_colouring(n, edges, exact_limit=0)
    assert exact and _valid(n, edges, classes)
    assert len(classes) <= len(heuristic)


def _plan(services: Sequence[Service], **kw: object) -> Plan:
    from matrixhell.plan import make_plan

    kn = kw.pop("kn", None) or knowledge()
    profiles = build_profiles(services, kn)  # type: ignore[arg-type]
    ctx = make_context(profiles, kn)  # type: ignore[arg-type]
    return make_plan(profiles, find_conflicts(ctx), ctx.view, **kw)  # type: ignore[arg-type]


def _shop() -> list[Service]:
    web_rt = rt(">=3.12", source="requires-python", path="web/pyproject.toml")
    return [
        svc(
            "billing",
            runtimes=[rt("==3.8.*")],
            system=[apt("libssl1.1")],
            base=[frm("python:3.8-slim-bullseye")],
            packages=[pkg("flask", "2.0.3")],
        ),
        svc("web", runtimes=[web_rt], packages=[pkg("django", "5.0.6")], base=[frm("python:3.12-slim-bookworm")]),
        svc("worker", runtimes=[web_rt], packages=[pkg("django", "5.0.6")], base=[frm("python:3.12-slim-bookworm")]),
        svc("front", runtimes=[rt("==20.*", runtime="node")], base=[frm("node:20-alpine")]),
        svc("docs", runtimes=[rt("==20.*", runtime="node")]),
    ]


def test_plan_groups_the_shop_into_the_fewest_environments() -> None:
    plan = _plan(_shop())
    assert plan.exact
    # the worker sits with the web app it shares code with; the node docs would sit with the node
    # frontend, but the frontend keeps its own alpine 3.19 base, past its end of life, which docs avoids
    assert [env.services for env in plan.environments] == [("billing",), ("docs", "web", "worker"), ("front",)]
    assert ("docs", "front", "shared-only-past-eol") in plan.splits
    assert ("billing", "web", "disjoint-runtime") in plan.splits
    assert ("front", "web", "libc-clash") in plan.splits


def test_plan_honours_a_compatible_hand_written_from() -> None:
    plan = _plan(_shop())
    web = plan.target_of("web")
    assert web is not None
    assert (web.distro, web.release, web.runtime_version, web.base_image) == (
        "debian",
        "bookworm",
        "3.12",
        "python:3.12-slim-bookworm",
    )
    assert plan.target_of("worker") == web
    billing = plan.target_of("billing")
    assert billing is not None and billing.release == "bullseye" and billing.ssl == "libssl1.1"


def test_a_free_service_gets_the_newest_supported_release_and_a_slim_image() -> None:
    plan = _plan([svc("api", runtimes=[rt(">=3.10", source="requires-python")])])
    t = plan.target_of("api")
    assert t is not None
    assert (t.release, t.runtime_version, t.base_image) == ("trixie", "3.13", "python:3.13-slim-trixie")


def test_services_of_different_runtimes_share_one_release() -> None:
    plan = _plan([svc("api", runtimes=[rt("==3.11.*")]), svc("web", runtimes=[rt("==20.*", runtime="node")])])
    [env] = plan.environments
    assert env.runtimes == (("node", "20"), ("python", "3.11"))
    api, web = plan.target_of("api"), plan.target_of("web")
    assert api is not None and web is not None
    assert api.release == web.release == env.target.release
    assert api.base_image == f"python:3.11-slim-{api.release}"


def test_three_services_that_meet_pairwise_but_not_all_at_once_need_two_environments() -> None:
    def rel(name: str, pkgs: set[str]) -> FakeRelease:
        return FakeRelease(
            "debian", name, {"r1": "1", "r2": "2", "r3": "3"}[name], "glibc", "2.36", "libssl3", None, frozenset(pkgs)
        )

    cat = FakeCatalog([rel("r1", {"x12", "x13"}), rel("r2", {"x12", "x23"}), rel("r3", {"x23", "x13"})], images=())
    services = [svc("a", system=[apt("x12")]), svc("b", system=[apt("x23")]), svc("c", system=[apt("x13")])]
    _p, conflicts, _c = run(services, knowledge(cat))
    assert conflicts == ()  # no pair is in conflict ...
    plan = _plan(services, kn=knowledge(cat))
    assert len(plan.environments) == 2  # ... yet one environment cannot hold all three
    assert plan.exact
    # and the plan says why, so the split has a reason
    [group] = [c for c in plan.conflicts if len(c.subjects) == 3]
    assert group.kind == "no-shared-release" and group.title == "a, b and c fit no one release all together"
    # nobody has anything to fix: it is how the plan reads, not a failure of the repo
    assert group.severity is Severity.INFO and not plan.has_errors()
    from matrixhell.render.explain import plan_text

    assert "conflicts: 0 errors, 0 warnings, 1 note" in plan_text(plan)
    assert len(plan.splits) == 1 and plan.splits[0][2] == "no-shared-release"


def test_plan_is_deterministic_whatever_the_input_order() -> None:
    first = _plan(_shop())
    again = _plan(_shop())
    reversed_order = _plan(list(reversed(_shop())))
    assert first == again == reversed_order
    assert [e.name for e in first.environments] == ["env-1", "env-2", "env-3"]


def test_plan_beyond_the_exact_limit_says_it_is_a_heuristic() -> None:
    plan = _plan(_shop(), exact_limit=2)
    assert not plan.exact
    assert len(plan.environments) >= 3


def test_has_errors_follows_the_conflicts() -> None:
    assert _plan(_shop()).has_errors()
    assert not _plan([svc("api", runtimes=[rt("==3.11.*")])]).has_errors()


def test_plan_of_200_services_is_valid() -> None:
    from matrixhell.conflicts import can_share

    rng = random.Random(11)
    specs = ["==3.8.*", "==3.11.*", ">=3.10", "==3.12.*", ">=3.12", "==3.9.*"]
    services = []
    for i in range(200):
        system = [apt("libssl1.1")] if rng.random() < 0.1 else []
        base = [frm("python:3.11-alpine3.19")] if rng.random() < 0.1 else []
        packages = [pkg("django", rng.choice(["3.2.25", "4.2.13", "5.0.6"]))]
        services.append(svc(f"s{i:03d}", runtimes=[rt(rng.choice(specs))], packages=packages, system=system, base=base))
    kn = knowledge()
    profiles = build_profiles(services, kn)
    ctx = make_context(profiles, kn)
    conflicts = find_conflicts(ctx)
    from matrixhell.plan import make_plan

    plan = make_plan(profiles, conflicts, ctx.view)
    assert not plan.exact
    by_name = {p.name: p for p in profiles}
    assert sorted(s for e in plan.environments for s in e.services) == sorted(by_name)
    for env in plan.environments:
        assert can_share([by_name[s] for s in env.services])
        members = set(env.services)
        for c in conflicts:
            if c.between_services and c.severity.value == "error":
                assert not set(c.subjects) <= members, c.title
        for s in env.services:
            t = plan.target_of(s)
            assert t is not None and (t.distro, t.release) == (env.target.distro, env.target.release)


@settings(max_examples=60, deadline=None)
@given(st.integers(10, 30), st.floats(0.05, 0.7), st.integers(0, 10_000))
def test_exact_never_needs_more_colours_than_networkx_dsatur(n: int, density: float, seed: int) -> None:
    import networkx as nx

    rng = random.Random(seed)
    edges = {(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < density}
    g: nx.Graph[int] = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    theirs = 1 + max(nx.greedy_color(g, strategy="saturation_largest_first").values())
    classes, exact = min_colouring(n, edges)
    assert exact and _valid(n, edges, classes)
    assert len(classes) <= theirs


def test_a_search_out_of_budget_keeps_a_valid_colouring_and_says_it_is_not_proven() -> None:
    # A 5-cycle: its largest clique is 2, it needs 3 colours, so only the search can prove 3.
    edges = {(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)}
    classes, exact = min_colouring(5, edges, budget=1)
    assert not exact and _valid(5, edges, classes) and len(classes) == 3
    classes, exact = min_colouring(5, edges)
    assert exact and len(classes) == 3


def test_a_hand_written_from_the_image_table_no_longer_lists_is_honoured() -> None:
    from an_fakes import FakeCatalog, FakeImage

    old = FakeImage(
        "python:3.7-slim-bullseye",
        "python",
        "3.7-slim-bullseye",
        "debian",
        "bullseye",
        "glibc",
        "python",
        "3.7",
        "slim",
    )

    class _Parsing(FakeCatalog):
        # image() reads any tag it can parse; images_for() lists only the maintained ones
        def image(self, reference: str) -> FakeImage | None:
            return old if reference == old.reference else super().image(reference)

    kn = knowledge(_Parsing())
    s = svc(
        "legacy",
        runtimes=[rt("==3.7.*", source="dockerfile-from", path="legacy/Dockerfile")],
        base=[frm(old.reference, "legacy/Dockerfile")],
    )
    _p, conflicts, _c = run([s], kn)
    assert not [c for c in conflicts if c.kind == "no-runtime-release"]
    target = _plan([s], kn=kn).target_of("legacy")
    assert target is not None
    assert (target.release, target.runtime_version, target.base_image) == ("bullseye", "3.7", old.reference)


def test_an_unconstrained_node_service_gets_the_newest_even_line() -> None:
    from an_fakes import BOOKWORM, FakeCatalog, FakeImage

    images = [
        FakeImage(
            f"node:{v}-bookworm-slim", "node", f"{v}-bookworm-slim", "debian", "bookworm", "glibc", "node", v, "slim"
        )
        for v in ("20", "22", "23")
    ]
    kn = knowledge(FakeCatalog([BOOKWORM], images=images), runtime_versions={"node": ("23", "22", "20")})
    target = _plan([svc("web", runtimes=[rt(">=20", runtime="node", source="engines")])], kn=kn).target_of("web")
    # 23 is newer, but odd Node majors never become LTS
    assert target is not None and target.runtime_version == "22"
    # asked for, an odd line is what it gets
    target = _plan([svc("web", runtimes=[rt("==23.*", runtime="node", source="engines")])], kn=kn).target_of("web")
    assert target is not None and target.runtime_version == "23"
