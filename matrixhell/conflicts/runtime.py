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
from matrixhell.model import Cause, Conflict, RuntimeReq, Severity

__all__ = ["disjoint_runtime", "eol_runtime", "runtime_disagreement", "supported_lines"]


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


def supported_lines(runtime: str, ctx: RuleContext) -> tuple[str, ...]:
    """The known lines of ``runtime`` still supported on the judged date, oldest first."""
    known = ctx.kn.runtime_versions.get(runtime, ())
    return tuple(v for v in reversed(known) if ctx.kn.runtime_supported(runtime, v))


def _possible_lines(p: Profile) -> tuple[str, ...]:
    """The runtime lines the plan may give the service: those of its slots, else its own lines."""
    found: set[str] = set()
    for versions in (p.slots or p.plan_slots).values():
        found |= versions
    return tuple(v for v in p.versions if v in found) or p.versions


@service_rule(
    "eol-runtime",
    Severity.WARNING,
    "every runtime version the service can run is past its end of life on the judged date",
)
def eol_runtime(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    kn = ctx.kn
    if p.runtime is None or kn.runtime_eol is None or kn.today is None or not p.versions_known:
        return
    runtime = p.runtime
    possible = _possible_lines(p)
    if not possible or any(kn.runtime_supported(runtime, v) is not False for v in possible):
        return  # some line it can run is supported, or nobody knows when one ends
    ends = {v: kn.runtime_eol(runtime, v) for v in possible}
    newest = possible[0]
    if len(possible) == 1:
        title = f"{p.name} can run only {runtime} {newest}, past its end of life ({ends[newest]})"
    else:
        title = (
            f"every {runtime} line {p.name} can run ({', '.join(possible)}) is past its end of life "
            f"(the newest, {newest}, on {ends[newest]})"
        )
    causes: list[Cause] = [range_cause(p)]
    causes += [Cause(f"{runtime} {v}", "ended-support-on", str(ends[v])) for v in possible]
    yield Conflict("eol-runtime", Severity.WARNING, (p.name,), title, tuple(causes), _eol_hint(p, ctx))


def _eol_hint(p: Profile, ctx: RuleContext) -> str:
    """The oldest supported line the service's constraints allow, and what to change to reach it."""
    runtime = p.runtime or ""
    supported = supported_lines(runtime, ctx)
    if not supported:
        return f"no {runtime} line the catalog knows is supported on {ctx.kn.today}"
    declared = next((v for v in supported if p.declared.allows_line(v)), None)
    if declared is not None:
        # Its sources allow a supported line; what narrowed the range keeps it off.
        why = [f"{n.package.name} {n.version} (Requires-Python {n.range})" for n in p.narrowing]
        why += [f"{name} {version} (no wheel for {runtime} {line})" for line, name, version, _o in p.wheel_gaps]
        why += [f"the requirements fail to install on {runtime} {line}" for line, _o in p.resolve_failures]
        held = f"; {', '.join(dict.fromkeys(why))} hold it below" if why else ""
        return f"its constraints allow {runtime} {declared}, the oldest supported line{held}: upgrade to reach it"
    # A source that allows a supported line (its own, or one left out for disagreeing with a better one).
    for src in (*p.sources, *(d.dropped for d in p.disagreements)):
        loose = spec_range(src.spec)
        line = next((v for v in supported if loose.allows_line(v)), None)
        if line is None:
            continue
        tight = [s for s in p.sources if not spec_range(s.spec).allows_line(line)]
        where = ", ".join(f"{s.source} ({s.origin})" for s in tight)
        return f"{src.source} ({src.origin}) allows {runtime} {line}, the oldest supported line; change {where} to it"
    oldest = supported[0]
    where = ", ".join(str(s.origin) for s in p.sources) or "its runtime sources"
    return f"nothing it says allows a supported {runtime} line: move {where} to {runtime} {oldest}, the oldest one"


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
