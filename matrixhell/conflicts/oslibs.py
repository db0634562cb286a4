"""OS library rules: a library no release ships beside the wanted runtime, and two services whose
libraries are never shipped together (``libssl1.1`` lives on bullseye, ``libssl3`` from bookworm on)."""

from __future__ import annotations

from collections.abc import Iterator

from matrixhell.conflicts.causes import lib_cause, range_cause
from matrixhell.conflicts.hints import best_slot, fits, releases_text
from matrixhell.conflicts.profile import LibNeed, Profile
from matrixhell.conflicts.registry import RuleContext, pair_rule, service_rule
from matrixhell.model import Cause, Conflict, Severity

__all__ = ["from_lacks_lib", "no_release_for_lib", "os_lib_clash"]


def _shipping(need: LibNeed, p: Profile, ctx: RuleContext) -> list[str]:
    """Releases (of the profile's libc, if it has one) that satisfy ``need``."""
    key = ("shipping", need, p.libc)
    hit = ctx.view.memo.get(key)
    if hit is None:
        hit = ctx.view.memo[key] = [
            f"{r.distro}:{r.name}"
            for r in ctx.view.releases
            if (p.libc is None or r.libc == p.libc) and ctx.view.satisfies(r, need)
        ]
    assert isinstance(hit, list)
    return list(hit)


def _runtime_text(p: Profile) -> str:
    return f"{p.runtime} {p.range}" if p.runtime else "its runtime"


def _offers(need: LibNeed, p: Profile, ctx: RuleContext) -> str | None:
    """``python 3.11 on debian bullseye``: the newest runtime line a release shipping ``need`` has."""
    if p.runtime is None:
        return None
    for key in _shipping(need, p, ctx):
        release = ctx.view.release(key)
        if release is None:
            continue
        for line in ctx.kn.runtime_versions.get(p.runtime, ()):
            if ctx.view.available(p.runtime, line, release):
                return f"{p.runtime} {line} on {release.distro} {release.name}"
    return None


