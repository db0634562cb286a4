"""Benchmark: the planner's grouping against networkx's DSATUR, side by side in one run.

For random "cannot share" graphs (fixed seeds) it times ``matrixhell.plan.min_colouring`` - exact
branch and bound up to 30 services, DSATUR beyond - and ``networkx.greedy_color(strategy=
"saturation_largest_first")`` on the same graph, and prints the colour counts and the time ratio.
Exact is expected to cost more than one greedy pass and never to need more colours; our DSATUR is
expected to match networkx's count at a comparable time.

Then the text of many pairwise conflicts: ``explain_all`` (one block per root cause) against one block
per conflict (the floor: no grouping at all), on conflicts of synthetic services that pin Python lines
and package versions at random, with the block counts.

    python bench/plan.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

import networkx as nx

from matrixhell.model import Cause, Conflict, Origin, Severity
from matrixhell.plan import min_colouring
from matrixhell.render.explain import explain, explain_all

T = TypeVar("T")

CASES = [(30, 0.1), (30, 0.3), (30, 0.5), (200, 0.05), (200, 0.2), (1000, 0.01)]


def _graph(n: int, density: float, seed: int) -> set[tuple[int, int]]:
    rng = random.Random(seed)
    return {(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < density}


def _time(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    times: list[float] = []
    out = fn()
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'services':>8} {'density':>7} {'ours':>5} {'exact':>5} {'nx':>3} {'ours ms':>9} {'nx ms':>8} {'ratio':>6}")
    for n, density in CASES:
        edges = _graph(n, density, seed=n * 100 + int(density * 100))
        g: nx.Graph[int] = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(edges)
        ours_t, (classes, exact) = _time(lambda: min_colouring(n, edges), args.repeat)  # noqa: B023
        nx_t, theirs = _time(lambda: nx.greedy_color(g, strategy="saturation_largest_first"), args.repeat)  # noqa: B023
        nx_count = 1 + max(theirs.values())
        print(
            f"{n:>8} {density:>7.2f} {len(classes):>5} {'yes' if exact else 'no':>5} {nx_count:>3} "
            f"{ours_t * 1000:>9.1f} {nx_t * 1000:>8.1f} {ours_t / nx_t:>5.1f}x"
        )
    _grouping(args.repeat)


def _conflicts(n: int, seed: int) -> list[Conflict]:
    """Pair conflicts of ``n`` services, each with a Python line and a gunicorn pin drawn at random."""
    rng = random.Random(seed)
    pys = [rng.choice(("3.8", "3.10", "3.11", "3.12", "3.13")) for _ in range(n)]
    pins = [rng.choice(("20.1.0", "22.0.0", "23.0.0")) for _ in range(n)]
    out = []
    for a in range(n):
        for b in range(a + 1, n):
            sa, sb = f"svc{a:03d}", f"svc{b:03d}"
            for kind, va, vb, what in (
                ("disjoint-runtime", pys[a], pys[b], "python =="),
                ("disjoint-pins", pins[a], pins[b], "gunicorn =="),
            ):
                if va != vb:
                    causes = (
                        Cause(sa, "requires", f"{what}{va}", Origin(f"{sa}/x", 1)),
                        Cause(sb, "requires", f"{what}{vb}", Origin(f"{sb}/x", 1)),
                    )
                    out.append(
                        Conflict(
                            kind, Severity.ERROR, (sa, sb), f"{va} and {vb}", causes, f"{sa} fits here; {sb} fits there"
                        )
                    )
    return out


def _grouping(repeat: int) -> None:
    print()
    print(f"{'services':>8} {'conflicts':>9} {'blocks':>6} {'grouped ms':>10} {'flat ms':>8} {'ratio':>6}")
    for n in (40, 150):
        conflicts = _conflicts(n, seed=n)
        grouped_t, text = _time(lambda: explain_all(conflicts), repeat)  # noqa: B023
        flat_t, _ = _time(lambda: "\n\n".join(explain(c) for c in conflicts), repeat)  # noqa: B023
        blocks = str(text).count("\n\n") + 1
        print(
            f"{n:>8} {len(conflicts):>9} {blocks:>6} {grouped_t * 1000:>10.1f} {flat_t * 1000:>8.1f} "
            f"{grouped_t / flat_t:>5.1f}x"
        )


if __name__ == "__main__":
    main()
