"""The analysis pipeline: a scan in, the graph, the conflicts, the plan and the matrix out.

This is the one analyzer module that loads knowledge (the distro catalog, the native-library map, the
offline package index) and reads the clock (for end-of-life); everything it calls is pure and gets
those as a :class:`~matrixhell.conflicts.Knowledge`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from matrixhell.conflicts import (
    Knowledge,
    Profile,
    ResolveOutcome,
    build_profiles,
    find_conflicts,
    make_context,
)
from matrixhell.conflicts.profile import CatalogView
from matrixhell.model import Conflict, Ecosystem, Origin, Plan, ScanResult
from matrixhell.plan import make_plan
from matrixhell.render.matrix import Matrix, build_matrix
from matrixhell.reporting import Reporter

if TYPE_CHECKING:
    import networkx as nx

    Graph = nx.MultiDiGraph[str]

    from matrixhell.conflicts.knowledge import CatalogLike, NativeNeedsLike

__all__ = ["Analysis", "analyze", "load_knowledge"]


@dataclass(frozen=True)
class Analysis:
    scan: ScanResult
    graph: Graph
    plan: Plan
    matrix: Matrix
    profiles: tuple[Profile, ...] = ()
    knowledge: Knowledge | None = None

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        return self.plan.conflicts


def _runtime_lines(catalog: Any) -> dict[str, tuple[str, ...]]:
    """Release lines per runtime, newest first, from the official image table and the distros."""
    from packaging.version import InvalidVersion, Version

    lines: dict[str, set[str]] = {}
    try:
        from matrixhell.knowledge.catalog import read_data

        families = read_data("images.json").get("families", {})
    except (ImportError, OSError, ValueError):
        families = {}
    for spec in families.values():
        if isinstance(spec, dict) and isinstance(spec.get("runtime"), str):
            lines.setdefault(spec["runtime"], set()).update(str(v) for v in spec.get("versions", {}))

    def key(v: str) -> Version:
        try:
            return Version(v)
        except InvalidVersion:
            return Version("0")

    return {rt: tuple(sorted(vs, key=key, reverse=True)) for rt, vs in sorted(lines.items())}


def _native_needs() -> Any:
    try:
        from matrixhell.knowledge.syslibs import native_needs
    except ImportError:
        return None

    def lookup(ecosystem: Ecosystem, name: str) -> NativeNeedsLike | None:
        found: NativeNeedsLike | None = native_needs(ecosystem, name)
        return found

    return lookup


_MAX_ROUNDS = 1000


class _ProviderFacts:
    """Requires-Python, versions, wheels and resolution, read through one metadata provider."""

    def __init__(self, provider: Any) -> None:
        from matrixhell.resolution import Resolver

        self.provider = provider
        # A bounded search: an analysis that waits minutes on one backtracking service helps nobody;
        # a search that gives up is "no verdict", never a conflict.
        self.resolver = Resolver(provider, max_rounds=_MAX_ROUNDS)
        self._wheels: dict[tuple[str, str, str, str, str | None], bool | None] = {}
        # Outcomes per (requirements, constraints, python, libc), with the libc version each was found at.
        self._outcomes: dict[tuple[object, ...], list[tuple[tuple[str, tuple[int, ...]], ResolveOutcome]]] = {}

    def _versions(self, name: str) -> Sequence[Any]:
        from matrixhell.knowledge.index.base import normalize

        return tuple(self.provider.project_versions(normalize(name)))

    def requires_python(self, name: str, version: str) -> str | None:
        from packaging.version import InvalidVersion, Version

        try:
            wanted = Version(version)
        except InvalidVersion as e:
            raise LookupError(version) from e
        for pv in self._versions(name):
            if pv.version == wanted:
                # The sdist speaks for the release; wheels may narrow per tag, never widen.
                files = sorted(pv.files, key=lambda f: f.is_wheel)
                for f in files:
                    return f.requires_python or None
                return None
        raise LookupError(f"{name} {version}")

    def versions_of(self, name: str) -> list[tuple[str, str | None]]:
        out = []
        for pv in self._versions(name):
            if pv.yanked:
                continue
            rp = next((f.requires_python for f in pv.files if f.requires_python), None)
            out.append((str(pv.version), rp))
        return out

    def _target(self, python: str, libc: str, libc_version: str | None) -> Any:
        from matrixhell.resolution import ResolveTarget

        return ResolveTarget.from_release(python, libc, libc_version or _DEFAULT_LIBC.get(libc, "2.36"))

    def has_wheel(
        self, name: str, version: str, python: str, libc: str, libc_version: str | None = None
    ) -> bool | None:
        """Whether ``name`` ``version`` has a wheel for CPython ``python`` on ``libc`` at ``libc_version``
        (the candidate release's: glibc 2.31 on bullseye takes no manylinux_2_34 wheel)."""
        from matrixhell.resolution import wheel_for

        key = (name, version, python, libc, libc_version)
        if key in self._wheels:
            return self._wheels[key]
        found: bool | None = None
        if self._versions(name):
            found = wheel_for(self.provider, name, version, self._target(python, libc, libc_version)) is not None
        self._wheels[key] = found
        return found

    def _gap(self, cause: Any) -> bool:
        """Whether the index lacks the project, or every version some requirement on it asks for."""
        from packaging.requirements import InvalidRequirement, Requirement

        if not cause.known:
            return True
        versions = [pv.version for pv in self._versions(cause.project)]
        for r in cause.requirers:
            try:
                spec = Requirement(r.requirement).specifier
            except InvalidRequirement:
                continue
            if not any(spec.contains(v, prereleases=True) for v in versions):
                return True
        return False

    def resolve(
        self,
        reqs: tuple[str, ...],
        constraints: tuple[str, ...],
        python: str,
        libc: str,
        origins: Mapping[str, Origin],
        libc_version: str | None = None,
    ) -> ResolveOutcome:
        """Resolve for CPython ``python`` on the manylinux / musllinux tag of ``libc`` ``libc_version``.

        Asked again on another platform, an earlier outcome often answers: a solution stays one
        wherever every pinned file still installs (a compatible wheel or an sdist), a failure at a
        newer libc is a failure at an older one of the same libc (its wheel tags are a subset), and
        "no verdict" (a gap in the index, a search given up) stays no verdict.
        """
        from matrixhell.errors import MatrixhellError
        from matrixhell.resolution import ResolutionImpossible

        target = self._target(python, libc, libc_version)
        level = (libc, _libc_level(libc_version or _DEFAULT_LIBC.get(libc, "2.36")))
        seen = self._outcomes.setdefault((reqs, constraints, python), [])
        for (at_libc, at), outcome in seen:
            if not outcome.decided:
                return outcome  # no verdict on one platform (a gap in the index, a search given up)
            # A solution stays one wherever its files install; reused from a newer libc of the same
            # family (or another family) only, so the pins are the ones a fresh search would pick.
            newer = at_libc != libc or at >= level[1]
            if outcome.ok and newer and self._installs(outcome.pins, target):
                return outcome
            if not outcome.ok and at_libc == libc and at >= level[1]:
                return outcome
        try:
            result = self.resolver.resolve(reqs, target, constraints, origins=dict(origins))
        except ResolutionImpossible as e:
            if not e.causes or any(self._gap(c) for c in e.causes):
                # What the offline index does not carry is a gap in knowledge, not a conflict.
                found = ResolveOutcome(True, message=e.message, decided=False)
            else:
                found = ResolveOutcome(False, causes=e.to_causes(), message=e.message)
        except (MatrixhellError, ValueError) as e:
            # The search gave up (too deep) or a line was unreadable (InvalidRequirement is a
            # ValueError): no verdict, so no conflict.
            found = ResolveOutcome(True, message=str(e), decided=False)
        else:
            pins = getattr(result, "pins", {})
            found = ResolveOutcome(True, pins={str(k): str(v) for k, v in dict(pins).items()})
        seen.append((level, found))
        return found

    def _installs(self, pins: Mapping[str, str], target: Any) -> bool:
        """Whether every pinned version has a file that installs on ``target`` (wheel or sdist)."""
        from packaging.version import InvalidVersion, Version

        from matrixhell.knowledge.index.base import normalize
        from matrixhell.resolution.wheels import choose_file

        for name, version in pins.items():
            try:
                wanted = Version(version)
            except InvalidVersion:
                return False
            pv = next((v for v in self.provider.project_versions(normalize(name)) if v.version == wanted), None)
            if pv is None or not choose_file(pv.files, target).usable:
                return False
        return True


_DEFAULT_LIBC = {"glibc": "2.36", "musl": "1.2"}  # for a caller that names no release


def _libc_level(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:2] if p.isdigit())