@service_rule(
    "no-release-for-lib",
    Severity.ERROR,
    "a system library the service needs is shipped by no release that has the runtime it wants",
)
def no_release_for_lib(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    if not p.base_slots or p.slots:
        return
    runnable = set(p.base_slots)
    culprits = [n for n in p.lib_needs if not runnable & set(_shipping(n, p, ctx))]
    if not culprits:
        culprits = list(p.lib_needs)  # only the combination fails: name them all
    names = ", ".join(n.name for n in culprits)
    title = f"no release ships {names} with {_runtime_text(p)}"
    causes: list[Cause] = [range_cause(p)]
    causes += [lib_cause(p, n, releases_text(_shipping(n, p, ctx), ctx.view)) for n in culprits]
    causes.append(Cause(_runtime_text(p), "is-offered-on", releases_text(sorted(runnable), ctx.view)))
    first = culprits[0]
    offer = _offers(first, p, ctx)
    hint = (
        f"{first.name} is on {releases_text(_shipping(first, p, ctx), ctx.view)}, "
        f"{_runtime_text(p)} on {releases_text(sorted(runnable), ctx.view)}: "
        f"drop {first.name}{f' (needed by {first.package})' if first.package else ''}"
    )
    if offer:
        hint += f", or move {p.name} to {offer}"
    yield Conflict("no-release-for-lib", Severity.ERROR, (p.name,), title, tuple(causes), hint)


@service_rule(
    "from-lacks-lib",
    Severity.WARNING,
    "the release of the hand-written FROM has no package the service installs: its own Dockerfile does not "
    "build as written, and the plan moves it to a release that has it",
)
def from_lacks_lib(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    if p.from_image is None or not p.slots:
        return  # no FROM to judge, or nothing fits at all (no-release-for-lib says so)
    placed = ctx.view.placement(p.from_image)
    if placed is None or placed[0] in p.slots:
        return
    release = ctx.view.release(placed[0])
    if release is None:
        return
    # Named packages only: they are what the user's own apt/apk line asks that release for.
    missing = [n for n in p.lib_needs if not n.logical and not ctx.view.satisfies(release, n)]
    if not missing:
        return
    names = ", ".join(n.name for n in missing)
    where = f"{release.distro} {release.name}"
    title = f"{p.from_image} is {where}, which has no {names}"
    origin = next((b.origin for b in p.service.base_images if b.reference == p.from_image), p.libc_origin)
    causes: list[Cause] = [Cause(p.name, "builds-from", f"{p.from_image} ({where})", origin)]
    causes += [lib_cause(p, n, releases_text(_shipping(n, p, ctx), ctx.view)) for n in missing]
    best = best_slot(p, ctx.view)
    if best is not None and best[2]:
        target = ctx.view.release(best[0])
        there = f"{target.distro} {target.name}" if target else best[0].replace(":", " ")
        hint = f"build FROM {best[2]} ({there} has {names}), as the plan does, or drop {names}"
    else:
        hint = f"drop {names}, or build FROM an image whose release has it"
    yield Conflict("from-lacks-lib", Severity.WARNING, (p.name,), title, tuple(causes), hint)


def _unshipped(p: Profile, where: set[str], ctx: RuleContext) -> list[LibNeed]:
    """The needs of ``p`` that no release in ``where`` ships, most restrictive first."""
    scored = []
    for n in p.lib_needs:
        ships = set(_shipping(n, p, ctx))
        if not ships & where:
            scored.append((len(ships), n.name, n))
    return [n for _s, _name, n in sorted(scored, key=lambda t: (t[0], t[1]))]


@pair_rule(
    "os-lib-clash",
    Severity.ERROR,
    "a system library one service needs is shipped by no release where the other can run",
)
def os_lib_clash(a: Profile, b: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    """Also beside a runtime disagreement: it tells that aligning the runtimes would not be enough."""
    if not a.slots or not b.slots:
        return  # a service that fits nowhere alone is its own conflict (no-release-for-lib)
    if a.libc and b.libc and a.libc != b.libc:
        return  # libc-clash says it better
    ra, rb = set(a.slots), set(b.slots)
    la, lb = _unshipped(a, rb, ctx), _unshipped(b, ra, ctx)
    if not la and not lb:
        return
    causes: list[Cause] = []
    parts: list[str] = []
    for p, needs in ((a, la), (b, lb)):
        if needs:
            n = needs[0]
            causes.append(lib_cause(p, n, releases_text(_shipping(n, p, ctx), ctx.view)))
            parts.append(f"{n.name} ({p.name})")
        else:
            runs_on = releases_text(sorted(p.slots), ctx.view)
            causes.append(Cause(p.name, "runs-on", runs_on, p.origin, because=(range_cause(p),)))
            parts.append(f"{_runtime_text(p)} ({p.name})")
    title = f"no release ships {parts[0]} and {parts[1]} together"
    runtimes = sorted({_runtime_text(p) for p in (a, b) if p.runtime})
    if la and lb and runtimes:
        title += f" with {' and '.join(runtimes)}"
    hint = f"{fits(a, ctx.view)}; {fits(b, ctx.view)}"
    for p, needs in ((a, la), (b, lb)):
        if needs:
            # The way to share: the side whose library the other's releases lack does without it.
            n = needs[0]
            where = f" ({n.origin})" if n.origin is not None else ""
            why = f", needed by {n.package}" if n.package else ""
            shipping = _shipping(n, p, ctx)
            only = releases_text(shipping, ctx.view)
            verb = "ships" if len(set(shipping)) == 1 else "ship"
            hint += f"; to share, {p.name} must do without {n.name}{where}{why}, which only {only} {verb}"
    yield Conflict("os-lib-clash", Severity.ERROR, (a.name, b.name), title, tuple(causes), hint)
