"""Cause-tree builders shared by the rule families: one fact, one link, with its origin."""

from __future__ import annotations

from matrixhell.conflicts.profile import Exclusion, LibNeed, Pin, Profile, spec_range
from matrixhell.model import Cause, Origin, PackageReq, RuntimeReq

__all__ = ["exclusion_cause", "lib_cause", "pin_cause", "range_cause", "req_cause", "source_cause"]


def source_cause(req: RuntimeReq) -> Cause:
    """``python-version-file says python 3.8`` at ``api/.python-version:1``."""
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
    origin = next((src.origin for src in p.sources if spec_range(src.spec) == rng), p.origin)
    return Cause(p.name, "requires", f"{p.runtime} {rng}", origin, because=because)


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
