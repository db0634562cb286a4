"""The plan: a target per service and the fewest environments the services can share.

Two services *cannot share* when an error-severity conflict stands between them, or when their slots
(release -> runtime versions) never meet, or their direct pins part.  The fewest environments is then a
minimum colouring of the "cannot share" graph, with one twist: a colour class must also fit *one*
environment as a whole (three services may meet pairwise on three different releases and never all on
one), so every placement is checked against the class's joint slots.

- up to ``EXACT_LIMIT`` (30) services: exact branch and bound, DSATUR order (the vertex that can join
  the fewest classes first), new classes only while fewer than the best found, a greedy clique as the
  lower bound that stops the search as soon as it is met.  A step budget guards against a pathological
  graph; if it runs out the best colouring found is kept and the plan says ``exact=False``.
- beyond: DSATUR alone (Brélaz 1979), each vertex into the first class it can join.  It is optimal on
  bipartite graphs and usually within one colour of optimal on the sparse graphs repos make.

Sharing never degrades a service: a hand-written final ``FROM`` that fits keeps its release (the
profile's ``home``), a service that can run supported is not moved onto end of life, and a standalone
service (a static binary on scratch or distroless) is in no environment at all.  The splits those
rules cause are stated (``own-base-release``, ``shared-only-past-eol``).

Within an environment the shared target is the release every member fits, ranked: the release most
members' hand-written ``FROM`` already uses, then supported before end-of-life, then the fewest
native pins built from the sdist (its glibc takes their wheels), then the fewest members left without
an image of their runtime, then Debian, Ubuntu, Alpine, newest first; per runtime the version most
``FROM`` lines name, else the newest supported line all accept.  Once placed, every hint clause that
says where a service fits is rewritten to where the plan put it (and where else it would fit), and a
target past its end of life gets a note.  docs/plan.md says all this with examples.  Everything is
deterministic: ties break on service names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from itertools import combinations

from matrixhell.conflicts.engine import can_share
from matrixhell.conflicts.hints import best_slot, fits, preferred_line, split_clauses, supported_predicate
from matrixhell.conflicts.knowledge import ReleaseLike
from matrixhell.conflicts.profile import CatalogView, Profile, agreeing_lines, is_eol, joint_slots
from matrixhell.conflicts.ranges import line_range
from matrixhell.conflicts.target import group_conflict
from matrixhell.model import Conflict, Environment, Plan, Severity, Target

__all__ = ["EXACT_LIMIT", "SPLIT_KINDS", "make_plan", "min_colouring"]

# Conflicts below error severity that still part two services: each keeps what it has alone.
SPLIT_KINDS = frozenset({"own-base-release", "shared-only-past-eol"})

EXACT_LIMIT = 30
_BUDGET = 1_000_000

Join = Callable[[tuple[int, ...], int], bool]


class _OutOfBudget(Exception):
    pass


def _adjacency(n: int, edges: Iterable[tuple[int, int]]) -> list[set[int]]:
    adj: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges:
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    return adj


def _greedy_clique(adj: list[set[int]]) -> int:
    best = 0
    for start in sorted(range(len(adj)), key=lambda v: (-len(adj[v]), v)):
        clique = [start]
        cand = set(adj[start])
        while cand:
            v = min(cand, key=lambda u: (-len(adj[u] & cand), u))
            clique.append(v)
            cand &= adj[v]
        best = max(best, len(clique))
    return best


class _Colouring:
    def __init__(self, n: int, adj: list[set[int]], join: Join | None, budget: int) -> None:
        self.n, self.adj, self.join, self.budget = n, adj, join, budget
        self.steps = 0
        self._join_cache: dict[tuple[frozenset[int], int], bool] = {}

    def fits(self, members: list[int], v: int) -> bool:
        if any(u in self.adj[v] for u in members):
            return False
        if self.join is None or not members:
            return True
        key = (frozenset(members), v)
        hit = self._join_cache.get(key)
        if hit is None:
            hit = self.join(tuple(sorted(members)), v)
            self._join_cache[key] = hit
        return hit

    def pick(self, colour_of: list[int], classes: list[list[int]]) -> int:
        """DSATUR: most neighbouring classes, then most uncoloured neighbours, then lowest index."""
        best, best_key = -1, (-1, -1, 0)
        for v in range(self.n):
            if colour_of[v] >= 0:
                continue
            sat = len({colour_of[u] for u in self.adj[v] if colour_of[u] >= 0})
            deg = sum(1 for u in self.adj[v] if colour_of[u] < 0)
            key = (sat, deg, -v)
            if key > best_key:
                best, best_key = v, key
        return best

    def dsatur(self) -> list[list[int]]:
        """Greedy DSATUR with saturation kept up to date as vertices are coloured (fast on 200+)."""
        colour_of = [-1] * self.n
        classes: list[list[int]] = []
        seen: list[set[int]] = [set() for _ in range(self.n)]  # colours among each vertex's neighbours
        free_deg = [len(a) for a in self.adj]  # uncoloured neighbours
        uncoloured = set(range(self.n))
        for _ in range(self.n):
            v = max(uncoloured, key=lambda u: (len(seen[u]), free_deg[u], -u))
            uncoloured.discard(v)
            for ci, members in enumerate(classes):
                if self.fits(members, v):
                    members.append(v)
                    colour_of[v] = ci
                    break
            else:
                classes.append([v])
                colour_of[v] = len(classes) - 1
            for u in self.adj[v]:
                seen[u].add(colour_of[v])
                free_deg[u] -= 1
        return classes

    def exact(self, upper: list[list[int]], lower: int) -> tuple[list[list[int]], bool]:
        best = [list(c) for c in upper]
        if len(best) <= lower:
            return best, True
        colour_of = [-1] * self.n
        classes: list[list[int]] = []

        def rec(done: int) -> bool:
            self.steps += 1
            if self.steps > self.budget:
                raise _OutOfBudget
            if done == self.n:
                best[:] = [list(c) for c in classes]
                return len(best) <= lower
            v = self.pick(colour_of, classes)
            for ci, members in enumerate(classes):
                if self.fits(members, v):
                    members.append(v)
                    colour_of[v] = ci
                    stop = rec(done + 1)
                    members.pop()
                    colour_of[v] = -1
                    if stop:
                        return True
            if len(classes) + 1 < len(best):
                classes.append([v])
                colour_of[v] = len(classes) - 1
                stop = rec(done + 1)
                classes.pop()
                colour_of[v] = -1
                if stop:
                    return True
            return False

        try:
            rec(0)
        except _OutOfBudget:
            return best, False
        return best, True


def min_colouring(
    n: int,
    edges: Iterable[tuple[int, int]],
    *,
    join: Join | None = None,
    exact_limit: int = EXACT_LIMIT,
    budget: int = _BUDGET,
) -> tuple[tuple[tuple[int, ...], ...], bool]:
    """Colour vertices ``0..n-1`` so no edge joins one class; ``join(members, v)`` may veto more.

    Returns the classes (each sorted, the classes sorted by their first vertex) and whether the count
    is proven minimal.  Exact up to ``exact_limit`` vertices, DSATUR beyond.
    """
    if n == 0:
        return (), True
    adj = _adjacency(n, edges)
    col = _Colouring(n, adj, join, budget)
    classes = col.dsatur()
    exact = False
    if n <= exact_limit:
        classes, exact = col.exact(classes, _greedy_clique(adj))
    out = sorted(tuple(sorted(c)) for c in classes if c)
    return tuple(out), exact


def _forbidden(profiles: Sequence[Profile], conflicts: Iterable[Conflict]) -> set[frozenset[str]]:
    pairs: set[frozenset[str]] = set()
    for c in conflicts:
        if c.between_services and c.severity is Severity.ERROR:
            pairs.add(frozenset(c.subjects))
    for a, b in combinations(profiles, 2):
        if not can_share((a, b)):
            pairs.add(frozenset((a.name, b.name)))
    return pairs


def make_plan(
    profiles: Sequence[Profile],
    conflicts: Sequence[Conflict],
    view: CatalogView,
    *,
    exact_limit: int = EXACT_LIMIT,
) -> Plan:
    """Targets and environments for ``profiles`` (sorted by name), given the conflicts found.

    Standalone services (a static binary, a scratch or distroless final image) are in no environment:
    each gets its own target.  Every hint that says where a service fits is made true of the plan:
    where the plan puts it, and where else it would fit as an alternative."""
    everyone = sorted(profiles, key=lambda p: p.name)
    alone = [p for p in everyone if p.standalone]
    profiles = [p for p in everyone if not p.standalone]
    index = {p.name: i for i, p in enumerate(profiles)}
    forbidden = _forbidden(profiles, conflicts)
    edges = [(index[a], index[b]) for a, b in (sorted(pair) for pair in forbidden) if a in index and b in index]

    def join(members: tuple[int, ...], v: int) -> bool:
        return can_share([profiles[i] for i in (*members, v)])

    found, exact = min_colouring(len(profiles), edges, join=join, exact_limit=exact_limit)
    classes = _settle([list(c) for c in found], profiles, view, set(edges), join)
    environments: list[Environment] = []
    targets: dict[str, Target] = {}
    for number, members in enumerate(classes, start=1):
        group = [profiles[i] for i in members]
        env_target, runtimes, per_service = _shared_target(group, view)
        environments.append(Environment(f"env-{number}", tuple(p.name for p in group), env_target, runtimes))
        targets.update(per_service)
    for p in alone:
        targets[p.name] = _standalone_target(p, view)
    env_of = {name: env.name for env in environments for name in env.services}
    splits: set[tuple[str, str, str]] = set()
    for c in conflicts:
        if len(c.subjects) != 2 or not all(s in env_of for s in c.subjects):
            continue
        if c.severity is not Severity.ERROR and c.kind not in SPLIT_KINDS:
            continue
        if env_of[c.subjects[0]] != env_of[c.subjects[1]]:
            a, b = sorted(c.subjects)
            splits.add((a, b, c.kind))
    extra = _group_splits(environments, profiles, forbidden, view)
    for c, (e1, e2) in extra:
        splits.add((min(e1.services), min(e2.services), c.kind))
    by_name = {p.name: p for p in everyone}
    all_conflicts = tuple(conflicts) + tuple(c for c, _envs in extra)
    true_hints = tuple(_true_hint(c, by_name, targets, env_of, view) for c in all_conflicts)
    return Plan(
        targets=tuple(sorted(targets.items())),
        environments=tuple(environments),
        conflicts=true_hints,
        splits=tuple(sorted(splits)),
        exact=exact,
        standalone=tuple((p.name, p.standalone or "") for p in alone),
        notes=_eol_notes(everyone, targets, view),
    )


def _place(t: Target) -> str:
    where = f"{t.distro} {t.release}".strip()
    if not t.runtime or not t.runtime_version:
        return f"{where} ({t.base_image})" if t.base_image else where
    detail = f"{t.runtime} {t.runtime_version}"
    if t.base_image:
        detail += f" from {t.base_image}"
    return f"{where} ({detail})"


def _planned_clause(p: Profile, t: Target, env: str | None) -> str:
    if env is None:
        what = f"{t.runtime or 'no runtime'} {t.runtime_version or ''}".rstrip()
        return f"{p.name} is planned on its own image ({what}{f', {t.base_image}' if t.base_image else ''})"
    return f"{p.name} is planned in {env} on {_place(t)}"


def _true_hint(
    c: Conflict, by_name: dict[str, Profile], targets: dict[str, Target], env_of: dict[str, str], view: CatalogView
) -> Conflict:
    """The conflict with every "<service> fits <place>" clause of its hint made true of the plan: where
    the plan puts the service, then, when that is elsewhere, where it "would also fit" alone."""
    if not c.hint:
        return c
    said: dict[str, tuple[Profile, tuple[str, str | None, str | None] | None]] = {}
    for name in c.subjects:
        p = by_name.get(name)
        if p is None or name not in targets:
            continue
        said.update(_fits_texts(p, view))
    out: list[str] = []
    changed = False
    for clause in split_clauses(c.hint):
        hit = said.get(clause)
        if hit is None:
            if clause.endswith(", as the plan does") or ", as the plan does," in clause:
                clause = _as_the_plan_does(clause, c, targets)
                changed = True
            out.append(clause)
            continue
        p, best = hit
        t = targets[p.name]
        planned = _planned_clause(p, t, env_of.get(p.name))
        changed = True
        if planned not in out:
            out.append(planned)
        same = best is not None and (f"{t.distro}:{t.release}", t.runtime_version, t.base_image) == best
        if not same and clause.startswith(f"{p.name} fits "):
            alt = f"{p.name} would also fit {clause[len(p.name) + len(' fits ') :]}"
            if alt not in out:
                out.append(alt)
    return replace(c, hint="; ".join(out)) if changed else c


def _fits_texts(p: Profile, view: CatalogView) -> dict[str, tuple[Profile, tuple[str, str | None, str | None] | None]]:
    """Every "<service> fits <place>" text the rules may have written for ``p``, with the place."""
    key = ("fits-texts", p.name, id(p))
    hit = view.memo.get(key)
    if hit is None:
        found: dict[str, tuple[Profile, tuple[str, str | None, str | None] | None]] = {}
        for slots in (None, p.plan_slots, p.slots):
            judged = slots if slots is not None or p.slots else p.plan_slots
            found[fits(p, view, slots)] = (p, best_slot(p, view, judged))
        hit = view.memo[key] = found
    return hit  # type: ignore[return-value]


def _as_the_plan_does(clause: str, c: Conflict, targets: dict[str, Target]) -> str:
    t = targets.get(c.subjects[0]) if c.subjects else None
    if t is None or not t.base_image or f"FROM {t.base_image} " in clause:
        return clause
    return clause.replace(", as the plan does", f" (the plan uses {t.base_image})")


def _eol_notes(
    profiles: Sequence[Profile], targets: dict[str, Target], view: CatalogView
) -> tuple[tuple[str, str], ...]:
    """Per service on a release or runtime line past its end of life: which, since when, and why."""
    kn = view.kn
    today = kn.today
    out: list[tuple[str, str]] = []
    if today is None:
        return ()
    for p in profiles:
        t = targets.get(p.name)
        if t is None:
            continue
        ended: list[str] = []
        whys: list[str] = []
        key = f"{t.distro}:{t.release}"
        r = view.release(key)
        free = p.free_slots or p.plan_slots
        if r is not None and is_eol(r.eol, today):
            ended.append(f"{t.distro} {t.release} ({str(r.eol)[:10]})")
            if p.home == key and any((x := view.release(k)) is not None and not is_eol(x.eol, today) for k in free):
                whys.append(f"its own FROM ({p.home_origin}) keeps it on {t.distro} {t.release}")
        if t.runtime and t.runtime_version and kn.runtime_supported(t.runtime, t.runtime_version) is False:
            end = kn.runtime_eol(t.runtime, t.runtime_version) if kn.runtime_eol is not None else None
            ended.append(f"{t.runtime} {t.runtime_version} ({end})" if end else f"{t.runtime} {t.runtime_version}")
            rt = t.runtime
            if p.home is not None and any(kn.runtime_supported(rt, v) for vs in free.values() for v in vs):
                whys.append(f"its own FROM ({p.home_origin}) keeps it on {rt} {t.runtime_version}")
        if not ended:
            continue
        why = "".join(f"; {w}" for w in whys)
        out.append((p.name, f"past end of life: {', '.join(ended)}{why}"))
    return tuple(sorted(out))


def _standalone_target(p: Profile, view: CatalogView) -> Target:
    """A standalone service's own target: its final image as it is, or its best place alone."""
    final = next((b for b in p.service.base_images if b.final), None) or (
        p.service.base_images[-1] if p.service.base_images else None
    )
    best = best_slot(p, view, p.free_slots or p.plan_slots)
    version = best[1] if best is not None else None
    if final is not None:
        distro, release = _image_release(final.reference, view)
        return Target(
            distro=distro,
            release=release,
            libc="static",
            libc_version="",
            runtime=p.runtime,
            runtime_version=version,
            base_image=final.reference,
            ssl=None,
        )
    if best is None or view.release(best[0]) is None:
        return _unplaceable([p])[2][p.name]
    r = view.release(best[0])
    assert r is not None
    return _target_for(r, p.runtime, version, p, view)


