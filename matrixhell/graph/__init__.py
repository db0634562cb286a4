"""Facts -> a typed networkx graph, and the queries asked of it."""

from matrixhell.graph.build import EDGE_TYPES, build_graph
from matrixhell.graph.ids import NODE_TYPES
from matrixhell.graph.queries import closure, services, shared_nodes, why_needs

__all__ = ["EDGE_TYPES", "NODE_TYPES", "build_graph", "closure", "services", "shared_nodes", "why_needs"]
