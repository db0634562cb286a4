"""Facts -> a typed ``networkx.MultiDiGraph``.

Nodes carry ``type`` (one of :data:`~matrixhell.graph.ids.NODE_TYPES`) and ``label``; edges carry
``type`` (requires, locks, needs-lib, ships, runs-on, provides, based-on), the ``origin`` of the fact
(a model Origin, or None for catalog facts) and a few type-specific attributes.  An edge's key is its
type, so one fact is one edge and building twice gives the same graph.

- service --requires--> runtime-range --requires--> runtime
- service --requires--> package;  service --locks--> package-version --provides--> package
- package --needs-lib--> system-lib (logical, from the native-library map)
- service --needs-lib--> system-package (named in its Dockerfile, apt.txt...)
- release --ships--> system-package --provides--> system-lib
- service --based-on--> image --runs-on--> release;  image --provides--> runtime
- service --runs-on--> release (the planned target), service --based-on--> image (planned=True)
- service --conflicts-with--> service (from the plan: the kinds that keep two services apart, the worst
  severity); no query follows it, so it never joins one service's closure to another's
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from matrixhell.graph import ids
from matrixhell.model import Plan, Service

if TYPE_CHECKING:
    import networkx as nx

    Graph = nx.MultiDiGraph[str]

    from matrixhell.conflicts.knowledge import Knowledge, ReleaseLike

__all__ = ["EDGE_TYPES", "build_graph"]

EDGE_TYPES = ("requires", "locks", "needs-lib", "ships", "runs-on", "provides", "based-on", "conflicts-with")
_MANAGER_OF_DISTRO = {"debian": "apt", "ubuntu": "apt", "alpine": "apk"}


def _node(g: Graph, node_id: str, label: str, **attrs: Any) -> str:
    if node_id not in g:
        g.add_node(node_id, type=ids.node_type(node_id), label=label, **attrs)
    return node_id


def _edge(g: Graph, u: str, v: str, etype: str, **attrs: Any) -> None:
    if not g.has_edge(u, v, key=etype):
        g.add_edge(u, v, key=etype, type=etype, **attrs)


def build_graph(services: Iterable[Service], *, knowledge: Knowledge | None = None, plan: Plan | None = None) -> Graph:
    """The dependency graph of ``services``; with ``knowledge`` the libraries and releases too, with
    ``plan`` the chosen release and base image of each service."""
    import networkx as nx

    g: Graph = nx.MultiDiGraph()
    for s in sorted(services, key=lambda s: s.name):
        _add_service(g, s, knowledge)
    if knowledge is not None:
        _add_releases(g, knowledge, plan)
    if plan is not None:
        _add_plan(g, plan, knowledge)
    return g


def _add_service(g: Graph, s: Service, kn: Knowledge | None) -> None:
    sid = _node(g, ids.service_id(s.name), s.name, path=s.path, kind=s.kind.value)
    for r in s.runtimes:
        rid = _node(g, ids.runtime_range_id(r.runtime, r.spec), f"{r.runtime} {r.spec or '*'}", runtime=r.runtime)
        _edge(g, sid, rid, "requires", origin=r.origin, source=r.source)
        _edge(g, rid, _node(g, ids.runtime_id(r.runtime), r.runtime), "requires", origin=None)
    for p in s.packages:
        eco = p.ecosystem.value
        pid = _node(g, ids.package_id(eco, p.name), p.name, ecosystem=eco)
        if p.direct:
            _edge(
                g,
                sid,
                pid,
                "requires",
                origin=p.origin,
                specifier=p.specifier,
                marker=p.marker or "",
                scope=p.scope.value,
            )
        if p.locked:
            vid = _node(g, ids.package_version_id(eco, p.name, p.locked), f"{p.name} {p.locked}", ecosystem=eco)
            _edge(g, sid, vid, "locks", origin=p.locked_origin or p.origin)
            _edge(g, vid, pid, "provides", origin=None)
        needs = kn.native_needs(p.ecosystem, p.name) if kn is not None and kn.native_needs else None
        if needs is not None:
            bundled = set(needs.wheel_bundles)
            for lib in needs.libraries:
                lid = _node(g, ids.system_lib_id(lib), lib)
                _edge(g, pid, lid, "needs-lib", origin=p.origin, bundled_in_wheel=lib in bundled)
    for sp in s.system_packages:
        spid = _node(g, ids.system_package_id(sp.manager, sp.name), sp.name, manager=sp.manager)
        _edge(g, sid, spid, "needs-lib", origin=sp.origin, phase=sp.phase)
    if s.image:
        # An image-only service (compose ``image: postgres:16``) runs that image as it is.
        iid = _node(g, ids.image_id(s.image), s.image)
        origin = s.compose.origin if s.compose is not None else None
        _edge(g, sid, iid, "based-on", origin=origin, stage="", final=True, planned=False)
    for b in s.base_images:
        iid = _node(g, ids.image_id(b.reference), b.reference)
        _edge(g, sid, iid, "based-on", origin=b.origin, stage=b.stage or "", final=b.final, planned=False)
        info = kn.catalog.image(b.reference) if kn is not None else None
        if info is not None:
            _image_facts(g, iid, info.distro, info.release, info.runtime, info.runtime_version)


def _image_facts(g: Graph, iid: str, distro: str, release: str, runtime: str | None, version: str | None) -> None:
    rel = _node(g, ids.release_id(distro, release), f"{distro} {release}")
    _edge(g, iid, rel, "runs-on", origin=None)
    if runtime:
        _edge(g, iid, _node(g, ids.runtime_id(runtime), runtime), "provides", origin=None, version=version or "")


def _add_releases(g: Graph, kn: Knowledge, plan: Plan | None) -> None:
    releases: list[ReleaseLike] = sorted(kn.releases(), key=lambda r: (r.distro, r.name))
    if plan is not None:
        wanted = {(t.distro, t.release) for _n, t in plan.targets}
        releases = [r for r in releases if (r.distro, r.name) in wanted]
    libs = sorted(n for n, d in g.nodes(data=True) if d["type"] == "system-lib")
    named = sorted((d["manager"], d["label"], n) for n, d in g.nodes(data=True) if d["type"] == "system-package")
    for r in releases:
        manager = _MANAGER_OF_DISTRO.get(r.distro, "apt")
        rid = _node(g, ids.release_id(r.distro, r.name), f"{r.distro} {r.name}", libc=r.libc, ssl=r.ssl or "")
        for lid in libs:
            lib = g.nodes[lid]["label"]
            try:
                found = r.library_packages(lib)
            except KeyError:
                continue
            if found is None:
                continue
            for phase, names in (("run", found.run), ("build", found.build)):
                for name in names:
                    spid = _node(g, ids.system_package_id(manager, name), name, manager=manager)
                    _edge(g, rid, spid, "ships", origin=None, phase=phase)
                    _edge(g, spid, lid, "provides", origin=None)
        for mgr, name, spid in named:
            if mgr == manager and r.has(name):
                _edge(g, rid, spid, "ships", origin=None, phase="")


def _add_conflicts(g: Graph, plan: Plan) -> None:
    by_pair: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for c in plan.conflicts:
        if len(c.subjects) == 2:
            a, b = sorted(c.subjects)
            by_pair.setdefault((a, b), []).append((c.severity.rank, c.kind))
    for (a, b), found in sorted(by_pair.items()):
        sa, sb = ids.service_id(a), ids.service_id(b)
        if sa in g and sb in g:
            worst = max(rank for rank, _k in found)
            severity = {0: "info", 1: "warning", 2: "error"}[worst]
            kinds = ",".join(sorted({k for _r, k in found}))
            _edge(g, sa, sb, "conflicts-with", origin=None, kinds=kinds, severity=severity)


def _add_plan(g: Graph, plan: Plan, kn: Knowledge | None) -> None:
    _add_conflicts(g, plan)
    env_of = {s: e.name for e in plan.environments for s in e.services}
    for name, t in plan.targets:
        sid = ids.service_id(name)
        if sid not in g or t.distro == "unknown":
            continue
        rel = _node(g, ids.release_id(t.distro, t.release), f"{t.distro} {t.release}")
        _edge(g, sid, rel, "runs-on", origin=None, environment=env_of.get(name, ""))
        if t.base_image:
            iid = _node(g, ids.image_id(t.base_image), t.base_image)
            if not g.has_edge(sid, iid, key="based-on"):
                _edge(g, sid, iid, "based-on", origin=None, stage="", final=True, planned=True)
            _image_facts(g, iid, t.distro, t.release, t.runtime, t.runtime_version)
