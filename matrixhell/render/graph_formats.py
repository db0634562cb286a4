"""The dependency graph as text: Graphviz dot (a cluster per service), a Mermaid flowchart, GraphML
(through networkx) and JSON node-link.  Pure: graph in, string out, same graph -> same bytes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from matrixhell.graph.queries import closure, services
from matrixhell.model import Origin

if TYPE_CHECKING:
    import networkx as nx

    Graph = nx.MultiDiGraph[str]

__all__ = ["FORMATS", "render_graph", "to_dot", "to_graphml", "to_json", "to_mermaid"]

_DOT_SHAPES = {
    "service": "box3d",
    "runtime": "ellipse",
    "runtime-range": "ellipse",
    "package": "box",
    "package-version": "note",
    "system-lib": "component",
    "system-package": "folder",
    "release": "cylinder",
    "image": "tab",
}
_MERMAID_SHAPES = {
    "service": ("[[", "]]"),
    "runtime": ("([", "])"),
    "runtime-range": ("(", ")"),
    "package": ("[", "]"),
    "package-version": ("[/", "/]"),
    "system-lib": ("{{", "}}"),
    "system-package": ("[\\", "\\]"),
    "release": ("[(", ")]"),
    "image": (">", "]"),
}


def _owners(g: Graph) -> dict[str, str]:
    """Node -> the one service whose closure holds it; shared nodes have no owner."""
    count: dict[str, list[str]] = {}
    for s in services(g):
        for n in closure(g, s):
            count.setdefault(n, []).append(s)
    return {n: owners[0] for n, owners in count.items() if len(owners) == 1}


def _edge_label(g: Graph, u: str, v: str, k: str) -> str:
    """The edge type, and the specifier a requirement was written with (``requires >=5.0,<5.1``)."""
    data = g.edges[u, v, k]
    if k == "conflicts-with":
        return f"conflicts-with {data.get('kinds') or ''}".strip()
    spec = data.get("specifier") or ""
    return f"{k} {spec}" if spec else k


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(g: Graph) -> str:
    owners = _owners(g)
    lines = [
        "digraph matrixhell {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
    ]

    def node_line(n: str, indent: str) -> str:
        d = g.nodes[n]
        return f"{indent}{_q(n)} [label={_q(d['label'])}, shape={_DOT_SHAPES.get(d['type'], 'box')}];"

    for s in services(g):
        mine = sorted(n for n, o in owners.items() if o == s)
        lines.append(f"  subgraph {_q('cluster_' + s)} {{")
        lines.append(f"    label={_q(s)};")
        lines.extend(node_line(n, "    ") for n in mine)
        lines.append("  }")
    lines.extend(node_line(n, "  ") for n in sorted(g.nodes) if n not in owners)
    for u, v, k in sorted(g.edges(keys=True)):
        # Conflicts are not dependencies: drawn apart (dashed, red for an error) and left out of ranking.
        style = ""
        if k == "conflicts-with":
            colour = "red" if g.edges[u, v, k].get("severity") == "error" else "orange"
            style = f", style=dashed, color={colour}, dir=none, constraint=false"
        lines.append(f"  {_q(u)} -> {_q(v)} [label={_q(_edge_label(g, u, v, k))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def to_mermaid(g: Graph) -> str:
    owners = _owners(g)
    short = {n: f"n{i}" for i, n in enumerate(sorted(g.nodes))}
    lines = ["flowchart LR"]

    def node_line(n: str, indent: str) -> str:
        d = g.nodes[n]
        left, right = _MERMAID_SHAPES.get(d["type"], ("[", "]"))
        return f"{indent}{short[n]}{left}{_mermaid_label(d['label'])}{right}"

    for i, s in enumerate(services(g)):
        lines.append(f"  subgraph s{i}[{_mermaid_label(s)}]")
        lines.extend(node_line(n, "    ") for n in sorted(n for n, o in owners.items() if o == s))
        lines.append("  end")
    lines.extend(node_line(n, "  ") for n in sorted(g.nodes) if n not in owners)
    for u, v, k in sorted(g.edges(keys=True)):
        label = _edge_label(g, u, v, k).replace('"', "#quot;").replace("|", "#124;")
        arrow = "-.-" if k == "conflicts-with" else "-->"
        lines.append(f'  {short[u]} {arrow}|"{label}"| {short[v]}')
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Origin):
        return str(value)
    if value is None:
        return ""
    return value


def _plain_graph(g: Graph) -> Graph:
    import networkx as nx

    out: Graph = nx.MultiDiGraph()
    for n in sorted(g.nodes):
        out.add_node(n, **{k: _plain(v) for k, v in sorted(g.nodes[n].items())})
    for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        out.add_edge(u, v, key=k, **{a: _plain(b) for a, b in sorted(d.items())})
    return out


def to_graphml(g: Graph) -> str:
    import networkx as nx

    return "\n".join(nx.generate_graphml(_plain_graph(g))) + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, Origin):
        return value.to_json()
    return value


def to_json(g: Graph) -> str:
    """Node-link JSON: ``{"directed", "multigraph", "nodes": [{"id", ...}], "edges": [{"source", ...}]}``."""
    nodes = [{"id": n, **{k: _json_value(v) for k, v in g.nodes[n].items()}} for n in sorted(g.nodes)]
    edges = [
        {"source": u, "target": v, "key": k, **{a: _json_value(b) for a, b in d.items()}}
        for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2]))
    ]
    doc = {"directed": True, "multigraph": True, "nodes": nodes, "edges": edges}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


FORMATS: dict[str, Callable[[Graph], str]] = {
    "dot": to_dot,
    "mermaid": to_mermaid,
    "graphml": to_graphml,
    "json": to_json,
}


def render_graph(g: Graph, fmt: str) -> str:
    try:
        return FORMATS[fmt](g)
    except KeyError:
        raise ValueError(f"unknown graph format {fmt!r}; use one of {', '.join(FORMATS)}") from None
