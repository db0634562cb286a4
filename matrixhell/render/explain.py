"""A conflict in words, the way uv explains a failed resolution.

::

    error[disjoint-runtime] billing, web: python ==3.8.18 and >=3.12 have no version in common
      Because billing requires python ==3.8.18 (services/billing/runtime.txt:1) and web requires
      python >=3.12 (services/web/pyproject.toml:5), billing and web cannot share one environment.
      hint: billing fits debian bullseye (python 3.8, python:3.8-slim-bullseye); web fits ...

The root-cause pair (the first two causes) makes the "Because" sentence; ``verbose`` adds the whole
derivation, every cause with what it rests on, indented, each with its origin.

Conflicts between services repeat one root cause for every partner (billing's Python 3.8 against each
3.11 and 3.12 service), so :func:`explain_all` says each root cause once, with every partner under it
(:func:`group_conflicts`); ``verbose`` gives each pair in full.  The conflicts themselves stay pairwise:
grouping is only how they read.
"""

from __future__ import annotations

from collections.abc import Iterable

from matrixhell.conflicts.hints import split_clauses
from matrixhell.model import Cause, Conflict, Environment, Plan, Severity, Target

__all__ = [
    "derivation",
    "environment_label",
    "explain",
    "explain_all",
    "explain_group",
    "group_conflicts",
    "plan_text",
]

_CONCLUSIONS = {
    "runtime-disagreement": "the sources of {s} disagree on its runtime",
    "requires-python": "{s} cannot install it on the runtime it asks for",
    "unsatisfiable-requirements": "no set of versions satisfies the requirements of {s}",
    "no-release-for-lib": "no known release runs {s} as it is written",
    "musl-no-wheel": "{s} must compile it on musl",
    "no-runtime-release": "no known base image runs {s}",
    "eol-release": "{s} runs only where security updates have stopped",
    "from-lacks-lib": "the Dockerfile of {s} does not build as written",
    "eol-runtime": "{s} runs on a runtime line that no longer gets fixes",
    "builds-from-sdist": "{s} compiles a package that another release installs as a wheel",
}


def _where(c: Cause) -> str:
    """`` (file:line)``, or, when the link states more than that line does, what the line says and
    what makes the rest: `` (ingest/pyproject.toml:4 says >=3.12; with ..., that means >=3.12,<3.13)``."""
    if c.origin is None:
        return ""
    if c.says is None:
        return f" ({c.origin})"
    more = f"; {c.narrowed_by}" if c.narrowed_by else ""
    return f" ({c.origin} says {c.says}{more})"


def _phrase(c: Cause) -> str:
    # Relations are kebab-case identifiers in the model (runs-on, needs-lib); prose wants words.
    words = " ".join(w for w in (c.subject, c.relation.replace("-", " "), c.object) if w)
    return f"{words}{_where(c)}"


def _conclusion(conflict: Conflict) -> str:
    if len(conflict.subjects) > 2:
        return "they cannot all share one environment"
    if conflict.between_services:
        a, b = conflict.subjects[0], conflict.subjects[1]
        if conflict.severity.value == "error":
            return f"{a} and {b} cannot share one environment"
        if conflict.severity.value == "info":
            return f"{a} and {b} take separate environments"
        return f"{a} and {b} share one environment only at a cost"
    template = _CONCLUSIONS.get(conflict.kind, "{s} has a conflict")
    return template.format(s=conflict.subjects[0] if conflict.subjects else "the service")


def derivation(causes: Iterable[Cause], indent: str = "  ") -> list[str]:
    """Every cause and what it rests on, one per line, deeper links indented further."""
    out: list[str] = []

    def walk(c: Cause, depth: int) -> None:
        out.append(f"{indent * depth}{_phrase(c)}")
        for sub in c.because:
            walk(sub, depth + 1)

    for c in causes:
        walk(c, 0)
    return out