def _image_release(reference: str, view: CatalogView) -> tuple[str, str]:
    """(distro, release) a distroless image is built from (``static-debian12`` -> debian bookworm);
    ``scratch`` and unknown images have none."""
    m = re.search(r"-(debian|ubuntu)(\d+(?:\.\d+)?)", reference.split("@", 1)[0])
    if m:
        for r in view.releases:
            if r.distro == m.group(1) and str(r.version) == m.group(2):
                return r.distro, r.name
        return m.group(1), m.group(2)
    return "none", "scratch" if reference.split(":", 1)[0].split("@", 1)[0] == "scratch" else "own image"


def _group_splits(
    environments: list[Environment],
    profiles: Sequence[Profile],
    forbidden: set[frozenset[str]],
    view: CatalogView,
) -> list[tuple[Conflict, tuple[Environment, Environment]]]:
    """Two environments with no conflict between any of their members are apart only because all of
    them together fit no release: say so, or the split would have no reason."""
    by_name = {p.name: p for p in profiles}
    out: list[tuple[Conflict, tuple[Environment, Environment]]] = []
    for i, e1 in enumerate(environments):
        for e2 in environments[i + 1 :]:
            if any(frozenset((a, b)) in forbidden for a in e1.services for b in e2.services):
                continue
            members = [by_name[n] for n in sorted((*e1.services, *e2.services))]
            if can_share(members):
                continue  # the heuristic could have merged them: no conflict to claim
            out.append((group_conflict(members, view), (e1, e2)))
    return out


