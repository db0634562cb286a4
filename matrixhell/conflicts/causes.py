"""Cause-tree builders shared by the rule families: one fact, one link, with its origin."""

from __future__ import annotations

from matrixhell.conflicts.profile import Exclusion, LibNeed, Pin, Profile, spec_range
from matrixhell.model import Cause, Origin, PackageReq, RuntimeReq

__all__ = ["exclusion_cause", "lib_cause", "pin_cause", "range_cause", "req_cause", "said_text", "source_cause"]


def source_cause(req: RuntimeReq) -> Cause:
    """``python-version-file says python 3.8`` at ``api/.python-version:1``; a Dockerfile's line as it
    is written (``dockerfile-from says FROM node:18-bookworm-slim``)."""
    if req.source.startswith("dockerfile") and req.raw:
        return Cause(req.source, "says", f"FROM {req.raw}", req.origin)
    return Cause(req.source, "says", f"{req.runtime} {req.raw}".strip(), req.origin)


def _pin_origin(pkg: PackageReq) -> Origin:
    """A locked version is said by the lock file's line; a written pin by the manifest's."""
    return (pkg.locked_origin or pkg.origin) if pkg.locked else pkg.origin


def req_cause(service: str, req: RuntimeReq) -> Cause:
    """``api requires python ==3.8.*``, resting on what the source says."""
    return Cause(service, "requires", f"{req.runtime} {req.spec}", req.origin, because=(source_cause(req),))


def exclusion_cause(ex: Exclusion, service: str) -> Cause:
    pkg = ex.package
    how = "locks" if pkg.locked else "pins"
    return Cause(
        f"{pkg.name} {ex.version}",
        "requires",
        f"python {ex.range}",
        pkg.origin,
        because=(Cause(service, how, f"{pkg.name}=={ex.version}", _pin_origin(pkg)),),
    )


def range_cause(p: Profile, *, narrowed: bool = True) -> Cause:
    """``api requires python ==3.8.*``, resting on each source and each Requires-Python that narrows."""
    rng = p.range if narrowed else p.declared
    because = tuple(source_cause(s) for s in p.sources)
    if narrowed:
        because += tuple(exclusion_cause(n, p.name) for n in p.narrowing)
        if len(p.resolve_failures) < len(p.versions) + len(p.resolve_failures):
            for line, outcome in p.resolve_failures:
                why = outcome.message or "the resolver finds no solution"
                because += (Cause(p.name, "cannot-install-on", f"python {line}", because=(Cause(why, "", ""),)),)
        for line, name, version, origin in p.wheel_gaps:
            wheel = Cause(f"{name} {version}", "has-no-wheel-for", f"python {line}", origin)
            because += (Cause(p.name, "avoids", f"python {line}", origin, because=(wheel,)),)
    # Point at the source that says the whole range when one does (runtime.txt's ==3.8.18), else the best.
    src = next((x for x in p.sources if spec_range(x.spec) == rng), p.sources[0] if p.sources else None)
    origin = src.origin if src is not None else p.origin
    says: str | None = None
    merged: str | None = None
    if src is not None and spec_range(src.spec) != rng:
        # The line says less than the range: quote it as written, and say what makes the rest.
        says = said_text(src)
        why = _narrowers(p, src, narrowed)
        merged = f"with {why}, that means {rng}" if why else f"that means {rng}"
    return Cause(p.name, "requires", f"{p.runtime} {rng}", origin, because=because, says=says, narrowed_by=merged)


def said_text(req: RuntimeReq, *, named: bool = False) -> str:
    """What a runtime source's line says, as written: ``>=3.12``, ``FROM node:18-bookworm-slim``;
    with ``named``, a bare version gets its runtime (``java 21``)."""
    raw = req.raw or req.spec
    if req.source.startswith("dockerfile"):
        return f"FROM {raw}"
    if named and raw[:1].isdigit():
        return f"{req.runtime} {raw}"
    return raw


def _narrowers(p: Profile, src: RuntimeReq, narrowed: bool = True) -> str:
    """What narrows one source's range to the profile's: the other sources, the pins' Requires-Python,
    lines its requirements do not install on, pins with no wheel for the newest lines."""
    whys: list[str] = []
    for other in p.sources:
        if other is not src and spec_range(other.spec).intersect(spec_range(src.spec)) != spec_range(src.spec):
            whys.append(f"{other.origin} saying {said_text(other)}")
    if not narrowed:
        return _and(whys)
    for n in p.narrowing:
        whys.append(f"the Requires-Python of {n.package.name} {n.version} ({n.requires_python})")
    failed = [line for line, _o in p.resolve_failures]
    if failed and len(failed) < len(p.versions) + len(failed):
        whys.append(f"its requirements failing to install on {p.runtime} {', '.join(sorted(failed, key=_line_key))}")
    gaps: dict[tuple[str, str], list[str]] = {}
    for line, name, version, _o in p.wheel_gaps:
        gaps.setdefault((name, version), []).append(line)
    for (name, version), lines in sorted(gaps.items()):
        said = ", ".join(sorted(set(lines), key=_line_key))
        whys.append(f"{name} {version} having no wheel for {p.runtime} {said}")
    if not whys:
        known = ", ".join(sorted(p.versions, key=_line_key))
        if known:
            whys.append(f"the known {p.runtime} lines ({known})")
    return _and(whys)


def _and(whys: list[str]) -> str:
    return whys[0] if len(whys) == 1 else ", ".join(whys[:-1]) + " and " + whys[-1] if whys else ""


def _line_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split(".") if x.isdigit())


def pin_cause(p: Profile, pin: Pin) -> Cause:
    how = "locks" if pin.req.locked else "requires"
    kind = "" if pin.direct else " (transitively, through its lock file)"
    return Cause(p.name, how, f"{pin.name} {pin.range}{kind}", _pin_origin(pin.req))


def lib_cause(p: Profile, need: LibNeed, shipped_by: str | None = None) -> Cause:
    because: tuple[Cause, ...] = ()
    if need.package:
        because += (Cause(need.package, "needs-lib", need.name, need.origin),)
    if shipped_by is not None:
        because += (Cause(need.name, "shipped-by", shipped_by),)
    return Cause(p.name, "needs", need.name, need.origin, because=because)
