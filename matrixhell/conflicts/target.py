"""Target rules: a runtime no known base offers, and the catch-all for two services whose places to
run never meet for a reason no sharper rule names (``python 3.8`` images only on bullseye beside a
runtime whose images start at bookworm)."""

from __future__ import annotations

from collections.abc import Iterator

from matrixhell.conflicts.causes import lib_cause, range_cause, said_text
from matrixhell.conflicts.hints import fits, releases_text
from matrixhell.conflicts.profile import CatalogView, LibNeed, Profile, is_eol, joint_slots, pins_meet
from matrixhell.conflicts.registry import RuleContext, fallback_rule, pair_rule, service_rule
from matrixhell.model import Cause, Conflict, Severity

__all__ = [
    "eol_release",
    "group_conflict",
    "no_runtime_release",
    "no_shared_release",
    "own_base_release",
    "runs_on_cause",
    "shared_only_past_eol",
    "slot_text",
]


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


@pair_rule(
    "own-base-release",
    Severity.INFO,
    "two services that could share keep their own bases, which are on different releases",
)
def own_base_release(a: Profile, b: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    """A hand-written FROM that fits the service is kept: sharing never moves a service off it.

    Two services that would meet on some release if neither kept its own base, but do not with them,
    take separate environments; this says so (info: nothing is wrong, the count is one higher)."""
    if _apart_by(a, b) != "home":
        return
    if a.home is not None and b.home is not None:
        title = f"{a.name} and {b.name} keep their own bases, on {_home_text(a, ctx)} and {_home_text(b, ctx)}"
    else:
        kept, other = (a, b) if a.home is not None else (b, a)
        title = f"{kept.name} keeps its own base, on {_home_text(kept, ctx)}, where {other.name} does not run"
    causes = tuple(_home_cause(p, ctx) for p in (a, b))
    moves = []
    for p, other in ((a, b), (b, a)):
        if p.home is None:
            continue
        there = sorted(set(p.free_slots) & set(other.plan_slots))
        if there:
            where = releases_text(there, ctx.view)
            moves.append(f"{p.name} could join {other.name} on {where} by changing its FROM ({p.home_origin})")
    hint = "each keeps the release its own Dockerfile names, so they take separate environments"
    if moves:
        hint += "; " + "; ".join(moves)
    yield Conflict("own-base-release", Severity.INFO, (a.name, b.name), title, causes, hint)


@pair_rule(
    "shared-only-past-eol",
    Severity.INFO,
    "two services meet only on a release or runtime line past its end of life, which one of them avoids alone",
)
def shared_only_past_eol(a: Profile, b: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    """Sharing never puts a service on a release or line past its end of life that it avoids alone."""
    if _apart_by(a, b) != "eol":
        return
    together = joint_slots((a, b), which="free_slots")
    where = "; ".join(
        f"{key.replace(':', ' ')} ({', '.join(f'{rt} {v}' for rt, vs in per.items() for v in sorted(vs))})"
        if any(per.values())
        else key.replace(":", " ")
        for key, per in sorted(together.items())
    )
    title = f"{a.name} and {b.name} meet only past end of life: {where}"
    causes = (range_cause(a), range_cause(b))
    kept = [p.name for p in (a, b) if dict(p.plan_slots) != dict(p.free_slots)]
    who = " and ".join(kept) or a.name
    hint = (
        f"the plan keeps {who} on what is still supported rather than share; "
        f"{fits(a, ctx.view, a.plan_slots)}; {fits(b, ctx.view, b.plan_slots)}"
    )
    yield Conflict("shared-only-past-eol", Severity.INFO, (a.name, b.name), title, causes, hint)


def _apart_by(a: Profile, b: Profile) -> str | None:
    """What alone keeps two services apart: ``home`` (their own bases), ``eol`` (a supported release
    or line one keeps), or None (they share, or something else parts them)."""
    if joint_slots((a, b)) or not joint_slots((a, b), which="free_slots") or not pins_meet((a, b), None):
        return None
    kept = [{p.home: p.free_slots[p.home]} if p.home is not None else dict(p.free_slots) for p in (a, b)]
    if _meet(a, b, kept[0], kept[1]):
        return "eol"
    return "home"


def _meet(a: Profile, b: Profile, sa: dict[str, frozenset[str]], sb: dict[str, frozenset[str]]) -> bool:
    for key in set(sa) & set(sb):
        if a.runtime is None or a.runtime != b.runtime or not a.versions_known or not b.versions_known:
            return True
        if sa[key] & sb[key]:
            return True
    return False


def _home_text(p: Profile, ctx: RuleContext) -> str:
    if p.home is not None:
        return releases_text([p.home], ctx.view)
    return releases_text(sorted(p.plan_slots), ctx.view)


def _home_cause(p: Profile, ctx: RuleContext) -> Cause:
    if p.home is not None:
        ref = next((x.reference for x in p.service.base_images if x.origin == p.home_origin), p.from_image or "")
        return Cause(p.name, "builds-from", f"{ref} ({_home_text(p, ctx)})", p.home_origin)
    return runs_on_cause(p, ctx.view)


def runs_on_cause(p: Profile, view: CatalogView) -> Cause:
    """``api runs on debian bookworm (python 3.12)``, quoting what its best runtime source says."""
    src = p.sources[0] if p.sources else None
    says = said_text(src, named=True) if src is not None else None
    return Cause(p.name, "runs-on", slot_text(p, view), p.origin, because=(range_cause(p),), says=says)


@fallback_rule(
    "no-shared-release",
    Severity.ERROR,
    "two services fit releases (or runtime versions on them) that never meet, for no single reason above",
)
def no_shared_release(a: Profile, b: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    title = f"{a.name} and {b.name} fit no release together"
    causes = (runs_on_cause(a, ctx.view), runs_on_cause(b, ctx.view))
    hint = f"{fits(a, ctx.view, a.plan_slots)}; {fits(b, ctx.view, b.plan_slots)}"
    yield Conflict("no-shared-release", Severity.ERROR, (a.name, b.name), title, causes, hint)


def group_conflict(members: list[Profile], view: CatalogView) -> Conflict:
    """Services that meet pairwise but fit no one release all together (found by the planner).

    Info, not an error: no member has a problem to fix, the plan merely needs two environments for
    them, and a scan that fails on a repo whose services all get along helps nobody."""
    names = [p.name for p in members]
    who = ", ".join(names[:-1]) + f" and {names[-1]}"
    causes = tuple(
        Cause(p.name, "runs-on", slot_text(p, view), p.origin, says=runs_on_cause(p, view).says) for p in members
    )
    hint = "each pair of them meets on some release, but no release suits them all: they take two environments"
    return Conflict(
        "no-shared-release", Severity.INFO, tuple(names), f"{who} fit no one release all together", causes, hint
    )