def _affinity(v: Profile, members: Iterable[Profile], view: CatalogView) -> tuple[int, int, int, int]:
    """How well ``v`` sits among ``members``: an image of its runtime on the release they would share,
    then same runtime, then same best release, then how high that release ranks."""
    group = [*members, v]
    own = _best_release(v, view)
    same_rt = same_rel = 0
    for u in group[:-1]:
        same_rt += u.runtime == v.runtime
        same_rel += own is not None and own == _best_release(u, view)
    joint = joint_slots(group)
    imaged, place = 0, 0
    if joint:
        key = _choose_release(group, joint, {p.name: _from_info(p, view) for p in group}, view)
        rt = v.runtime
        imaged = int(rt is None or not _without_image(v, key, joint[key].get(rt, frozenset()), view))
        place = -next((i for i, r in enumerate(view.releases) if f"{r.distro}:{r.name}" == key), len(view.releases))
    return (imaged, same_rt, same_rel, place)


def _best_release(p: Profile, view: CatalogView) -> str | None:
    """The first release in the catalog's order the service fits with an image of its runtime (else
    the first it fits at all)."""
    first: str | None = None
    for r in view.releases:
        key = f"{r.distro}:{r.name}"
        if key in p.plan_slots:
            if not _without_image(p, key, p.plan_slots[key], view):
                return key
            first = first or key
    return first