def explain(conflict: Conflict, *, verbose: bool = False) -> str:
    who = ", ".join(conflict.subjects)
    lines = [f"{conflict.severity.value}[{conflict.kind}] {who}: {conflict.title}"]
    roots = conflict.causes[:2]
    if roots:
        because = " and ".join(_phrase(c) for c in roots)
        lines.append(f"  Because {because}, {_conclusion(conflict)}.")
    rest = len(conflict.causes) - len(roots)
    if verbose:
        lines.append("  derivation:")
        lines.extend(f"    {line}" for line in derivation(conflict.causes))
    elif rest > 0 or any(c.because for c in roots):
        more = f"{rest} more cause{'s' if rest != 1 else ''}, " if rest > 0 else ""
        lines.append(f"  ({more}--verbose shows the whole derivation)")
    if conflict.hint:
        lines.append(f"  hint: {conflict.hint}")
    return "\n".join(lines)


def explain_all(conflicts: Iterable[Conflict], *, verbose: bool = False) -> str:
    """Every conflict in words: one block per root cause, or each conflict in full with ``verbose``."""
    if verbose:
        return "\n\n".join(explain(c, verbose=True) for c in conflicts)
    return "\n\n".join(explain(g[0]) if len(g) == 1 else explain_group(g) for g in group_conflicts(conflicts))


_Side = tuple[tuple[str, str, str], ...]


def _side(c: Conflict, service: str) -> _Side:
    """What one service brings to a pair conflict, without its name: how its causes read."""
    return tuple(
        (x.relation, x.object, f"{x.origin} {x.says} {x.narrowed_by}") for x in c.causes if x.subject == service
    )


def _groupable(c: Conflict) -> bool:
    # Only a pair whose every root cause belongs to one of its two services can share a root cause.
    return len(c.subjects) == 2 and len(set(c.subjects)) == 2 and all(x.subject in c.subjects for x in c.causes)


def group_conflicts(conflicts: Iterable[Conflict]) -> list[tuple[Conflict, ...]]:
    """Pair conflicts of one kind and severity in which one service brings the same causes, together.

    Greedy: the service and causes shared by the most pairs first (ties: the earliest conflict), until
    no two pairs share one; each group is ordered as the conflicts came, the groups by their first.
    Anything else stays alone.  Deterministic: it depends only on the order given.  A lazy heap keeps
    it near n log n (10,000 pair conflicts of 150 services group in well under a second).
    """
    import heapq

    items = list(conflicts)
    left = {i for i, c in enumerate(items) if _groupable(c)}
    keyed: dict[tuple[str, str, str, _Side], list[int]] = {}
    for i in sorted(left):
        c = items[i]
        for s in c.subjects:
            side = _side(c, s)
            if side:
                keyed.setdefault((c.kind, c.severity.value, s, side), []).append(i)
    keys = list(keyed)
    heap = [(-len(keyed[k]), keyed[k][0], n) for n, k in enumerate(keys) if len(keyed[k]) >= 2]
    heapq.heapify(heap)
    groups: list[tuple[int, tuple[Conflict, ...]]] = []
    while heap:
        neg, first, n = heapq.heappop(heap)
        alive = [i for i in keyed[keys[n]] if i in left]
        if len(alive) < 2:
            continue
        if (-len(alive), alive[0]) != (neg, first):
            heapq.heappush(heap, (-len(alive), alive[0], n))  # stale: others took some of its pairs
            continue
        left.difference_update(alive)
        hub = keys[n][2]
        # The hub first in every member, so the renderer reads "hub against each partner".
        groups.append((alive[0], tuple(_hub_first(items[i], hub) for i in alive)))
    taken = {i for n in range(len(keys)) for i in keyed[keys[n]]} - left
    out = groups + [(i, (c,)) for i, c in enumerate(items) if i not in taken]
    out.sort(key=lambda g: g[0])
    return [g for _i, g in out]


def _hub_first(c: Conflict, hub: str) -> Conflict:
    if c.subjects[0] == hub:
        return c
    from dataclasses import replace

    return replace(c, subjects=(c.subjects[1], c.subjects[0]))


def _origins(c: Conflict) -> tuple[str, ...]:
    return tuple(str(x.origin) for x in c.causes if x.subject == c.subjects[1] and x.origin is not None)


def _partner_where(c: Conflict, lead_origins: str) -> str:
    """``worker``, or ``svc02 (svc02/.python-version:1)`` when its words come from another line."""
    own = _origins(c)
    return c.subjects[1] if not own or str(own) == lead_origins else f"{c.subjects[1]} ({', '.join(own)})"


