"""Questions asked of the graph: what a service pulls in, what services share, why it needs a lib."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from matrixhell.graph import ids

if TYPE_CHECKING:
    import networkx as nx

    Graph = nx.MultiDiGraph[str]

__all__ = ["closure", "services", "shared_nodes", "why_needs"]

# A release's ``ships`` edges describe the distro, not the service: following them would pull every
# package of the release into every service's closure.
_FOLLOW = frozenset({"requires", "locks", "needs-lib", "runs-on", "provides", "based-on"})


def _successors(g: Graph, node: str) -> list[str]:
    out = {v for _u, v, k in g.out_edges(node, keys=True) if k in _FOLLOW}
    return sorted(out)


def services(g: Graph) -> tuple[str, ...]:
    return tuple(sorted(d["label"] for _n, d in g.nodes(data=True) if d["type"] == "service"))


def closure(g: Graph, service: str) -> frozenset[str]:
    """Every node the service reaches through its dependency edges (itself included)."""
    start = ids.service_id(service)
    if start not in g:
        raise KeyError(service)
    seen = {start}
    queue = deque([start])
    while queue:
        for v in _successors(g, queue.popleft()):
            if v not in seen:
                seen.add(v)
                queue.append(v)
    return frozenset(seen)


def shared_nodes(g: Graph, names: Iterable[str]) -> frozenset[str]:
    """Nodes in the closure of every one of ``names`` (service nodes themselves excluded)."""
    sets = [closure(g, n) for n in names]
    if not sets:
        return frozenset()
    common = frozenset.intersection(*sets)
    return frozenset(n for n in common if ids.node_type(n) != "service")


def why_needs(g: Graph, service: str, lib: str) -> tuple[str, ...] | None:
    """The shortest path (node ids) from the service to a library, None when it does not need it.

    ``lib`` is a node id, a logical library (``openssl``) or a package name (``libssl1.1``).  Ties
    between equally short paths go to the smallest ids, so the answer is stable.
    """
    start = ids.service_id(service)
    if start not in g:
        raise KeyError(service)
    goals = {
        n
        for n, d in g.nodes(data=True)
        if n == lib or (d["type"] in ("system-lib", "system-package") and d["label"] == lib)
    }
    if not goals:
        return None
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        if u in goals:
            path = [u]
            while (p := parent[path[-1]]) is not None:
                path.append(p)
            return tuple(reversed(path))
        for v in _successors(g, u):
            if v not in parent:
                parent[v] = u
                queue.append(v)
    return None
