"""Rendering: graph formats, the matrix and explanations, from hand-built services."""

from __future__ import annotations

import io
import json
import re

import networkx as nx
from an_fakes import apt, frm, knowledge, pkg, rt, svc

from matrixhell.conflicts import build_profiles, find_conflicts, make_context
from matrixhell.graph import build_graph
from matrixhell.model import Cause, Conflict, Origin, Plan, Service, Severity
from matrixhell.plan import make_plan
from matrixhell.render.explain import explain, plan_text
from matrixhell.render.graph_formats import render_graph, to_dot, to_graphml, to_json, to_mermaid
from matrixhell.render.matrix import build_matrix, matrix_table


def _world() -> tuple[list[Service], Plan]:
    services = [
        svc(
            "api",
            runtimes=[rt("==3.8.*", path="api/.python-version")],
            packages=[pkg("psycopg2", "2.9.9")],
            system=[apt("libssl1.1", path="api/Dockerfile", line=4)],
        ),
        svc(
            "web",
            runtimes=[rt(">=3.12", source="requires-python", path="web/pyproject.toml", line=5)],
            packages=[pkg("django", "5.0.6")],
        ),
        svc("front", runtimes=[rt("==20.*", runtime="node")], base=[frm("node:20-alpine", "front/Dockerfile")]),
    ]
    kn = knowledge()
    profiles = build_profiles(services, kn)
    ctx = make_context(profiles, kn)
    return services, make_plan(profiles, find_conflicts(ctx), ctx.view)


def _graph() -> nx.MultiDiGraph[str]:
    services, plan = _world()
    return build_graph(services, knowledge=knowledge(), plan=plan)


def test_dot_has_a_cluster_per_service_and_typed_edges() -> None:
    text = to_dot(_graph())
    assert text.startswith("digraph matrixhell {")
    for s in ("api", "web", "front"):
        assert f'subgraph "cluster_{s}"' in text
    assert '"service:api" -> "package:pypi:psycopg2" [label="requires"];' in text
    assert '"service:web" -> "runtime-range:python >=3.12" [label="requires"];' in text
    assert '"package:pypi:psycopg2" -> "system-lib:libpq" [label="needs-lib"];' in text


def test_dot_puts_shared_nodes_outside_the_clusters() -> None:
    text = to_dot(_graph())
    runtime_line = next(line for line in text.splitlines() if line.strip().startswith('"runtime:python" ['))
    assert runtime_line.startswith('  "runtime:python"')  # top level, not indented in a cluster


def test_mermaid_is_a_flowchart_with_short_ids_and_labels() -> None:
    text = to_mermaid(_graph())
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert any(line.endswith('[["api"]]') for line in lines)
    assert any('-->|"needs-lib"|' in line for line in lines)
    # node ids are short and safe; the typed ids (with colons) only appear inside quoted labels
    body = [line.strip() for line in lines[1:] if not line.strip().startswith(("subgraph", "end"))]
    assert all(re.match(r"^n\d+(\W|$)", line) for line in body)


def test_graphml_reads_back_with_networkx() -> None:
    g = _graph()
    back = nx.read_graphml(io.BytesIO(to_graphml(g).encode()))
    assert set(back.nodes) == set(g.nodes)
    assert back.nodes["service:api"]["type"] == "service"
    assert back.number_of_edges() == g.number_of_edges()


def test_json_is_node_link_with_origins() -> None:
    doc = json.loads(to_json(_graph()))
    assert doc["directed"] and doc["multigraph"]
    ids = [n["id"] for n in doc["nodes"]]
    assert ids == sorted(ids)
    edge = next(e for e in doc["edges"] if e["source"] == "service:api" and e["key"] == "needs-lib")
    assert edge["origin"] == {"path": "api/Dockerfile", "line": 4}


def test_every_format_is_deterministic() -> None:
    for fmt in ("dot", "mermaid", "graphml", "json"):
        assert render_graph(_graph(), fmt) == render_graph(_graph(), fmt)


def test_matrix_dimensions_and_pairs() -> None:
    _s, plan = _world()
    m = build_matrix(plan)
    assert m.services == ("api", "front", "web")
    assert m.cell("api", "libssl") == "libssl1.1"
    assert m.cell("api", "release") == "debian bullseye"
    assert m.cell("front", "libc").startswith("musl")
    assert m.pair("api", "api") == "-"
    assert m.pair("api", "web") == m.pair("web", "api")
    assert "disjoint-runtime" in m.pair("api", "web")
    assert "libc-clash" in m.pair("api", "front")  # api installs with apt: glibc
    # web is bound to no libc and could join the Alpine frontend, but only on alpine 3.19, past its end
    # of life, which web avoids alone: a note, not a conflict
    assert m.pair("front", "web") == "shared-only-past-eol (note)"
    assert m.cell("front", "end of life") == "alpine 3.19 (2025-11-01)" and m.cell("web", "end of life") == "-"
    data = m.to_json()
    assert data["rows"]["web"]["runtime"] == "python"


