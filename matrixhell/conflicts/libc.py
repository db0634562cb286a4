"""libc rules: a musl target for a native package with no musllinux wheel, and glibc beside musl."""

from __future__ import annotations

from collections.abc import Iterator

from matrixhell.conflicts.hints import fits
from matrixhell.conflicts.profile import Profile, exact_version
from matrixhell.conflicts.registry import RuleContext, pair_rule, service_rule
from matrixhell.model import Cause, Conflict, Ecosystem, Scope, Severity

__all__ = ["libc_clash", "musl_no_wheel"]


def _libcs(p: Profile, ctx: RuleContext) -> set[str]:
    """The libcs of the releases the service can run on."""
    out = set()
    for key in p.slots or p.plan_slots:
        release = ctx.view.release(key)
        if release is not None:
            out.add(release.libc)
    return out


def _musl_release(p: Profile, ctx: RuleContext) -> str | None:
    """The musl release the service would build on: its own FROM's when it has one, else the best."""
    slots = p.slots or p.plan_slots
    placed = ctx.view.placement(p.from_image) if p.from_image else None
    if placed is not None and placed[0] in slots:
        return placed[0]
    for r in ctx.view.releases:
        key = f"{r.distro}:{r.name}"
        if r.libc == "musl" and key in (p.slots or p.plan_slots):
            return key
    return None


@service_rule(
    "musl-no-wheel",
    Severity.WARNING,
    "on a musl (Alpine) target a native package has no musllinux wheel and must build from source",
)
def musl_no_wheel(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    kn = ctx.kn
    if p.libc != "musl" or kn.native_needs is None or kn.has_wheel is None or p.runtime != "python":
        return
    line = p.versions[0] if p.versions else None
    if line is None:
        return
    key = _musl_release(p, ctx)
    release = ctx.view.release(key) if key else None
    for pkg in p.service.packages:
        if pkg.ecosystem is not Ecosystem.PYPI or pkg.scope is not Scope.MAIN:
            continue
        version = exact_version(pkg)
        needs = kn.native_needs(pkg.ecosystem, pkg.name)
        if version is None or needs is None or not (needs.libraries or needs.build_tools):
            continue
        if kn.has_wheel(pkg.name, version, line, "musl") is not False:
            continue
        build: list[str] = []
        if release is not None:
            for lib in needs.libraries:
                found = ctx.view.lib_packages(release, lib)
                if found is not None:
                    build.extend(found.build)
        for tool in needs.build_tools:
            # Build tools are logical (c-compiler); a release that knows its packages names them.
            named = getattr(release, "tool_packages", None)
            build.extend((named(tool) or (tool,)) if callable(named) else (tool,))
        build_text = " ".join(dict.fromkeys(build)) or "a compiler and the -dev packages"
        where = f"{release.distro} {release.name}" if release else "Alpine"
        title = f"{pkg.name} {version} has no musllinux wheel for python {line}: it builds from source on {where}"
        causes = (
            Cause(p.name, "locks" if pkg.locked else "pins", f"{pkg.name}=={version}",
                  (pkg.locked_origin or pkg.origin) if pkg.locked else pkg.origin),
            Cause(p.name, "runs-on", f"musl ({p.libc_reason})", p.libc_origin),
            Cause(pkg.name, "needs-lib", ", ".join(needs.libraries) or ", ".join(needs.build_tools), pkg.origin),
        )
        hint = f"the image needs {build_text} at build time (a slower, bigger build); a glibc base takes a wheel"
        other = _musl_release_with_wheel(pkg.name, version, line, ctx)
        if other is not None:
            hint += f"; or pin {pkg.name}=={other}, which has a musllinux wheel for python {line}"
        yield Conflict("musl-no-wheel", Severity.WARNING, (p.name,), title, causes, hint)


def _musl_release_with_wheel(name: str, pinned: str, line: str, ctx: RuleContext) -> str | None:
    """The release of ``name`` nearest above ``pinned`` (else the newest) with a musllinux wheel."""
    from packaging.version import InvalidVersion, Version

    kn = ctx.kn
    if kn.versions_of is None or kn.has_wheel is None:
        return None
    try:
        base = Version(pinned)
    except InvalidVersion:
        return None
    found: list[Version] = []
    for text, _rp in kn.versions_of(name):
        try:
            v = Version(text)
        except InvalidVersion:
            continue
        if not v.is_prerelease and v != base:
            found.append(v)
    # Nearest upgrade first (the smallest step), then older releases, newest first.
    order = sorted(v for v in found if v > base) + sorted((v for v in found if v < base), reverse=True)
    for v in order:
        if kn.has_wheel(name, str(v), line, "musl"):
            return str(v)
    return None


@pair_rule(
    "libc-clash",
    Severity.ERROR,
    "one service is committed to musl (Alpine), the other to glibc: no release has both",
)
def libc_clash(a: Profile, b: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    la = {a.libc} if a.libc else _libcs(a, ctx)
    lb = {b.libc} if b.libc else _libcs(b, ctx)
    if not la or not lb or la & lb:
        return
    ta, tb = "/".join(sorted(la)), "/".join(sorted(lb))
    title = f"{a.name} runs on {ta} and {b.name} on {tb}: no release has both"
    causes = (
        Cause(a.name, "runs-on", ta, a.libc_origin, because=_why(a)),
        Cause(b.name, "runs-on", tb, b.libc_origin, because=_why(b)),
    )
    musl = a if "musl" in la else b
    hint = f"{fits(a, ctx.view)}; {fits(b, ctx.view)}"
    if musl.libc_reason:
        hint += f"; to share, {musl.name} must leave Alpine ({musl.libc_reason})"
    yield Conflict("libc-clash", Severity.ERROR, (a.name, b.name), title, causes, hint)


def _why(p: Profile) -> tuple[Cause, ...]:
    if p.libc_reason:
        return (Cause(p.name, "because", p.libc_reason, p.libc_origin),)
    return ()