def _settle(
    classes: list[list[int]],
    profiles: Sequence[Profile],
    view: CatalogView,
    edges: set[tuple[int, int]],
    join: Join,
) -> tuple[tuple[int, ...], ...]:
    """Among colourings of the same size, move a service to a class it sits better in.

    Any minimum colouring is as few environments, but a worker belongs beside the web app of its own
    runtime, not beside an Alpine frontend that merely had room.  A move never empties a class, so
    the count stays minimal; a few passes in name order keep it deterministic.
    """
    adj = _adjacency(len(profiles), edges)
    for _ in range(3):
        moved = False
        for v in range(len(profiles)):
            home = next(c for c in classes if v in c)
            if len(home) == 1:
                continue
            rest = [u for u in home if u != v]
            here = _affinity(profiles[v], (profiles[u] for u in rest), view)
            for other in classes:
                if other is home or any(u in adj[v] for u in other) or not join(tuple(sorted(other)), v):
                    continue
                there = _affinity(profiles[v], (profiles[u] for u in other), view)
                if there > here:
                    home.remove(v)
                    other.append(v)
                    moved = True
                    break
        if not moved:
            break
    return tuple(sorted(tuple(sorted(c)) for c in classes if c))


def _from_info(p: Profile, view: CatalogView) -> tuple[str, str | None] | None:
    """(release key, runtime version) of the service's hand-written FROM, when the catalog knows it."""
    if p.from_image is None:
        return None
    info = view.kn.catalog.image(p.from_image)
    if info is None:
        return None
    return f"{info.distro}:{info.release}", info.runtime_version


