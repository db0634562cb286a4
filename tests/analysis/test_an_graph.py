"""The dependency graph: typed nodes and edges with origins, and the queries asked of it."""

from __future__ import annotations

from an_fakes import apt, frm, knowledge, pkg, rt, svc

from matrixhell.graph import EDGE_TYPES, NODE_TYPES, build_graph, closure, shared_nodes, why_needs
from matrixhell.model import Origin, Service


def _services() -> list[Service]:
    return [
        svc(
            "api",
            runtimes=[rt("==3.11.*", path="api/.python-version")],
            packages=[pkg("psycopg2", "2.9.9", path="api/requirements.txt", line=3), pkg("django", "5.0.6")],
            system=[apt("libpq5", path="api/Dockerfile", line=4)],
            base=[frm("python:3.11-slim-bookworm", "api/Dockerfile")],
        ),
        svc("admin", runtimes=[rt("==3.11.*", path="admin/.python-version")], packages=[pkg("django", "5.0.6")]),
    ]


def test_nodes_have_deterministic_typed_ids() -> None:
    g = build_graph(_services(), knowledge=knowledge())
    for node in (
        "service:api",
        "runtime:python",
        "runtime-range:python ==3.11.*",
        "package:pypi:psycopg2",
        "package-version:pypi:psycopg2==2.9.9",
        "system-lib:libpq",
        "system-package:apt:libpq5",
        "release:debian:bookworm",
        "image:python:3.11-slim-bookworm",
    ):
        assert node in g, node
    assert {d["type"] for _n, d in g.nodes(data=True)} <= set(NODE_TYPES)
    assert {k for _u, _v, k in g.edges(keys=True)} <= set(EDGE_TYPES)


def test_edges_carry_their_type_and_origin() -> None:
    g = build_graph(_services(), knowledge=knowledge())
    edge = g.edges["service:api", "package-version:pypi:psycopg2==2.9.9", "locks"]
    assert edge["type"] == "locks" and edge["origin"] == Origin("api/requirements.txt", 3)
    assert g.has_edge("package:pypi:psycopg2", "system-lib:libpq", key="needs-lib")
    assert g.has_edge("release:debian:bookworm", "system-package:apt:libpq5", key="ships")
    assert g.has_edge("system-package:apt:libpq5", "system-lib:libpq", key="provides")
    assert g.has_edge("image:python:3.11-slim-bookworm", "release:debian:bookworm", key="runs-on")
    assert g.edges["service:api", "runtime-range:python ==3.11.*", "requires"]["source"] == "python-version-file"


def test_the_same_facts_build_the_same_graph() -> None:
    a = build_graph(_services(), knowledge=knowledge())
    b = build_graph(list(reversed(_services())), knowledge=knowledge())
    assert sorted(a.nodes) == sorted(b.nodes)
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))


def test_closure_follows_dependencies_not_what_a_release_ships() -> None:
    g = build_graph(_services(), knowledge=knowledge())
    c = closure(g, "api")
    assert "system-lib:libpq" in c and "package:pypi:django" in c
    assert "service:admin" not in c
    # bookworm ships libssl3, but api does not need it
    assert "system-package:apt:libssl3" not in c


def test_shared_nodes_of_two_services() -> None:
    g = build_graph(_services(), knowledge=knowledge())
    shared = shared_nodes(g, ["api", "admin"])
    assert {"package:pypi:django", "package-version:pypi:django==5.0.6", "runtime:python"} <= shared
    assert "package:pypi:psycopg2" not in shared
    assert not any(n.startswith("service:") for n in shared)


def test_why_a_service_needs_a_library_is_a_path() -> None:
    g = build_graph(_services(), knowledge=knowledge())
    assert why_needs(g, "api", "libpq") == ("service:api", "package:pypi:psycopg2", "system-lib:libpq")
    assert why_needs(g, "api", "libpq5") == ("service:api", "system-package:apt:libpq5")
    assert why_needs(g, "admin", "libpq") is None


def test_plan_adds_where_each_service_runs() -> None:
    from matrixhell.conflicts import build_profiles, find_conflicts, make_context
    from matrixhell.plan import make_plan

    kn = knowledge()
    services = _services()
    profiles = build_profiles(services, kn)
    ctx = make_context(profiles, kn)
    plan = make_plan(profiles, find_conflicts(ctx), ctx.view)
    g = build_graph(services, knowledge=kn, plan=plan)
    target = plan.target_of("admin")
    assert target is not None
    edge = g.edges["service:admin", f"release:{target.distro}:{target.release}", "runs-on"]
    assert edge["environment"] == "env-1"
    # only the planned releases are drawn
    assert {n for n in g if n.startswith("release:")} == {f"release:{target.distro}:{target.release}"}


def test_an_image_only_service_points_at_its_image() -> None:
    from matrixhell.model import ServiceKind

    db = Service(name="db", path=".", kind=ServiceKind.EXTERNAL, image="postgres:16-alpine")
    g = build_graph([db])
    assert g.nodes["service:db"]["kind"] == "external"
    assert g.has_edge("service:db", "image:postgres:16-alpine", key="based-on")


def test_without_knowledge_the_graph_holds_the_facts_only() -> None:
    g = build_graph(_services())
    assert not any(n.startswith(("release:", "system-lib:")) for n in g)
    assert g.has_edge("service:api", "system-package:apt:libpq5", key="needs-lib")


def test_the_plan_draws_who_conflicts_with_whom_without_joining_their_closures() -> None:
    from matrixhell.conflicts import build_profiles, find_conflicts, make_context
    from matrixhell.plan import make_plan

    kn = knowledge()
    services = [
        svc("old", runtimes=[rt("==3.8.*")], packages=[pkg("tool", "1.0")]),
        svc("new", runtimes=[rt("==3.12.*")], packages=[pkg("tool", "2.0")]),
    ]
    profiles = build_profiles(services, kn)
    ctx = make_context(profiles, kn)
    plan = make_plan(profiles, find_conflicts(ctx), ctx.view)
    g = build_graph(services, knowledge=kn, plan=plan)
    edge = g.edges["service:new", "service:old", "conflicts-with"]
    assert edge["kinds"] == "disjoint-pins,disjoint-runtime" and edge["severity"] == "error"
    assert "service:old" not in closure(g, "new")
