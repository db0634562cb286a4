"""Package rules: Requires-Python against the runtime, requirements the resolver cannot satisfy, and two
services pinning one package apart (they cannot share one site-packages)."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import InvalidVersion, Version

from matrixhell.conflicts.causes import exclusion_cause, pin_cause, range_cause
from matrixhell.conflicts.profile import (
    Exclusion,
    Profile,
    agreeing_lines,
    joint_pins,
    requirement_lines,
    shared_lines,
    spec_range,
)
from matrixhell.conflicts.ranges import VersionRange
from matrixhell.conflicts.registry import RuleContext, pair_rule, service_rule
from matrixhell.model import Cause, Conflict, Severity

__all__ = ["disjoint_pins", "requires_python", "unsatisfiable_requirements"]


def _newest_supporting(ex: Exclusion, within: VersionRange, ctx: RuleContext) -> str | None:
    """The newest release of the package whose Requires-Python meets ``within``."""
    if ctx.kn.versions_of is None:
        return None
    best: Version | None = None
    for text, rp in ctx.kn.versions_of(ex.package.name):
        try:
            v = Version(text)
        except InvalidVersion:
            continue
        if v.is_prerelease or (rp and not spec_range(rp).overlaps(within)):
            continue
        if best is None or v > best:
            best = v
    return str(best) if best is not None else None


def _against_cause(p: Profile, against: VersionRange) -> Cause:
    base = range_cause(p, narrowed=against != p.declared)
    return Cause(base.subject, base.relation, f"python {against}", base.origin, base.because)


@service_rule(
    "requires-python",
    Severity.ERROR,
    "a pinned or locked package's Requires-Python excludes every runtime version the service allows",
)
def requires_python(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    for ex in p.exclusions:
        name, version = ex.package.name, ex.version
        against = ex.against if ex.against is not None else p.declared
        narrowed = against != p.declared
        by = f" (narrowed by {', '.join(n.package.name for n in p.narrowing)})" if narrowed else ""
        title = f"python {against}{by} and {ex.range} (Requires-Python of {name} {version}) have no version in common"
        options = []
        older = _newest_supporting(ex, against, ctx)
        if older is not None and older != version:
            options.append(f"pin {name}=={older}, the newest release that supports python {against}")
        if narrowed:
            # The runtime cannot move: what narrowed it forbids what this package needs.
            others = ", ".join(f"{n.package.name} {n.version}" for n in p.narrowing)
            options.append(f"upgrade {others} to a release that supports python {ex.range}")
        else:
            lines = [v for v in ctx.kn.runtime_versions.get("python", ()) if ex.range.allows_line(v)]
            if lines:
                options.append(f"run {p.name} on python {lines[-1]} or newer")
        hint = "; or ".join(options) if options else f"choose a {name} release that supports python {against}"
        yield Conflict(
            "requires-python",
            Severity.ERROR,
            (p.name,),
            title,
            (_against_cause(p, against), exclusion_cause(ex, p.name)),
            hint,
        )


@service_rule(
    "unsatisfiable-requirements",
    Severity.ERROR,
    "the resolver finds no set of versions satisfying the service's requirements together",
)
def unsatisfiable_requirements(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    # Only when every allowed line fails: failing on some lines merely narrows the runtime range.
    failed = dict(p.resolve_failures)
    if not failed or any(v not in failed for v in p.versions):
        return
    line, outcome = p.resolve_failures[0]
    causes = tuple(_own(c, p.name) for c in outcome.causes) or (
        Cause(p.name, "requires", ", ".join(requirement_lines(p.service)[0]), p.origin),
    )
    title = (
        _clash_title(causes, line)
        or outcome.message
        or f"the requirements of {p.name} cannot be satisfied together on python {line}"
    )
    # What to loosen is what the service wrote (the leaves that are its own lines), not what a
    # dependency asks: "flask==3.0.3 requires werkzeug>=3.0.0" is not the user's to edit.
    asked = list(dict.fromkeys(_own_lines(causes, p.name))) or [
        c.object for c in causes[:2] if c.relation == "requires"
    ]
    tried = ", ".join(failed)
    hint = f"tried python {tried}; `matrixhell resolve` with these requirements shows the whole derivation"
    if asked:
        hint = f"loosen {' or '.join(asked)}; " + hint
    yield Conflict("unsatisfiable-requirements", Severity.ERROR, (p.name,), title, causes, hint)


_ROOTS = {"requirements": "{s}", "constraints": "the pins of {s}"}


def _own_lines(causes: tuple[Cause, ...], service: str) -> list[str]:
    out: list[str] = []
    for c in causes:
        if c.subject in (service, f"the pins of {service}") and c.relation in ("requires", "locks"):
            out.append(f"{c.object} ({c.origin})" if c.origin is not None else c.object)
        out += _own_lines(c.because, service)
    return out


def _clash_title(causes: tuple[Cause, ...], line: str) -> str | None:
    """``werkzeug==2.3.8 (one) and werkzeug>=3.0.0 (flask==3.0.3) have no version in common on python
    3.11``: the root causes when they all ask one project, else None."""
    from packaging.requirements import InvalidRequirement, Requirement

    roots = [c for c in causes if c.relation == "requires"]
    if len(roots) < 2 or len(roots) != len(causes):
        return None
    try:
        names = {Requirement(c.object).name.lower().replace("_", "-") for c in roots}
    except InvalidRequirement:
        return None
    if len(names) != 1:
        return None
    asks = " and ".join(f"{c.object} ({c.subject})" for c in roots)
    return f"{asks} have no version of {names.pop()} in common on python {line}"


def _own(c: Cause, service: str) -> Cause:
    """The resolver speaks of "requirements" and "constraints": say whose."""
    subject = _ROOTS[c.subject].format(s=service) if c.subject in _ROOTS else c.subject
    return Cause(subject, c.relation, c.object, c.origin, tuple(_own(b, service) for b in c.because))


@pair_rule(
    "disjoint-pins",
    Severity.ERROR,
    "two services pin one package to versions with nothing in common: one site-packages cannot hold both",
)
def disjoint_pins(a: Profile, b: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    line: str | None = None
    lines = agreeing_lines([a, b])
    if lines is not None:
        if lines:
            return  # their pins meet on some Python line both can run: that is where they share
        # Apart on every line they share: say it with the pins of the newest one.
        shared = shared_lines([a, b])
        line = shared[0] if shared else None
    bad = joint_pins([a, b], line)
    if not bad:
        return
    # Direct pins first: they are what a person wrote, the transitive ones follow from them.
    bad.sort(key=lambda item: (not any(pin.direct for pin in item[1]), item[0]))
    causes: list[Cause] = []
    for _key, (pa, pb) in bad:  # joint_pins keeps the order of the profiles it was given
        causes += [pin_cause(a, pa), pin_cause(b, pb)]
    (_, (pa, pb)), more = bad[0], len(bad) - 1
    title = f"{pa.name} {pa.range} and {pb.range} have no version in common"
    if more:
        title += f" (and {more} more package{'s' if more > 1 else ''})"
    direct = any(any(pin.direct for pin in pins) for _k, pins in bad)
    severity = Severity.ERROR if direct else Severity.WARNING
    hint = (
        f"align {pa.name} on one version both accept, or keep the two in separate environments"
        if direct
        else "re-lock the two together so their transitive pins agree"
    )
    yield Conflict("disjoint-pins", severity, (a.name, b.name), title, tuple(causes), hint)