def _runtime_eol() -> Any:
    try:
        from matrixhell.knowledge.runtime_eol import load_runtime_eol

        return load_runtime_eol().end_of
    except (ImportError, OSError, ValueError, KeyError):
        return None


def judged_date() -> date:
    """The date end-of-life is judged on: MATRIXHELL_TODAY (YYYY-MM-DD) when set, so a CI gate or a
    test suite gives the same verdicts every day, else the clock."""
    import os

    raw = os.environ.get("MATRIXHELL_TODAY", "").strip()
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        from matrixhell.errors import ConfigError

        raise ConfigError(
            f"MATRIXHELL_TODAY={raw!r} is not a date", hint="write it as YYYY-MM-DD, or unset it"
        ) from None


def load_knowledge(catalog: CatalogLike | None = None, provider: Any = None, *, today: date | None = None) -> Knowledge:
    """The real knowledge: the shipped catalog and offline index unless others are given."""
    if catalog is None:
        from matrixhell.knowledge.catalog import load_catalog

        catalog = load_catalog()
    if provider is None:
        try:
            from matrixhell.knowledge.index.snapshot import default_snapshot

            provider = default_snapshot()
        except (ImportError, OSError):
            provider = None
    facts = _ProviderFacts(provider) if provider is not None else None
    return Knowledge(
        catalog=catalog,
        runtime_versions=_runtime_lines(catalog),
        native_needs=_native_needs(),
        requires_python=facts.requires_python if facts else None,
        versions_of=facts.versions_of if facts else None,
        has_wheel=facts.has_wheel if facts else None,
        resolve=facts.resolve if facts else None,
        today=today or judged_date(),
        runtime_eol=_runtime_eol(),
    )


def analyze(
    scan: ScanResult,
    *,
    catalog: CatalogLike | None = None,
    provider: Any = None,
    reporter: Reporter | None = None,
    knowledge: Knowledge | None = None,
    today: date | None = None,
) -> Analysis:
    """Conflicts, plan, graph and matrix of a scan.  ``knowledge`` replaces every loaded part."""
    from matrixhell.graph import build_graph

    rep = reporter or Reporter()
    kn = knowledge or load_knowledge(catalog, provider, today=today)
    view = CatalogView(kn)
    rep.step("reading each service's constraints")
    profiles = build_profiles(scan.services, kn, view)
    rep.step("looking for conflicts")
    conflicts = find_conflicts(make_context(profiles, kn, view))
    rep.step("grouping services into environments")
    plan = make_plan(profiles, conflicts, view)
    graph = build_graph(scan.services, knowledge=kn, plan=plan)
    return Analysis(scan, graph, plan, build_matrix(plan), profiles, kn)