def _group_hints(group: tuple[Conflict, ...]) -> list[str]:
    """Each hint clause once; "<service> is planned in <env> on <place>" clauses of one environment and
    place become one line."""
    clauses: list[str] = []
    for c in group:
        for part in split_clauses(c.hint or ""):
            if part not in clauses:
                clauses.append(part)
    names = {s for c in group for s in c.subjects}
    places: dict[str, list[str]] = {}
    out: list[str | tuple[str]] = []
    for part in clauses:
        # Only services one environment holds share a line: "a, b are planned in env-2 on ...".  Where a
        # service would fit alone is said per service, so no line suggests grouping services a
        # conflict parts.
        who = next((n for n in sorted(names) if part.startswith(f"{n} is planned in ")), None)
        if who is None:
            out.append(part)
            continue
        place = part[len(who) + len(" is planned in ") :]
        if place not in places:
            places[place] = []
            out.append((place,))
        places[place].append(who)
    where: list[str] = []
    rest: list[str] = []
    for item in out:
        if isinstance(item, tuple):
            who_all = places[item[0]]
            verb = "is" if len(who_all) == 1 else "are"
            where.append(f"{', '.join(who_all)} {verb} planned in {item[0]}")
        else:
            rest.append(item)
    return where + rest  # where each one fits, then what would let them share


def explain_group(group: tuple[Conflict, ...]) -> str:
    """One root cause and every partner it parts a service from::

    error[disjoint-runtime] billing vs reports, web, worker (3 pairs)
      Because billing requires python ==3.8.18 (services/billing/runtime.txt:1) and
        reports requires python >=3.11,<3.12 (services/reports/Dockerfile:1),
        web requires python >=3.12,<3.13 (docker/web.Dockerfile:16), as does worker,
      billing cannot share one environment with any of them.
    """
    first = group[0]
    hub = first.subjects[0]
    # Partners that say the same thing (same relation and object) share a line, each keeping its origin.
    partners: dict[tuple[tuple[str, str], ...], list[Conflict]] = {}
    for c in group:
        said = tuple((x.relation, x.object) for x in c.causes if x.subject == c.subjects[1])
        partners.setdefault(said, []).append(c)
    names = [c.subjects[1] for c in group]
    head = f"{first.severity.value}[{first.kind}] {hub} vs {', '.join(names)} ({len(group)} pairs)"
    hub_causes = [x for x in first.causes if x.subject == hub]
    lines = [head, f"  Because {' and '.join(_phrase(x) for x in hub_causes)} and"]
    for members in partners.values():
        lead = members[0]
        text = " and ".join(_phrase(x) for x in lead.causes if x.subject == lead.subjects[1])
        rest = [_partner_where(m, str(_origins(lead))) for m in members[1:]]
        also = f", as {'do' if len(rest) > 1 else 'does'} {', '.join(rest)}" if rest else ""
        lines.append(f"    {text}{also},")
    if first.severity.value == "error":
        lines.append(f"  {hub} cannot share one environment with any of them.")
    elif first.severity.value == "info":
        lines.append(f"  {hub} takes an environment apart from each of them.")
    else:
        lines.append(f"  {hub} shares one environment with any of them only at a cost.")
    titles = list(dict.fromkeys(c.title for c in group))
    if any(x.because for c in group for x in c.causes) or len(titles) > 1:
        lines.append(f"  (--verbose shows each of the {len(group)} pairs in full)")
    hints = _group_hints(group)
    if len(hints) == 1:
        lines.append(f"  hint: {hints[0]}")
    elif hints:
        lines.append("  hints:")
        lines.extend(f"    {h}" for h in hints)
    return "\n".join(lines)


def _env_splits(plan: Plan, by_pair: dict[tuple[str, str], list[str]]) -> list[str]:
    """One line per two environments kept apart: the first pair of members that cannot share and
    why, and how many more pairs stand between them (the conflicts below say each in full)."""
    env_of = {s: e.name for e in plan.environments for s in e.services}
    order = {e.name: i for i, e in enumerate(plan.environments)}
    between: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for a, b in sorted(by_pair):
        ea, eb = env_of.get(a), env_of.get(b)
        if ea is None or eb is None or ea == eb:
            continue
        key = (ea, eb) if order[ea] < order[eb] else (eb, ea)
        between.setdefault(key, []).append((a, b))
    out = []
    for (ea, eb), pairs in sorted(between.items(), key=lambda kv: (order[kv[0][0]], order[kv[0][1]])):
        a, b = pairs[0]
        more = len(pairs) - 1
        tail = f" (and {more} more pair{'s' if more != 1 else ''})" if more else ""
        out.append(f"  {ea} / {eb}: {a} / {b}: {', '.join(sorted(set(by_pair[(a, b)])))}{tail}")
    return out