def _line_of(version: str | None, lines: Iterable[str]) -> str | None:
    if version is None:
        return None
    for line in sorted(lines):
        try:
            if line == version or line_range(line).contains(version):
                return line
        except ValueError:
            continue
    return None


# Runtimes whose programs ship as a binary: the release's plain image is all they need at run time.
_BINARY = frozenset({"go", "rust"})


def _without_image(p: Profile, key: str, lines: frozenset[str], view: CatalogView) -> bool:
    """Whether ``p`` would get no image of its runtime on release ``key`` (only the release's own
    packaged one) though such images exist: a Java service on debian:trixie-slim instead of Temurin."""
    if p.runtime is None or p.runtime in _BINARY or not p.versions_known or not lines:
        return False
    release = view.release(key)
    if release is None:
        return False
    own = view.placement(p.from_image) if p.from_image else None
    if own is not None and own[0] == key:
        return False
    return not any(view.images(p.runtime, v, release) for v in lines)


def _choose_release(
    group: Sequence[Profile],
    joint: dict[str, dict[str, frozenset[str]]],
    froms: dict[str, tuple[str, str | None] | None],
    view: CatalogView,
) -> str:
    """The members' shared release: the most hand-written FROMs there, supported before end of life,
    the fewest native pins built from the sdist, the fewest members left without an image of their
    runtime, then the catalog's order."""
    rank = {f"{r.distro}:{r.name}": i for i, r in enumerate(view.releases)}
    today = view.kn.today

    def release_score(key: str) -> tuple[int, int, int, int, int]:
        votes = sum(1 for f in froms.values() if f is not None and f[0] == key)
        r = view.release(key)
        eol = int(r is not None and today is not None and is_eol(r.eol, today))
        bare = sum(
            1 for p in group if p.runtime and _without_image(p, key, joint[key].get(p.runtime, frozenset()), view)
        )
        # A release whose glibc takes the members' native wheels beats one that builds them from source.
        builds = sum(len(p.sdist_builds.get(key, ())) for p in group)
        return (-votes, eol, builds, bare, rank.get(key, 1 << 30))

    return min(joint, key=release_score)