def test_matrix_table_shows_both_tables() -> None:
    _s, plan = _world()
    text = matrix_table(build_matrix(plan))
    first, second = text.split("\n\n")
    assert first.splitlines()[0].split() == [
        "service",
        "runtime",
        "version",
        "libc",
        "libssl",
        "release",
        "base",
        "image",
        "environment",
        "end",
        "of",
        "life",
    ]
    assert "libc-clash" in second and "ok" not in first


def _conflict() -> Conflict:
    a = Cause(
        "api",
        "requires",
        "python >=3.8,<3.9",
        Origin("api/.python-version", 1),
        because=(Cause("python-version-file", "says", "python 3.8", Origin("api/.python-version", 1)),),
    )
    b = Cause("web", "requires", "python >=3.12", Origin("web/pyproject.toml", 5))
    return Conflict(
        "disjoint-runtime",
        Severity.ERROR,
        ("api", "web"),
        "python >=3.8,<3.9 and >=3.12 have no version in common",
        (a, b),
        "api fits debian bookworm (python 3.8); web fits debian trixie (python 3.13)",
    )


def test_explanation_leads_with_the_root_cause_pair_and_the_hint() -> None:
    text = explain(_conflict())
    lines = text.splitlines()
    assert lines[0] == "error[disjoint-runtime] api, web: python >=3.8,<3.9 and >=3.12 have no version in common"
    assert lines[1] == (
        "  Because api requires python >=3.8,<3.9 (api/.python-version:1) and web requires python >=3.12 "
        "(web/pyproject.toml:5), api and web cannot share one environment."
    )
    assert lines[-1].startswith("  hint: api fits debian bookworm")
    assert "python-version-file" not in text  # the derivation waits for --verbose


def test_verbose_explanation_shows_the_whole_derivation() -> None:
    text = explain(_conflict(), verbose=True)
    assert "  derivation:" in text
    assert "      python-version-file says python 3.8 (api/.python-version:1)" in text


