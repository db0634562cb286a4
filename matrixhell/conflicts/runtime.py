"""Runtime rules: sources of one service that disagree, and services whose ranges never meet.

Policy on runtime families: two services on *different* runtimes (a Python API beside a Node frontend)
are not in conflict by that alone.  They can share an environment - one distro release, one libc, one
libssl - each with its own interpreter; only version ranges of the *same* runtime are compared.
"""

from __future__ import annotations

from collections.abc import Iterator

from matrixhell.conflicts.causes import range_cause, req_cause
from matrixhell.conflicts.hints import fits
from matrixhell.conflicts.profile import Profile, spec_range
from matrixhell.conflicts.ranges import VersionRange
from matrixhell.conflicts.registry import RuleContext, pair_rule, service_rule
from matrixhell.model import Conflict, RuntimeReq, Severity

__all__ = ["disjoint_runtime", "runtime_disagreement"]


def _pin_like(req: RuntimeReq, ctx: RuleContext) -> bool:
    """A source that names one release line (``3.8``, ``FROM python:3.11``), not a supported range."""
    rng = spec_range(req.spec)
    if len(rng.intervals) != 1:
        return False
    iv = rng.intervals[0]
    if iv.lo is None or iv.hi is None:
        return False
    lines = ctx.kn.runtime_versions.get(req.runtime, ())
    return sum(1 for v in lines if rng.allows_line(v)) <= 1


@service_rule(
    "runtime-disagreement",
    Severity.ERROR,
    "two sources of one service name runtime versions with nothing in common",
)
def runtime_disagreement(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    for d in p.disagreements:
        kept, dropped = d.kept, d.dropped
        # Two stale pins (.python-version vs FROM) only cost a surprise; a range the code declares it
        # supports (requires-python, engines) being broken means it may not install at all.
        both_pins = _pin_like(kept, ctx) and _pin_like(dropped, ctx)
        severity = Severity.WARNING if both_pins else Severity.ERROR
        a, b = spec_range(kept.spec), spec_range(dropped.spec)
        title = f"{p.runtime} {a} and {b} have no version in common"
        causes = (req_cause(p.name, kept), req_cause(p.name, dropped))
        hint = (
            f"{kept.source} ({kept.origin}) ranks first, so {p.name} is planned on {p.runtime} {p.declared}; "
            f"make {dropped.origin} agree with it, or change {kept.origin} if {dropped.source} is right"
        )
        yield Conflict("runtime-disagreement", severity, (p.name,), title, causes, hint)


@pair_rule(
    "disjoint-runtime",
    Severity.ERROR,
    "two services need versions of one runtime that no single version satisfies",
)
def disjoint_runtime(a: Profile, b: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    if a.runtime is None or a.runtime != b.runtime:
        return
    if a.declared.is_any() or b.declared.is_any():
        return
    if a.range.overlaps(b.range):
        return
    title = f"{a.runtime} {a.range} and {b.range} have no version in common"
    hint = f"{fits(a, ctx.view)}; {fits(b, ctx.view)}"
    # The usual way to share is the older side moving up: say which source to change, and to what.
    old, new = (a, b) if _below(a.range, b.range) else (b, a)
    where = list(dict.fromkeys(str(s.origin) for s in old.sources if not spec_range(s.spec).overlaps(new.range)))
    if where and old.versions_known:
        hint += f"; to share, {old.name} must move to {old.runtime} {new.range} ({', '.join(where)})"
    yield Conflict("disjoint-runtime", Severity.ERROR, (a.name, b.name), title, (range_cause(a), range_cause(b)), hint)


def _below(x: VersionRange, y: VersionRange) -> bool:
    """Whether ``x`` starts below ``y`` (an unbounded start is lowest)."""
    lx = x.intervals[0].lo if x.intervals else None
    ly = y.intervals[0].lo if y.intervals else None
    if lx is None:
        return True
    if ly is None:
        return False
    return lx < ly