def _shared_target(
    group: list[Profile], view: CatalogView
) -> tuple[Target, tuple[tuple[str, str], ...], dict[str, Target]]:
    joint = joint_slots(group)
    agree = agreeing_lines(group)
    if agree is not None:
        # Pins with markers: only the Python lines on which the members' pins meet will do.
        keep = set(agree)
        joint = {
            key: {rt: (vs & keep if rt == "python" else vs) for rt, vs in per.items()}
            for key, per in joint.items()
            if "python" not in per or per["python"] & keep
        }
    froms = {p.name: _from_info(p, view) for p in group}
    if not joint:
        # One service whose every constraint was relaxed away and still fits nothing known.
        return _unplaceable(group)
    key = _choose_release(group, joint, froms, view)
    release = view.release(key)
    assert release is not None  # every slot key comes from the catalog's releases
    chosen: dict[str, str] = {}
    for runtime, versions in sorted(joint[key].items()):
        votes = Counter(
            line
            for p in group
            if p.runtime == runtime and (f := froms[p.name]) is not None and f[0] == key
            for line in [_line_of(f[1], versions)]
            if line is not None
        )
        chosen[runtime] = (
            min(votes, key=lambda v: (-votes[v], v))
            if votes
            else preferred_line(runtime, versions, supported_predicate(view, runtime))
        )
    users = Counter(p.runtime for p in group if p.runtime is not None)
    main = min(users, key=lambda r: (-users[r], r)) if users else None
    per_service = {p.name: _target_for(release, p.runtime, chosen.get(p.runtime or ""), p, view) for p in group}
    main_profile = next((p for p in group if p.runtime == main), group[0])
    env_target = _target_for(release, main, chosen.get(main or ""), main_profile, view)
    return env_target, tuple(sorted(chosen.items())), per_service


def _target_for(
    release: ReleaseLike, runtime: str | None, version: str | None, p: Profile, view: CatalogView
) -> Target:
    image = None
    if runtime is not None and version is not None:
        image = view.best_image(runtime, version, release, p.from_image if p.runtime == runtime else None)
    if p.home_base is not None and p.home == f"{release.distro}:{release.name}" and runtime == p.runtime:
        image = p.home_base  # its own plain base (debian:bookworm-slim under a Rust binary) stays
    return Target(
        distro=release.distro,
        release=release.name,
        libc=release.libc,
        libc_version=release.libc_version,
        runtime=runtime,
        runtime_version=version,
        base_image=image,
        ssl=release.ssl,
    )


def _unplaceable(group: list[Profile]) -> tuple[Target, tuple[tuple[str, str], ...], dict[str, Target]]:
    t = {
        p.name: Target(
            distro="unknown", release="unknown", libc=p.libc or "unknown", libc_version="", runtime=p.runtime
        )
        for p in group
    }
    return t[group[0].name], (), t
