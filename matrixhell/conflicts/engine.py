"""Run every registered rule: each service alone, then each pair of services.

A pair that cannot share an environment (their planner slots never meet, or their pins part) and that
no pair rule explained gets the fallback rule's conflict, so every split the planner makes has a named
reason.  A standalone service (a static binary, a scratch or distroless final image) is in no pair: it
shares no environment with anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from matrixhell.conflicts.knowledge import Knowledge
from matrixhell.conflicts.profile import CatalogView, Profile, agreeing_lines, joint_slots, pins_meet
from matrixhell.conflicts.registry import RuleContext, rules
from matrixhell.model import Conflict

__all__ = ["can_share", "find_conflicts", "make_context"]


def make_context(profiles: Sequence[Profile], kn: Knowledge, view: CatalogView | None = None) -> RuleContext:
    view = view if view is not None else CatalogView(kn)
    return RuleContext(kn, view, tuple(profiles), {p.name: p for p in profiles})


def can_share(profiles: Sequence[Profile]) -> bool:
    """Whether these services fit one environment: one release, one version per runtime, one set of pins.

    Pins that differ only transitively (both from lock files) do not block: re-locking together fixes
    them, and the disjoint-pins warning says so.
    """
    if not joint_slots(profiles):
        return False
    lines = agreeing_lines(profiles)
    if lines is not None:
        # Some pins hold only on some Python lines (markers): sharing needs one line where they meet.
        return bool(lines)
    return pins_meet(profiles, None)


def find_conflicts(ctx: RuleContext) -> tuple[Conflict, ...]:
    out: list[Conflict] = []
    service_rules, pair_rules, fallbacks = rules("service"), rules("pair"), rules("fallback")
    for p in ctx.profiles:
        for rule in service_rules:
            out.extend(rule.check(p, ctx))
    for a, b in combinations(ctx.profiles, 2):
        if a.standalone or b.standalone:
            continue  # a static binary on its own image shares nothing, so nothing can part it from others
        found: list[Conflict] = []
        for rule in pair_rules:
            found.extend(rule.check(a, b, ctx))
        if not found and not can_share((a, b)):
            for rule in fallbacks:
                found.extend(rule.check(a, b, ctx))
        out.extend(found)
    return _dedupe(out)


def _dedupe(conflicts: list[Conflict]) -> tuple[Conflict, ...]:
    """One of each, errors first, then by the services they concern, kind and title."""
    unique = {c.key(): c for c in conflicts}
    return tuple(
        sorted(unique.values(), key=lambda c: (-c.severity.rank, len(c.subjects), c.subjects, c.kind, c.title))
    )
