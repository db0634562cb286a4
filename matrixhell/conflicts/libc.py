"""libc rules: a native package with no wheel for the release's libc (musllinux on Alpine, or a
manylinux tag newer than the release's glibc), and glibc beside musl."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from matrixhell.conflicts.hints import best_slot, fits
from matrixhell.conflicts.knowledge import ReleaseLike
from matrixhell.conflicts.profile import CatalogView, Profile, SdistBuild, exact_version
from matrixhell.conflicts.registry import RuleContext, pair_rule, service_rule
from matrixhell.model import Cause, Conflict, Ecosystem, Scope, Severity

__all__ = ["builds_from_sdist", "libc_clash", "musl_no_wheel"]


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
        musl = release.libc_version if release is not None else None
        if kn.has_wheel(pkg.name, version, line, "musl", musl) is not False:
            continue
        build_text = _build_text(needs, release, ctx.view)
        where = f"{release.distro} {release.name}" if release else "Alpine"
        title = f"{pkg.name} {version} has no musllinux wheel for python {line}: it builds from source on {where}"
        causes = (
            Cause(p.name, "locks" if pkg.locked else "pins", f"{pkg.name}=={version}",
                  (pkg.locked_origin or pkg.origin) if pkg.locked else pkg.origin),
            Cause(p.name, "runs-on", f"musl ({p.libc_reason})", p.libc_origin),
            Cause(pkg.name, "needs-lib", ", ".join(needs.libraries) or ", ".join(needs.build_tools), pkg.origin),
        )
        hint = f"the image needs {build_text} at build time (a slower, bigger build); a glibc base takes a wheel"
        other = _musl_release_with_wheel(pkg.name, version, line, ctx, musl)
        if other is not None:
            hint += f"; or pin {pkg.name}=={other}, which has a musllinux wheel for python {line}"
        yield Conflict("musl-no-wheel", Severity.WARNING, (p.name,), title, causes, hint)


def _build_text(needs: object, release: ReleaseLike | None, view: CatalogView) -> str:
    """The packages a source build of a native package needs on ``release``: -dev packages, compilers."""
    build: list[str] = []
    if release is not None:
        for lib in getattr(needs, "libraries", ()):
            found = view.lib_packages(release, lib)
            if found is not None:
                build.extend(found.build)
    for tool in getattr(needs, "build_tools", ()):
        # Build tools are logical (c-compiler); a release that knows its packages names them.
        named = getattr(release, "tool_packages", None)
        build.extend((named(tool) or (tool,)) if callable(named) else (tool,))
    return " ".join(dict.fromkeys(build)) or "a compiler and the -dev packages"


@service_rule(
    "builds-from-sdist",
    Severity.WARNING,
    "on the glibc release the service is placed on, a pinned native package has no wheel (its wheels need "
    "a newer glibc) and builds from the sdist, while another release it fits takes the wheel",
)
def builds_from_sdist(p: Profile, ctx: RuleContext) -> Iterator[Conflict]:
    kn = ctx.kn
    if p.runtime != "python" or p.libc == "musl" or not p.sdist_builds or kn.native_needs is None:
        return
    best = best_slot(p, ctx.view)
    if best is None:
        return
    key = best[0]
    release = ctx.view.release(key)
    if release is None or release.libc != "glibc":
        return
    by_pkg = {b.package: b for b in p.sdist_builds.get(key, ())}
    for name in sorted(by_pkg):
        b = by_pkg[name]
        # Where the same pin installs as a wheel: the releases it fits with no source build of it.
        wheel_at = [
            k
            for k in _ordered(p.slots, ctx.view)
            if k != key and all(x.package != name for x in p.sdist_builds.get(k, ()))
        ]
        if not wheel_at:
            continue  # no wheel anywhere it can run: an sdist-only release, the same on every base
        yield _sdist_conflict(p, b, release, wheel_at, ctx)


def _ordered(keys: Iterable[str], view: CatalogView) -> list[str]:
    """``keys`` in the catalog's preference order."""
    wanted = set(keys)
    return [f"{r.distro}:{r.name}" for r in view.releases if f"{r.distro}:{r.name}" in wanted]


def _sdist_conflict(p: Profile, b: SdistBuild, release: ReleaseLike, wheel_at: list[str], ctx: RuleContext) -> Conflict:
    where = f"{release.distro} {release.name}"
    title = (
        f"{b.package} {b.version} has no wheel for python {b.line} on glibc {release.libc_version} ({where}): "
        "it builds from the sdist there"
    )
    pkg = next((q for q in p.service.packages if q.name == b.package), None)
    how = "locks" if pkg is not None and pkg.locked else "pins"
    needs = ctx.kn.native_needs(Ecosystem.PYPI, b.package) if ctx.kn.native_needs is not None else None
    libs = ", ".join(getattr(needs, "libraries", ()) or getattr(needs, "build_tools", ())) or "native code"
    placed = (
        Cause(p.name, "builds-from", p.from_image, p.libc_origin, because=_why(p))
        if p.from_image
        else Cause(p.name, "runs-on", where, p.origin)
    )
    causes = (
        Cause(p.name, how, f"{b.package}=={b.version}", b.origin),
        placed,
        Cause(f"{release.distro} {release.name}", "ships", f"glibc {release.libc_version}"),
        Cause(b.package, "needs-lib", libs, b.origin),
    )
    others = ", ".join(k.replace(":", " ") for k in wheel_at)
    hint = (
        f"the image needs {_build_text(needs, release, ctx.view)} at build time on {where} (the -dev packages "
        f"and a compiler: a slower, bigger build); {others} take{'s' if len(wheel_at) == 1 else ''} its wheel"
    )
    first = ctx.view.release(wheel_at[0])
    if first is not None and p.from_image:
        image = ctx.view.best_image("python", b.line, first)
        if image is not None:
            hint += f": build FROM {image}"
    return Conflict("builds-from-sdist", Severity.WARNING, (p.name,), title, causes, hint)


def _musl_release_with_wheel(
    name: str, pinned: str, line: str, ctx: RuleContext, musl: str | None = None
) -> str | None:
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
        if kn.has_wheel(name, str(v), line, "musl", musl):
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
