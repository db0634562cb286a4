"""The resolvelib Provider and Reporter over a :class:`Catalog`.

Preference follows pip's lesson: the requirements involved in the current backtrack causes are
decided first (``narrow_requirement_selection``), then exact pins, then what lies nearest the root.
Without it a conflict deep in a big tree takes minutes of backtracking over unrelated projects.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version
from resolvelib import AbstractProvider, BaseReporter

from matrixhell.resolution.candidates import Candidate, Catalog, Requirement, split_identifier
from matrixhell.resolution.wheels import FileChoice

if TYPE_CHECKING:
    from resolvelib.structs import RequirementInformation

    Info = RequirementInformation[Requirement, Candidate]

__all__ = ["Provider", "TraceReporter"]

_NOTHING = FileChoice(None, None)


class Provider(AbstractProvider[Requirement, Candidate, str]):
    def __init__(
        self,
        catalog: Catalog,
        constraints: Mapping[str, Sequence[Requirement]],
        user_order: Mapping[str, int],
        contains_memo: dict[tuple[SpecifierSet, Version], bool],
        only_binary: Callable[[str], bool] = lambda _name: False,
    ) -> None:
        self.catalog = catalog
        self.only_binary = only_binary
        self.constraints = constraints
        self.user_order = user_order
        self._depths: dict[str, float] = {}
        self._candidates: dict[tuple[str, Version, frozenset[str]], Candidate] = {}
        self._contains = contains_memo

    def identify(self, requirement_or_candidate: Requirement | Candidate) -> str:
        return requirement_or_candidate.identifier

    def _allows(self, spec: SpecifierSet, version: Version) -> bool:
        key = (spec, version)
        hit = self._contains.get(key)
        if hit is None:
            hit = spec.contains(version, prereleases=True)
            self._contains[key] = hit
        return hit

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Info]],
        backtrack_causes: Sequence[Info],
    ) -> Iterable[str]:
        if not backtrack_causes:
            return identifiers
        involved = set()
        for cause in backtrack_causes:
            involved.add(cause.requirement.identifier)
            if cause.parent is not None:
                involved.add(cause.parent.identifier)
        ids = list(identifiers)
        narrowed = [i for i in ids if i in involved]
        return narrowed or ids

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Info]],
        backtrack_causes: Sequence[Info],
    ) -> Any:
        infos = list(information[identifier])
        pinned = any(
            spec.operator in ("==", "===") and not spec.version.endswith(".*")
            for info in infos
            for spec in info.requirement.specifier
        )
        order = self.user_order.get(identifier)
        if order is not None:
            depth = 1.0
        else:
            depth = (
                min(
                    (self._depths.get(i.parent.identifier, math.inf) if i.parent else 0.0 for i in infos),
                    default=math.inf,
                )
                + 1.0
            )
        self._depths[identifier] = depth
        unfree = any(str(info.requirement.specifier) for info in infos)
        return (not pinned, depth, order if order is not None else math.inf, not unfree, identifier)

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Requirement]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> list[Candidate]:
        name, extras = split_identifier(identifier)
        reqs = list(requirements[identifier]) + list(self.constraints.get(name, ()))
        bad = {c.version for c in incompatibilities[identifier]}
        specs = [r.specifier for r in reqs if str(r.specifier)]
        explicit_pre = any(s.prereleases for s in specs)
        pins = frozenset().union(*(r.exact_pins for r in reqs)) if reqs else frozenset()
        binary = self.only_binary(name)
        out = []
        for entry in self.catalog.entries(name):
            v = entry.version
            if v in bad:
                continue
            files = entry.files
            if binary and files.wheel is None:
                files = _NOTHING  # --only-binary: an sdist does not count
            if not files.usable:
                # A yanked version is still taken when pinned exactly (PEP 592).
                if v not in pins or not entry.yanked_files.usable:
                    continue
                if binary and entry.yanked_files.wheel is None:
                    continue
                files = entry.yanked_files
            if all(self._allows(s, v) for s in specs):
                key = (name, v, extras)
                cand = self._candidates.get(key)
                if cand is None:
                    cand = Candidate(name, v, extras, files)
                    self._candidates[key] = cand
                out.append(cand)
        if explicit_pre:
            return out
        # PEP 440 as uv applies it: pre-releases only when asked for explicitly, or when no final
        # release works. Offering them after every final one gives exactly that: resolvelib reaches
        # them only once the finals are unusable or have failed in backtracking.
        finals = [c for c in out if not c.version.is_prerelease]
        return finals + [c for c in out if c.version.is_prerelease]

    def is_satisfied_by(self, requirement: Requirement, candidate: Candidate) -> bool:
        return self._allows(requirement.specifier, candidate.version)

    def get_dependencies(self, candidate: Candidate) -> list[Requirement]:
        deps = self.catalog.applicable(candidate.name, candidate.version, candidate.extras)
        # A remote index may fetch what comes next while the resolver works (duck-typed, optional).
        prefetch = getattr(self.catalog.provider, "prefetch", None)
        if prefetch is not None and deps:
            prefetch([d.name for d in deps])
        if candidate.extras:
            # An extra is the base project plus more: tie both to the same version.
            deps = [Requirement(candidate.name, frozenset(), SpecifierSet(f"=={candidate.version}")), *deps]
        return deps


class TraceReporter(BaseReporter[Requirement, Candidate, str]):
    """Remembers who asked for what, so a failure can be traced back to the root requirements."""

    def __init__(self) -> None:
        self.requested_by: dict[str, list[tuple[Requirement, Candidate | None]]] = {}
        self.rounds = 0
        self.backtracks = 0

    def starting_round(self, index: int) -> None:
        self.rounds = index + 1

    def resolving_conflicts(self, causes: Any) -> None:
        self.backtracks += 1

    def adding_requirement(self, requirement: Requirement, parent: Candidate | None) -> None:
        seen = self.requested_by.setdefault(requirement.identifier, [])
        if (requirement, parent) not in seen:
            seen.append((requirement, parent))
