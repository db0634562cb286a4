"""The example repositories: the plan names every planted conflict and groups services sensibly.

Scans with the real detectors and analyzes with the shipped catalog and offline index, at a fixed
date so end-of-life judgements do not move under the test.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from matrixhell.analyze import Analysis, analyze, load_knowledge
from matrixhell.conflicts import Knowledge
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.render.explain import explain_all, plan_text

REPOS = Path(__file__).resolve().parents[2] / "fixtures" / "repos"
TODAY = date(2026, 12, 1)

# (kind, subjects) planted in each repository, as its README tells.
PLANTED: dict[str, set[tuple[str, tuple[str, ...]]]] = {
    "shop": {
        ("runtime-disagreement", ("reports",)),  # .python-version 3.8 vs FROM python:3.11
        ("disjoint-runtime", ("billing", "web")),  # 3.8 vs 3.12
        ("os-lib-clash", ("billing", "web")),  # libssl1.1 lives on bullseye only
        ("libc-clash", ("frontend", "web")),  # the Alpine frontend
        ("disjoint-pins", ("billing", "reports")),  # psycopg2-binary 2.8.6 vs 2.9.9
        ("eol-release", ("billing",)),  # OpenSSL 1.1 holds it on bullseye, past its end of life
    },
    "py-matrix": {
        ("disjoint-pins", ("catalog", "ingest")),  # Django 3.2 vs 5.0
        ("disjoint-runtime", ("ingest", "legacy-cms")),  # 3.12 vs 3.8
        ("libc-clash", ("ml-api", "scraper")),  # Alpine vs apt.txt
        ("musl-no-wheel", ("ml-api",)),
    },
    "node-monorepo": {("disjoint-runtime", ("api", "mailer"))},  # Node 18 vs the mailer's
    "polyglot": {("runtime-disagreement", ("storefront",))},  # .ruby-version vs Gemfile
    "dotnet-php": {
        ("disjoint-runtime", ("legacy-admin", "storefront")),  # PHP 7.4 vs 8.2
        ("disjoint-runtime", ("orders-api", "orders-worker")),  # .NET 8 vs 6
    },
    "broken": set(),
}


@cache
def _knowledge() -> Knowledge:
    return load_knowledge(today=TODAY)


@cache
def _analysis(case: str) -> Analysis:
    return analyze(scan_repo(FsRepoView(REPOS / case)), knowledge=_knowledge())


CASES = sorted(p.name for p in REPOS.iterdir() if p.is_dir())


def test_the_planted_repos_are_there() -> None:
    # A repo added later is analyzed by every test below; its planted conflicts belong in PLANTED.
    assert set(PLANTED) <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_plan_names_every_planted_conflict(case: str) -> None:
    a = _analysis(case)
    found = {(c.kind, c.subjects) for c in a.plan.conflicts}
    planted = PLANTED.get(case, set())
    assert planted <= found, sorted(found)
    said = _said(plan_text(a.plan))
    for kind, subjects in planted:
        # exactly once: as its own block, or as one partner under the root cause it shares
        assert said.count((kind, frozenset(subjects))) == 1, (kind, subjects, said)


def _said(text: str) -> list[tuple[str, frozenset[str]]]:
    """(kind, subjects) of every conflict the text names in a block header, pairs of a group apart."""
    out: list[tuple[str, frozenset[str]]] = []
    for line in text.splitlines():
        m = re.match(r"^(?:error|warning|info)\[([a-z-]+)\] (.+?)(?:: | \(\d+ pairs\)$)", line)
        if m is None:
            continue
        kind, who = m.group(1), m.group(2)
        if " vs " in who:
            hub, partners = who.split(" vs ", 1)
            out += [(kind, frozenset((hub, p))) for p in partners.split(", ")]
        else:
            out.append((kind, frozenset(who.split(", "))))
    return out


@pytest.mark.parametrize("case", CASES)
def test_the_text_names_every_conflict_once_and_no_more(case: str) -> None:
    a = _analysis(case)
    said = _said(explain_all(a.plan.conflicts))
    expected = [(c.kind, frozenset(c.subjects)) for c in a.plan.conflicts]

    def canon(items: list[tuple[str, frozenset[str]]]) -> list[tuple[str, tuple[str, ...]]]:
        return sorted((k, tuple(sorted(s))) for k, s in items)

    assert canon(said) == canon(expected)


@pytest.mark.parametrize("case", CASES)
def test_every_split_has_an_explained_conflict(case: str) -> None:
    a = _analysis(case)
    for x, y, kind in a.plan.splits:
        assert any(c.kind == kind and {x, y} <= set(c.subjects) for c in a.plan.conflicts), (x, y, kind)
    env_of = {s: e.name for e in a.plan.environments for s in e.services}
    for c in a.plan.conflicts:
        if c.between_services and c.severity.value == "error":
            assert len({env_of[s] for s in c.subjects}) > 1, c.title


@pytest.mark.parametrize("case", CASES)
def test_every_conflict_explains_itself_with_origins(case: str) -> None:
    for c in _analysis(case).plan.conflicts:
        assert c.title and c.causes and c.hint, c
        text = explain_all([c], verbose=True)
        assert "Because " in text and "hint: " in text
        assert any(x.origin is not None for x in c.causes) or c.kind == "no-shared-release"


def test_shop_groups_web_and_worker_and_keeps_billing_on_bullseye() -> None:
    plan = _analysis("shop").plan
    assert plan.exact
    assert len(plan.environments) == 4
    assert any(set(e.services) == {"web", "worker"} for e in plan.environments)
    billing = plan.target_of("billing")
    assert billing is not None
    assert (billing.release, billing.runtime_version, billing.ssl) == ("bullseye", "3.8", "libssl1.1")
    web = plan.target_of("web")
    assert web is not None and web.base_image == "python:3.12-slim-bookworm"  # its own FROM, honoured
    assert plan.target_of("db") is None  # image-only services run their own image


def test_node_monorepo_names_the_legacy_mailers_node_14() -> None:
    # The mailer's own files say Node 14: its last images still exist (node:14-bullseye), so the plan
    # gives it a real base, and a conflict of the mailer says the line is past its end of life.
    analysis = _analysis("node-monorepo")
    conflicts = [c for c in analysis.plan.conflicts if c.subjects == ("mailer",)]
    assert any(c.kind == "eol-runtime" and "node 14" in c.title for c in conflicts), [c.title for c in conflicts]
    mailer = analysis.plan.target_of("mailer")
    assert mailer is not None and mailer.runtime_version == "14"
    assert mailer.base_image is not None and mailer.base_image.startswith("node:14-bullseye")


def test_analysis_is_deterministic() -> None:
    first = _analysis("shop")
    again = analyze(scan_repo(FsRepoView(REPOS / "shop")), knowledge=_knowledge())
    assert first.plan == again.plan
    assert sorted(first.graph.edges(keys=True)) == sorted(again.graph.edges(keys=True))


_PRINT_ALL = """
import sys
import re
from datetime import date
from matrixhell.analyze import analyze, load_knowledge
from matrixhell.detect.repoview import FsRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.render.explain import plan_text
from matrixhell.render.graph_formats import to_dot, to_json
a = analyze(scan_repo(FsRepoView(sys.argv[1])), knowledge=load_knowledge(today=date(2026, 12, 1)))
sys.stdout.write(plan_text(a.plan, verbose=True) + to_json(a.graph) + to_dot(a.graph))
"""


@pytest.mark.parametrize("case", ["shop", "py-matrix"])
def test_output_does_not_depend_on_hash_seeds(case: str) -> None:
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _PRINT_ALL, str(REPOS / case)], capture_output=True, text=True, env=env, check=True
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert "env-1" in outputs[0]


@pytest.mark.parametrize("case", CASES)
def test_every_graph_format_renders_and_reads_back(case: str) -> None:
    import io
    import json

    import networkx as nx

    from matrixhell.render.graph_formats import render_graph

    g = _analysis(case).graph
    back = nx.read_graphml(io.BytesIO(render_graph(g, "graphml").encode()))
    assert set(back.nodes) == set(g.nodes) and back.number_of_edges() == g.number_of_edges()
    doc = json.loads(render_graph(g, "json"))
    assert len(doc["nodes"]) == g.number_of_nodes() and len(doc["edges"]) == g.number_of_edges()
    dot = render_graph(g, "dot")
    assert dot.count(" -> ") == g.number_of_edges()
    mermaid = render_graph(g, "mermaid")
    conflicts = sum(1 for _u, _v, k in g.edges(keys=True) if k == "conflicts-with")
    # dependencies are arrows, conflicts between services dotted lines: every edge is one of them
    assert mermaid.count(" -->|") + mermaid.count(" -.-|") == g.number_of_edges()
    assert mermaid.count(" -.-|") == conflicts
    pairs = {tuple(sorted(c.subjects)) for c in _analysis(case).plan.conflicts if len(c.subjects) == 2}
    assert conflicts == len(pairs)