def test_plan_text_lists_environments_targets_and_splits() -> None:
    _s, plan = _world()
    text = plan_text(plan)
    assert text.startswith("3 services in 3 environments (fewest possible)")
    assert "env-1: debian bullseye: python 3.8 (glibc 2.31, libssl1.1)" in text
    # a target past its end of life says so on the service's own line
    assert "  api  python 3.8    python:3.8-slim-bullseye  [past end of life: debian bullseye (2026-08-31)]" in text
    assert "why they are split:" in text
    # one line per two environments kept apart, naming a pair that cannot share and why
    split_lines = text.split("why they are split:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    env_pairs = {tuple(line.split(":", 1)[0].strip().split(" / ")) for line in split_lines}
    assert len(split_lines) == len(env_pairs) == len(plan.environments) * (len(plan.environments) - 1) // 2
    assert split_lines[0] == "  env-1 / env-2: api / front: libc-clash"
    assert split_lines[2] == "  env-2 / env-3: front / web: shared-only-past-eol"
    # --verbose gives every pair with the titles
    assert "  api / web: disjoint-runtime: python >=3.8,<3.9 and >=3.12 have no version in common" in plan_text(
        plan, verbose=True
    )


def _pair(kind: str, a: str, b: str, a_says: tuple[str, str, str], b_says: tuple[str, str, str]) -> Conflict:
    def cause(who: str, says: tuple[str, str, str]) -> Cause:
        rel, obj, path = says
        return Cause(who, rel, obj, Origin(path, 1))

    return Conflict(
        kind,
        Severity.ERROR,
        (a, b),
        f"{a} vs {b}",
        (cause(a, a_says), cause(b, b_says)),
        f"{a} is planned in env-x on x; {b} is planned in env-y on y (p; q)",
    )


OLD = ("requires", "python ==3.8.*", "old/runtime.txt")
NEW = ("requires", "python ==3.12.*", "web/Dockerfile")
MID = ("requires", "python ==3.11.*", "mid/Dockerfile")


def test_one_root_cause_is_said_once_with_every_partner() -> None:
    from matrixhell.render.explain import explain_all, group_conflicts

    conflicts = [
        _pair("disjoint-runtime", "mid", "old", MID, OLD),
        _pair("disjoint-runtime", "mid", "web", MID, NEW),
        _pair("disjoint-runtime", "old", "web", OLD, NEW),
        _pair("disjoint-runtime", "old", "worker", OLD, NEW),
    ]
    groups = group_conflicts(conflicts)
    # old's python 3.8 parts it from three services: one group, old first in each of its members
    assert sorted(len(g) for g in groups) == [1, 3]
    [big] = [g for g in groups if len(g) == 3]
    assert {c.subjects[0] for c in big} == {"old"} and {c.subjects[1] for c in big} == {"mid", "web", "worker"}
    # every conflict lands in exactly one group, none is lost or repeated
    assert sorted(c.key() for g in groups for c in g) == sorted(c.key() for c in conflicts)
    text = explain_all(conflicts)
    assert text.count("old requires python ==3.8.* (old/runtime.txt:1)") == 1
    # web and worker bring the same cause from the same line: said once, "as does worker"
    assert text.count("python ==3.12.* (web/Dockerfile:1)") == 2  # once under old, once beside mid
    assert "as does worker" in text
    # hint clauses are kept whole (the parenthesis holds a "; ") and said once each
    # and services planned in one environment on one place share one hint line
    assert "    old, web, worker are planned in env-y on y (p; q)\n" in text
    assert "    mid, old are planned in env-x on x\n" in text
    # verbose gives every pair in full, ungrouped
    verbose = explain_all(conflicts, verbose=True)
    assert verbose.count("derivation:") == 4 and " vs " not in verbose.split("\n")[0].split("]")[0]


def test_grouping_keeps_kinds_severities_and_service_conflicts_apart() -> None:
    from matrixhell.render.explain import group_conflicts

    runtime = _pair("disjoint-runtime", "old", "web", OLD, NEW)
    pins = _pair("disjoint-pins", "old", "worker", OLD, NEW)  # same causes, another kind
    inside = Conflict("requires-python", Severity.ERROR, ("old",), "t", (Cause("old", "requires", "x"),), "h")
    warn = Conflict(
        "disjoint-runtime",
        Severity.WARNING,
        ("old", "mid"),
        "t",
        (Cause("old", OLD[0], OLD[1], Origin(OLD[2], 1)), Cause("mid", "requires", "y")),
        "h",
    )
    groups = group_conflicts([runtime, pins, inside, warn])
    assert [len(g) for g in groups] == [1, 1, 1, 1]
    assert [g[0] for g in groups] == [runtime, pins, inside, warn]  # the order given


def test_one_service_gets_no_service_against_service_table() -> None:
    kn = knowledge()
    profiles = build_profiles([svc("solo", runtimes=[rt("==3.12.*")])], kn)
    ctx = make_context(profiles, kn)
    text = matrix_table(build_matrix(make_plan(profiles, find_conflicts(ctx), ctx.view)))
    assert "\n\n" not in text and text.splitlines()[0].split()[0] == "service"
    assert len(text.splitlines()) == 3  # header, rule, the one service


def test_plan_text_of_a_repo_with_nothing_to_build_says_so() -> None:
    plan = make_plan((), (), make_context((), knowledge()).view)
    text = plan_text(plan)
    assert text.startswith("no built services to plan") and "0 environments" not in text


def test_every_service_rule_has_a_conclusion_of_its_own() -> None:
    """A new inside-a-service rule must say in words what it means, not "X has a conflict"."""
    from matrixhell.conflicts.registry import rules
    from matrixhell.render.explain import _CONCLUSIONS

    missing = [r.kind for r in rules() if r.scope == "service" and r.kind not in _CONCLUSIONS]
    assert missing == []


def test_where_a_service_would_fit_alone_is_never_merged_into_a_grouping() -> None:
    from matrixhell.render.explain import explain_all

    # catalog and ingest are parted by their pins: a line "catalog, ingest fit ..." would suggest
    # the grouping the conflict forbids
    conflicts = [
        Conflict(
            "disjoint-pins",
            Severity.ERROR,
            ("legacy", other),
            f"legacy vs {other}",
            (
                Cause("legacy", "locks", "django ==2.2", Origin("l/req.txt", 1)),
                Cause(other, "locks", "django ==5.0", Origin(f"{other}/req.txt", 1)),
            ),
            f"legacy is planned in env-1 on debian bookworm; {other} would also fit debian trixie (python 3.12)",
        )
        for other in ("catalog", "ingest")
    ]
    text = explain_all(conflicts)
    assert "catalog would also fit debian trixie (python 3.12)" in text
    assert "ingest would also fit debian trixie (python 3.12)" in text
    assert "catalog, ingest would" not in text and "catalog, ingest fit" not in text
