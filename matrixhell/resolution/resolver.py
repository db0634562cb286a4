"""``resolve()``: requirements + target + metadata provider -> pins, or a structured impossibility.

A :class:`Resolver` keeps one catalog per target and the results it already found, so resolving many
services for many targets (the analyzer's matrix) reads each project's metadata once and never
repeats the same resolution.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import resolvelib
from packaging.requirements import InvalidRequirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from resolvelib.structs import RequirementInformation

from matrixhell.errors import InputError, ResolutionError
from matrixhell.knowledge.index.base import DistFile, MetadataProvider, normalize
from matrixhell.model.origin import Origin
from matrixhell.reporting import Reporter
from matrixhell.resolution.candidates import Candidate, Catalog, Entry, Requirement, parse_requirement
from matrixhell.resolution.explain import ConflictCause, Exclusion, Requirer, ResolutionImpossible
from matrixhell.resolution.provider import Provider, TraceReporter
from matrixhell.resolution.target import ResolveTarget
from matrixhell.resolution.wheels import FileChoice, choose_file

__all__ = ["Resolution", "Resolver", "resolve"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """Pins (normalized name -> version) and, per pin, the wheel chosen for the target (None: sdist)."""

    pins: dict[str, str]
    wheel: dict[str, str | None]
    target: ResolveTarget
    files: dict[str, FileChoice] = field(default_factory=dict)
    edges: tuple[tuple[str, str, str], ...] = ()  # (parent or "", child, specifier), sorted
    rounds: int = 0

    @property
    def sdist_only(self) -> tuple[str, ...]:
        """Projects that must be built from source on the target (they may need -dev packages)."""
        return tuple(sorted(n for n, w in self.wheel.items() if w is None))

    def lines(self) -> list[str]:
        return [f"{name}=={self.pins[name]}" for name in sorted(self.pins)]


def _parse_roots(
    lines: Sequence[str], target: ResolveTarget, catalog: Catalog, origins: Mapping[str, Origin], what: str
) -> list[Requirement]:
    out: list[Requirement] = []
    for line in lines:
        try:
            req = parse_requirement(line.strip())
        except InvalidRequirement as e:
            raise InputError(
                f"{what} {line!r} is not a PEP 508 requirement: {e}",
                origin=origins.get(line),
                hint="write it as name[extras]>=version; marker",
            ) from e
        if req.marker is not None and not catalog.marker_true(req.marker):
            continue  # the marker says the target does not need it
        req = Requirement(req.name, req.extras, req.specifier)
        if req not in out:
            out.append(req)
    return out


class Resolver:
    """Resolves against one provider; shares per-target catalogs and results across calls."""

    def __init__(
        self, provider: MetadataProvider, *, max_rounds: int = 200_000, reporter: Reporter | None = None
    ) -> None:
        self.provider = provider
        self.max_rounds = max_rounds
        self.reporter = reporter or Reporter()
        self._catalogs: dict[ResolveTarget, Catalog] = {}
        self._results: dict[tuple[object, ...], Resolution | ResolutionImpossible] = {}
        self._contains: dict[tuple[SpecifierSet, Version], bool] = {}

    def catalog(self, target: ResolveTarget) -> Catalog:
        cat = self._catalogs.get(target)
        if cat is None:
            cat = Catalog(self.provider, target)
            self._catalogs[target] = cat
        return cat

    def resolve(
        self,
        requirements: Sequence[str],
        target: ResolveTarget,
        constraints: Sequence[str] = (),
        *,
        origins: Mapping[str, Origin] | None = None,
        only_binary: bool | Collection[str] = False,
    ) -> Resolution:
        """``only_binary``: True (pip's ``:all:``) or project names that must install from a wheel."""
        origins = origins or {}
        catalog = self.catalog(target)
        roots = _parse_roots(requirements, target, catalog, origins, "requirement")
        cons = _parse_roots(constraints, target, catalog, origins, "constraint")
        policy: bool | frozenset[str] = (
            only_binary if isinstance(only_binary, bool) else frozenset(normalize(n) for n in only_binary)
        )
        key = (target, frozenset(roots), frozenset(cons), policy)
        cached = self._results.get(key)
        if cached is None:
            self.reporter.step(f"resolving {len(roots)} requirements for {target.label()}")
            cached = self._run(roots, cons, catalog, origins, _binary_predicate(policy))
            self._results[key] = cached
        if isinstance(cached, ResolutionImpossible):
            raise cached.with_traceback(None)  # shared: do not grow its traceback on every raise
        return cached

    def _run(
        self,
        roots: list[Requirement],
        cons: list[Requirement],
        catalog: Catalog,
        origins: Mapping[str, Origin],
        binary: Callable[[str], bool],
    ) -> Resolution | ResolutionImpossible:
        by_name: dict[str, list[Requirement]] = {}
        for c in cons:
            by_name.setdefault(c.name, []).append(Requirement(c.name, frozenset(), c.specifier))
        order = {r.identifier: i for i, r in enumerate(roots)}
        provider = Provider(catalog, by_name, order, self._contains, binary)
        reporter = TraceReporter()
        resolver: resolvelib.Resolver[Requirement, Candidate, str] = resolvelib.Resolver(provider, reporter)
        try:
            result = resolver.resolve(roots, max_rounds=self.max_rounds)
        except resolvelib.ResolutionImpossible as e:
            found = _impossible(e.causes, catalog, reporter, by_name, roots, origins, binary)
            return found if found.genuine() else self._narrowed(found, roots, by_name, catalog, origins, binary)
        except resolvelib.ResolutionTooDeep as e:
            raise ResolutionError(
                f"resolution for {catalog.target.label()} gave up after {e.round_count} rounds",
                hint="pin the projects that backtrack most (see --verbose) to narrow the search",
            ) from e
        pins: dict[str, str] = {}
        wheel: dict[str, str | None] = {}
        files: dict[str, FileChoice] = {}
        for cand in result.mapping.values():
            if cand.extras:
                continue  # the base project is pinned alongside, at the same version
            pins[cand.name] = str(cand.version)
            wheel[cand.name] = cand.files.wheel.filename if cand.files.wheel else None
            files[cand.name] = cand.files
        edges = sorted(
            {
                (
                    info.parent.name if info.parent else "",
                    info.requirement.name,
                    str(info.requirement.specifier),
                )
                for crit in result.criteria.values()
                for info in crit.information
                if info.parent is None or info.parent.name != info.requirement.name
            }
        )
        return Resolution(pins, wheel, catalog.target, files, tuple(edges), reporter.rounds)

    def _attempt(
        self,
        roots: list[Requirement],
        cons: Mapping[str, Sequence[Requirement]],
        catalog: Catalog,
        rounds: int,
        binary: Callable[[str], bool],
    ) -> tuple[bool | None, TraceReporter, object]:
        """(resolvable?, trace, causes) for a subset of the roots; None when it ran out of rounds."""
        order = {r.identifier: i for i, r in enumerate(roots)}
        provider = Provider(catalog, cons, order, self._contains, binary)
        reporter = TraceReporter()
        try:
            resolvelib.Resolver(provider, reporter).resolve(roots, max_rounds=rounds)
        except resolvelib.ResolutionImpossible as e:
            return False, reporter, e.causes
        except resolvelib.ResolutionTooDeep:
            return None, reporter, None
        return True, reporter, None

    def _narrowed(
        self,
        found: ResolutionImpossible,
        roots: list[Requirement],
        cons: Mapping[str, Sequence[Requirement]],
        catalog: Catalog,
        origins: Mapping[str, Origin],
        binary: Callable[[str], bool] = lambda _name: False,
    ) -> ResolutionImpossible:
        """resolvelib reports the last conflict it backtracked from, which after a long search may be
        a bystander (``drf needs django>=5.2``) and not why nothing works.  Shrink the roots to a
        minimal set that still fails (delta debugging: drop halves, then quarters ...), and explain
        that set's conflict instead."""
        rounds = max(1000, self.max_rounds // 20)
        core = list(roots)
        chunk = max(1, len(core) // 2)
        while True:
            i = 0
            while i < len(core) and len(core) > 1:
                trial = core[:i] + core[i + chunk :]
                if trial and self._attempt(trial, cons, catalog, rounds, binary)[0] is False:
                    core = trial
                else:
                    i += chunk
            if chunk == 1:
                break
            chunk = max(1, chunk // 2)
        ok, reporter, causes = self._attempt(core, cons, catalog, rounds, binary)
        if ok is not False or causes is None:
            return found
        narrowed = _impossible(causes, catalog, reporter, cons, core, origins, binary)  # type: ignore[arg-type]
        narrowed.core = tuple(str(r) for r in core)
        return narrowed if narrowed.genuine() or not found.genuine() else found


def _chain(
    cand: Candidate, reporter: TraceReporter, seen: frozenset[str] = frozenset()
) -> tuple[list[tuple[Candidate, Requirement]], Requirement | None]:
    """Pins from the root down to ``cand`` with the requirement that chose each, and the root one."""
    options = reporter.requested_by.get(cand.identifier, [])
    matching = [(r, p) for r, p in options if r.specifier.contains(cand.version, prereleases=True)]
    matching.sort(key=lambda rp: rp[1] is not None)  # a root requirement explains best
    for req, parent in matching:
        if parent is None:
            return [(cand, req)], req
        if str(parent) in seen:
            continue
        upper, root = _chain(parent, reporter, seen | {str(cand)})
        if upper:
            return [*upper, (cand, req)], root
    return [], None


def _chain_labels(
    chain: Sequence[tuple[Candidate, Requirement]], catalog: Catalog, reporter: TraceReporter
) -> tuple[str, ...]:
    """For each pin of the chain but the last, the merged range of its versions that ask the same of
    the next link (``all versions of orm``), or the pin itself."""
    labels = []
    for (parent, _), (_child, via) in itertools.pairwise(chain):
        labels.append(_parent_range(parent, via, catalog, reporter)[0] or str(parent))
    return tuple(labels)


def _parent_range(
    parent: Candidate,
    child: Requirement,
    catalog: Catalog,
    reporter: TraceReporter,
    available: Sequence[str] = (),
    against: frozenset[str] | None = None,
) -> tuple[str | None, str | None]:
    """Merge the parent's versions that ask the same of ``child`` into one range.

    Without ``against`` "the same" means the same specifier.  With it (the versions the other side
    of the conflict allows), every parent version whose requirement on the child also misses all of
    ``against`` merges, and the requirement becomes the union of what they allow (uv's merged
    ranges): ``all versions of celery[redis] depend on redis>=5.2.1``.  Returns (label, requirement).
    """
    choosing = [r for r, _ in reporter.requested_by.get(parent.identifier, [])]
    allowed = [
        e.version
        for e in catalog.entries(parent.name)
        if e.files.usable
        and (not e.version.is_prerelease or parent.version.is_prerelease)
        and all(r.specifier.contains(e.version, prereleases=True) for r in choosing)
    ]
    if len(allowed) < 2:
        return None, None
    same: list[bool] = []
    union: list[set[str]] = []
    for v in allowed:  # newest first
        deps = [d for d in catalog.applicable(parent.name, v, parent.extras) if d.identifier == child.identifier]
        allows = {a for d in deps for a in available if d.specifier.contains(a, prereleases=True)}
        ok = any(d.specifier == child.specifier for d in deps) or (
            against is not None and bool(deps) and not allows & against
        )
        same.append(ok)
        union.append(allows)
    idx = allowed.index(parent.version)
    lo = hi = idx
    while hi + 1 < len(allowed) and same[hi + 1]:
        hi += 1
    while lo > 0 and same[lo - 1]:
        lo -= 1
    if lo == hi:
        return None, None
    merged = set().union(*union[lo : hi + 1])
    requirement = None
    if against is not None and merged != set(union[idx]):
        from matrixhell.resolution.explain import merged_range

        requirement = f"{child.identifier}{merged_range(sorted(merged, key=Version, reverse=True), available)}"
    name = parent.identifier
    usable = [e for e in catalog.entries(parent.name) if e.files.usable and not e.version.is_prerelease]
    if lo == 0 and hi == len(allowed) - 1 and len(allowed) >= len(usable):
        return f"all versions of {name}", requirement
    newest, oldest = allowed[lo], allowed[hi]
    return f"{name}>={oldest},<={newest}", requirement


def _other_versions(parent: Candidate, me: Requirer, catalog: Catalog, reporter: TraceReporter) -> tuple[str, ...]:
    """Versions of the parent its requirers allow beyond the ones the statement already covers."""
    if me.parent_range and me.parent_range.startswith("all versions"):
        return ()
    choosing = [r for r, _ in reporter.requested_by.get(parent.identifier, [])]
    covered = SpecifierSet(me.parent_range[len(parent.identifier) :]) if me.parent_range else None
    out = []
    for e in catalog.entries(parent.name):
        v = e.version
        if v == parent.version or not e.files.usable or (v.is_prerelease and not parent.version.is_prerelease):
            continue
        if covered is not None and covered.contains(v, prereleases=True):
            continue
        if all(r.specifier.contains(v, prereleases=True) for r in choosing):
            out.append(str(v))
    return tuple(out)


def _impossible(
    causes: Collection[RequirementInformation[Requirement, Candidate]],
    catalog: Catalog,
    reporter: TraceReporter,
    constraints: Mapping[str, Sequence[Requirement]],
    roots: Sequence[Requirement],
    origins: Mapping[str, Origin],
    binary: Callable[[str], bool],
) -> ResolutionImpossible:
    root_origin = {}
    for text, origin in origins.items():
        try:
            root_origin[parse_requirement(text.strip()).identifier] = origin
        except InvalidRequirement:
            continue
    grouped: dict[str, list[tuple[Requirement, Candidate | None]]] = {}
    for info in causes:
        req, parent = info.requirement, info.parent
        pair = (req, parent)
        if pair not in grouped.setdefault(req.name, []):
            grouped[req.name].append(pair)
    out = []
    for project, infos in grouped.items():
        entries = catalog.entries(project)
        explicit_pre = any(r.specifier.prereleases for r, _ in infos)
        has_final = any(
            e.files.usable and not e.version.is_prerelease and all(r.specifier.contains(e.version) for r, _ in infos)
            for e in entries
        )
        allow_pre = explicit_pre or not has_final
        wheels_only = binary(project)
        available = [
            str(e.version)
            for e in entries
            if e.files.usable
            and (allow_pre or not e.version.is_prerelease)
            and (not wheels_only or e.files.wheel is not None)
        ]
        excluded = []
        for e in entries:
            if e.excluded:
                excluded.append(Exclusion(str(e.version), e.excluded))
            elif wheels_only and e.files.usable and e.files.wheel is None:
                excluded.append(Exclusion(str(e.version), "has only an sdist, and only binary wheels are allowed"))
            elif not e.files.usable:
                excluded.append(Exclusion(str(e.version), "is yanked"))
            elif e.version.is_prerelease and not allow_pre:
                excluded.append(Exclusion(str(e.version), "is a pre-release (not asked for explicitly)"))
        requirers = []
        by_requirer: dict[tuple[str, str], tuple[Candidate, Requirement]] = {}
        for req, parent in infos:
            allows = tuple(v for v in available if req.specifier.contains(v, prereleases=True))
            if parent is None:
                requirers.append(Requirer(str(req), None, None, (), allows, root_origin.get(req.identifier)))
                continue
            chain, root = _chain(parent, reporter)
            by_requirer[(str(req), str(parent))] = (parent, req)
            requirers.append(
                Requirer(
                    requirement=str(req),
                    parent=str(parent),
                    parent_range=_parent_range(parent, req, catalog, reporter)[0],
                    chain=tuple(str(pin) for pin, _ in chain) or (str(parent),),
                    chain_reqs=tuple(str(r) for _, r in chain) or (str(parent),),
                    chain_labels=_chain_labels(chain, catalog, reporter),
                    allows=allows,
                    origin=root_origin.get(root.identifier) if root is not None else None,
                )
            )
        requirers = _dedupe(requirers)
        if len(infos) == 1:
            # One requirement and nothing usable: only the exclusions it would have matched matter.
            only = infos[0][0].specifier
            relevant = [x for x in excluded if only.contains(x.version, prereleases=True)]
            excluded = relevant or excluded
        for c in constraints.get(project, ()):
            allows = tuple(v for v in available if c.specifier.contains(v, prereleases=True))
            requirers.append(Requirer(str(c), None, None, (), allows, None, constraint=True))
        requirers = _root_pair_first(requirers)
        if len(requirers) >= 2:
            # Merge each side of the root pair over the parent versions that fail the same way.
            first, second = requirers[0], requirers[1]
            for k, (me, other) in enumerate(((first, second), (second, first))):
                origin_pair = by_requirer.get((me.requirement, me.parent or ""))
                if origin_pair is None:
                    continue
                label, merged = _parent_range(
                    origin_pair[0], origin_pair[1], catalog, reporter, available, frozenset(other.allows)
                )
                if label is not None:
                    me = replace(me, parent_range=label, requirement=merged or me.requirement)
                requirers[k] = replace(me, others=_other_versions(origin_pair[0], me, catalog, reporter))
        out.append(ConflictCause(project, tuple(requirers), tuple(available), tuple(excluded), bool(entries)))
    out.sort(key=lambda c: (len(c.requirers) < 2, c.project))
    return ResolutionImpossible(out, catalog.target.label(), suggestion=_suggest(out, catalog, binary))


_PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")


def _suggest(causes: Sequence[ConflictCause], catalog: Catalog, binary: Callable[[str], bool]) -> str | None:
    """A target that would take the version asked for, when the failure is about the target alone:
    every version a requirement allows is excluded by Requires-Python or by missing wheels."""
    if not causes or len(causes[0].requirers) != 1 or not causes[0].excluded:
        return None
    cause = causes[0]
    spec = parse_requirement(cause.requirers[0].requirement).specifier if cause.requirers else SpecifierSet()
    wanted = [e for e in catalog.entries(cause.project) if spec.contains(e.version, prereleases=True)]
    if not wanted:
        return None
    target = catalog.target
    wheels_only = binary(cause.project)

    def fits(e: Entry, where: ResolveTarget) -> bool:
        choice = choose_file(_files(catalog, cause.project, e.version), where)
        return choice.wheel is not None if wheels_only else choice.usable

    for python in _PYTHONS:
        if python == target.python_short:
            continue
        other = ResolveTarget(python, target.platform, target.implementation)
        hit = next((e for e in wanted if fits(e, other)), None)
        if hit is not None:
            how = "has a wheel" if wheels_only else "installs"
            return f"{cause.project}=={hit.version} {how} on Python {python} ({target.platform})"
    if target.libc == "musl":
        glibc = ResolveTarget(target.python_version, f"manylinux_2_36_{target.arch}", target.implementation)
        hit = next((e for e in wanted if choose_file(_files(catalog, cause.project, e.version), glibc).wheel), None)
        if hit is not None:
            return f"{cause.project}=={hit.version} has a wheel for glibc (manylinux): use a glibc base"
    return None


def _files(catalog: Catalog, name: str, version: Version) -> Sequence[DistFile]:
    return next((pv.files for pv in catalog.provider.project_versions(name) if pv.version == version), ())


def _binary_predicate(policy: bool | frozenset[str]) -> Callable[[str], bool]:
    if isinstance(policy, bool):
        return lambda _name: policy
    return lambda name: name in policy


def _dedupe(rs: list[Requirer]) -> list[Requirer]:
    """Versions of one parent merged into a range ask once, not once per version."""
    seen: set[tuple[str, str | None]] = set()
    out = []
    for r in rs:
        key = (r.requirement, r.parent_range or r.parent)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _root_pair_first(rs: list[Requirer]) -> list[Requirer]:
    """Put the pair whose allowed versions do not meet first; nearer the root wins ties."""
    best: tuple[int, int, int] | None = None
    for i in range(len(rs)):
        for j in range(i + 1, len(rs)):
            if not set(rs[i].allows) & set(rs[j].allows):
                depth = len(rs[i].chain) + len(rs[j].chain)
                if best is None or depth < best[0]:
                    best = (depth, i, j)
    if best is None:
        return sorted(rs, key=lambda r: (len(r.allows), len(r.chain)))
    _, i, j = best
    return [rs[i], rs[j], *(r for k, r in enumerate(rs) if k not in (i, j))]


def resolve(
    requirements: Sequence[str],
    target: ResolveTarget,
    provider: MetadataProvider,
    constraints: Sequence[str] = (),
    *,
    origins: Mapping[str, Origin] | None = None,
    only_binary: bool | Collection[str] = False,
) -> Resolution:
    """Resolve ``requirements`` for ``target``; raises :class:`ResolutionImpossible` with causes.

    ``only_binary`` (True, or project names) refuses sdists, as pip's and uv's ``--only-binary``.
    """
    return Resolver(provider).resolve(requirements, target, constraints, origins=origins, only_binary=only_binary)
