"""Target rules: a runtime no known base offers, and the catch-all for two services whose places to
run never meet for a reason no sharper rule names (``python 3.8`` images only on bullseye beside a
runtime whose images start at bookworm)."""

from __future__ import annotations

from collections.abc import Iterator

from matrixhell.conflicts.causes import lib_cause, range_cause
from matrixhell.conflicts.hints import fits
from matrixhell.conflicts.profile import CatalogView, LibNeed, Profile, is_eol
from matrixhell.conflicts.registry import RuleContext, fallback_rule, service_rule
from matrixhell.model import Cause, Conflict, Severity

__all__ = ["eol_release", "group_conflict", "no_runtime_release", "no_shared_release", "slot_text"]


def slot_text(p: Profile, view: CatalogView, slots: dict[str, frozenset[str]] | None = None) -> str:
    """``debian bookworm (python 3.11, 3.12); debian trixie (python 3.12)``: where a service can run."""
    slots = dict(p.plan_slots if slots is None else slots)
    order = {f"{r.distro}:{r.name}": i for i, r in enumerate(view.releases)}
    parts = []
    for key in sorted(slots, key=lambda k: order.get(k, 1 << 30)):
        versions = sorted(slots[key])
        where = key.replace(":", " ")
        parts.append(f"{where} ({p.runtime} {', '.join(versions)})" if versions and p.runtime else where)
    return "; ".join(parts) if parts else "no release"


@service_rule(
    "no-runtime-release",
    Severity.WARNING,
    "no release or base image the catalog knows offers the runtime versions the service allows",
)
def no_runtime_release(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    if p.runtime is None or not p.versions_known or p.base_slots:
        return
    libc = f" on {p.libc}" if p.libc else ""
    title = f"no known release or base image offers {p.runtime} {p.range}{libc}"
    known = ctx.kn.runtime_versions.get(p.runtime, ())
    causes: list[Cause] = [range_cause(p)]
    if p.libc:
        causes.append(Cause(p.name, "runs-on", p.libc, p.libc_origin))
    causes.append(Cause(p.runtime, "known-lines", ", ".join(known)))
    where = f"change {p.origin} to" if p.origin is not None else "move it to"
    # fits() says where the plan puts it and what it gave up ("the nearest to its node ==14.21.3").
    hint = (
        f"{fits(p, ctx.view)}; or {where} a {p.runtime} line a base offers ({', '.join(_nearest_lines(p, known, ctx))})"
        if p.plan_slots
        else f"no known {p.runtime} line fits; known lines: {', '.join(known)}"
    )
    yield Conflict("no-runtime-release", Severity.WARNING, (p.name,), title, tuple(causes), hint)


def _nearest_lines(p: Profile, known: tuple[str, ...], ctx: RuleContext | None = None, count: int = 3) -> list[str]:
    """The known lines closest above what the service asks (node 12 -> 22, 24, 26), supported ones
    first when the end-of-life data says which, else the newest."""
    from packaging.version import InvalidVersion, Version

    def key(v: str) -> Version:
        try:
            return Version(v)
        except InvalidVersion:
            return Version("0")

    lo = p.range.intervals[0].lo if p.range.intervals else None
    if ctx is not None and p.runtime is not None:
        runtime = p.runtime
        known = tuple(v for v in known if ctx.kn.runtime_supported(runtime, v) is not False) or known
    ordered = sorted(known, key=key)
    above = [v for v in ordered if lo is None or key(v) >= lo]
    return above[:count] if above else ordered[-count:][::-1]


@service_rule(
    "eol-release",
    Severity.WARNING,
    "every release the service fits is past its end of life",
)
def eol_release(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    today = ctx.kn.today
    if today is None or not p.slots:
        return
    releases = [r for r in ctx.view.releases if f"{r.distro}:{r.name}" in p.slots]
    if not releases or not all(is_eol(r.eol, today) for r in releases):
        return
    names = ", ".join(f"{r.distro} {r.name} (end of life {r.eol})" for r in releases)
    title = f"{p.name} fits only releases past their end of life: {names}"
    holding = [n for n in p.lib_needs if _restricts(n, p, ctx)]
    causes: list[Cause] = [range_cause(p)]
    causes += [lib_cause(p, n) for n in holding]
    causes.append(Cause(p.name, "runs-on", slot_text(p, ctx.view, dict(p.slots))))
    what = ", ".join(n.name for n in holding) if holding else f"{p.runtime} {p.range}"
    hint = f"{what} keeps {p.name} there, without security updates: move off it to reach a supported release"
    yield Conflict("eol-release", Severity.WARNING, (p.name,), title, tuple(causes), hint)


def _restricts(need: LibNeed, p: Profile, ctx: RuleContext) -> bool:
    """Whether ``need`` rules out a *supported* release the service could otherwise run on: what keeps
    it on an old release, not a package a curated release merely does not list."""
    today = ctx.kn.today
    return any(
        not ctx.view.satisfies(r, need)
        for r in ctx.view.releases
        if f"{r.distro}:{r.name}" in p.base_slots and not (today is not None and is_eol(r.eol, today))
    )


@fallback_rule(
    "no-shared-release",
    Severity.ERROR,
    "two services fit releases (or runtime versions on them) that never meet, for no single reason above",
)
def no_shared_release(a: Profile, b: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    title = f"{a.name} and {b.name} fit no release together"
    causes = (
        Cause(a.name, "runs-on", slot_text(a, ctx.view), a.origin, because=(range_cause(a),)),
        Cause(b.name, "runs-on", slot_text(b, ctx.view), b.origin, because=(range_cause(b),)),
    )
    hint = f"{fits(a, ctx.view, a.plan_slots)}; {fits(b, ctx.view, b.plan_slots)}"
    yield Conflict("no-shared-release", Severity.ERROR, (a.name, b.name), title, causes, hint)


def group_conflict(members: list[Profile], view: CatalogView) -> Conflict:
    """Services that meet pairwise but fit no one release all together (found by the planner).

    Info, not an error: no member has a problem to fix, the plan merely needs two environments for
    them, and a scan that fails on a repo whose services all get along helps nobody."""
    names = [p.name for p in members]
    who = ", ".join(names[:-1]) + f" and {names[-1]}"
    causes = tuple(Cause(p.name, "runs-on", slot_text(p, view), p.origin) for p in members)
    hint = "each pair of them meets on some release, but no release suits them all: they take two environments"
    return Conflict(
        "no-shared-release", Severity.INFO, tuple(names), f"{who} fit no one release all together", causes, hint
    )