def environment_label(env: Environment) -> str:
    """``debian bookworm: dotnet 8.0, php 8.5``: the release and every runtime the environment holds."""
    t = env.target
    runtimes = ", ".join(f"{rt} {v}" for rt, v in env.runtimes) or "no runtime"
    return f"{t.distro} {t.release}: {runtimes}"


def _service_row(name: str, t: Target | None, width: int, notes: tuple[str, ...]) -> str:
    base = t.base_image if t is not None and t.base_image else "-"
    rt = f"{t.runtime} {t.runtime_version or '?'}" if t is not None and t.runtime else "-"
    row = f"  {name.ljust(width)}  {rt:<12}  {base}"
    return row + "".join(f"  [{n}]" for n in notes)


def plan_text(plan: Plan, *, verbose: bool = False) -> str:
    """The plan for a person: each environment with its services and their bases, the services that
    need none, why the others are split, then every conflict explained."""
    n_env, n_svc = len(plan.environments), len(plan.targets)
    if n_svc == 0:
        # Image-only repos (postgres, redis from compose): nothing is built, so nothing to place.
        return "no built services to plan: services that run a ready-made image need no environment\n"
    how = "fewest possible" if plan.exact else "heuristic grouping (DSATUR), not proven fewest"
    services = f"{n_svc} service{'s' if n_svc != 1 else ''}"
    own = len(plan.standalone)
    where = f"{n_env} environment{'s' if n_env != 1 else ''} ({how})"
    if own and own == n_svc:
        lines = [f"{services}, {'on its own image' if own == 1 else 'each on its own image'}"]
    elif own:
        theirs = "its own image" if own == 1 else "their own images"
        where = f"{n_svc - own} in {where}, {own} on {theirs}"
        lines = [f"{services}: {where}"]
    else:
        lines = [f"{services} in {where}"]
    targets = dict(plan.targets)
    for env in plan.environments:
        t = env.target
        lines.append("")
        os_text = f"{t.libc} {t.libc_version}, {t.ssl or 'no libssl'}"
        lines.append(f"{env.name}: {environment_label(env)} ({os_text})")
        width = max(len(s) for s in env.services)
        for s in env.services:
            lines.append(_service_row(s, targets.get(s), width, plan.notes_of(s)))
    if plan.standalone:
        lines += ["", "on their own (no release, libc or runtime shared with anyone):"]
        width = max(len(s) for s, _why in plan.standalone)
        for s, why in plan.standalone:
            lines.append(_service_row(s, targets.get(s), width, plan.notes_of(s)))
            lines.append(f"  {' ' * width}  {why}")
    if plan.splits:
        lines += ["", "why they are split:"]
        by_pair: dict[tuple[str, str], list[str]] = {}
        for a, b, kind in plan.splits:
            by_pair.setdefault((a, b), []).append(kind)
        if verbose:
            titles = {(tuple(sorted(c.subjects)), c.kind): c.title for c in plan.conflicts if c.between_services}
            for (a, b), kinds in sorted(by_pair.items()):
                reasons = "; ".join(f"{k}: {titles.get(((a, b), k), '')}".rstrip(": ") for k in kinds)
                lines.append(f"  {a} / {b}: {reasons}")
        else:
            lines += _env_splits(plan, by_pair)
    if plan.conflicts:
        errors = sum(1 for c in plan.conflicts if c.severity is Severity.ERROR)
        warnings = sum(1 for c in plan.conflicts if c.severity is Severity.WARNING)
        notes = len(plan.conflicts) - errors - warnings
        counts = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
        if notes:
            counts += f", {notes} note{'s' if notes != 1 else ''}"
        lines += ["", f"conflicts: {counts}", ""]
        lines.append(explain_all(plan.conflicts, verbose=verbose))
    else:
        lines += ["", "no conflicts"]
    return "\n".join(lines) + "\n"
