"""Why a resolution is impossible, as structured causes, and the uv-style derivation made from them.

The structure is built once, from resolvelib's final causes and the trace of who asked for what; the
text is only made by :meth:`ResolutionImpossible.explain`.  Version ranges are merged over the
versions that exist (``c<2 allows 1.0 … 1.5``), a parent's versions that all ask the same are merged
(``a>=1.0,<=1.3 depend on c<2``), and the pair of requirements that cannot meet comes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matrixhell.errors import ResolutionError
from matrixhell.model.analysis import Cause
from matrixhell.model.origin import Origin

__all__ = ["ConflictCause", "Exclusion", "Requirer", "ResolutionImpossible", "merged_range"]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A version of the project that exists but cannot be used on the target, and why."""

    version: str
    reason: str  # "requires Python >=3.12" | "is yanked" | "is a pre-release" | "has no wheel ..."


@dataclass(frozen=True, slots=True)
class Requirer:
    """One requirement on the conflicting project and the path from the root that brought it."""

    requirement: str  # "c<2"
    parent: str | None  # "a==1.0"; None when the user asked for it directly
    parent_range: str | None  # "a>=1.0,<=1.3" when every such version of a asks the same
    chain: tuple[str, ...]  # pins from the root down to the parent: ("x==2.0", "a==1.0")
    allows: tuple[str, ...]  # the usable versions this requirement admits, newest first
    origin: Origin | None = None  # where the root requirement of the chain was written
    constraint: bool = False  # from a constraints file, not a requirement
    chain_reqs: tuple[str, ...] = ()  # the requirement that chose each pin: ("x", "a<2")
    others: tuple[str, ...] = ()  # other versions of the parent its requirers allow (also no use)
    chain_labels: tuple[str, ...] = ()  # per pin but the last: its merged range, or the pin

    def who(self) -> str:
        if self.parent is None:
            if not self.constraint:
                return "you"
            name = self.origin.path.rpartition("/")[2] if self.origin is not None else ""
            # a lock file's pins reach the resolver as constraints; the user knows them as the lock
            return f"the pins of {name}" if name.endswith(".lock") or name == "pylock.toml" else "your constraints"
        return self.parent_range or self.parent


@dataclass(frozen=True, slots=True)
class ConflictCause:
    """The requirements on one project that no usable version satisfies together."""

    project: str
    requirers: tuple[Requirer, ...]  # the root-cause pair first
    available: tuple[str, ...]  # usable versions on the target, newest first
    excluded: tuple[Exclusion, ...]
    known: bool = True  # False: the index has no such project at all


def _ranges(versions: Sequence[str], available: Sequence[str]) -> str:
    """Merge ``versions`` into ranges over ``available`` (both newest first): ``>=1.0,<=1.5 | ==2.0``."""
    if not versions:
        return "no version"
    chosen = set(versions)
    order = list(reversed(available))  # oldest first
    runs: list[list[str]] = []
    for i, v in enumerate(order):
        if v in chosen:
            if runs and i > 0 and runs[-1][-1] == order[i - 1]:
                runs[-1].append(v)
            else:
                runs.append([v])
    parts = []
    for run in runs:
        if len(run) == 1:
            parts.append(f"=={run[0]}")
        elif run[0] == order[0] and run[-1] == order[-1]:
            parts.append("(all versions)")
        elif run[0] == order[0]:
            parts.append(f"<={run[-1]}")
        elif run[-1] == order[-1]:
            parts.append(f">={run[0]}")
        else:
            parts.append(f">={run[0]},<={run[-1]}")
    return " | ".join(parts)


def _admits(requirement: str, version: str) -> bool:
    """Whether ``requirement``'s specifier takes ``version`` (pre-releases too: the exclusion says why
    they were left out); unreadable input counts as taking it, so the fuller explanation is kept."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion

    try:
        return Requirement(requirement).specifier.contains(version, prereleases=True)
    except (InvalidRequirement, InvalidVersion):
        return True


def _newest_first(versions: Sequence[str]) -> list[str]:
    from packaging.version import InvalidVersion, Version

    def key(v: str) -> tuple[int, Version | str]:
        try:
            return (1, Version(v))
        except InvalidVersion:
            return (0, v)

    return sorted(dict.fromkeys(versions), key=key, reverse=True)


def merged_range(versions: Sequence[str], available: Sequence[str]) -> str:
    """``versions`` (newest first) as a specifier over ``available``: ``>=5.2.1,<=5.3.1``."""
    text = _ranges(versions, available).strip()
    return "" if text == "(all versions)" else text


class ResolutionImpossible(ResolutionError):
    """No set of versions satisfies the requirements on the target.

    ``causes`` holds one :class:`ConflictCause` per project that failed; ``explain()`` renders the
    derivation; ``to_causes()`` gives the analyzer's :class:`~matrixhell.model.Cause` chains.
    """

    def __init__(self, causes: Sequence[ConflictCause], target_label: str, suggestion: str | None = None) -> None:
        self.causes: tuple[ConflictCause, ...] = tuple(causes)
        self.target_label = target_label
        self.suggestion = suggestion  # a target that would work, when only the target is at fault
        # The smallest set of root requirements found that still cannot be satisfied together
        # (empty when the failure was explained without narrowing).
        self.core: tuple[str, ...] = ()
        super().__init__(
            self._headline(),
            hint=suggestion or "run `matrixhell resolve` with the same requirements to see the whole derivation",
        )

    def _headline(self) -> str:
        if not self.causes:
            return f"no solution for {self.target_label}"
        c = self.causes[0]
        reqs = " and ".join(f"{r.requirement} ({r.who()})" for r in c.requirers[:2])
        if not c.known:
            return f"{c.project} is not in the index ({reqs})"
        if len(c.requirers) == 1:
            return f"no usable version of {c.project} matches {reqs} on {self.target_label}"
        return f"{reqs} have no version of {c.project} in common on {self.target_label}"

    def genuine(self) -> bool:
        """True when the causes conflict on their own: no usable version satisfies every requirer of
        a project (or the project does not exist).  resolvelib's last causes need not."""
        for c in self.causes:
            if not c.known:
                return True
            common = set(c.available)
            for r in c.requirers:
                common &= set(r.allows)
            if not common:
                return True
        return False

    # -- text ----------------------------------------------------------------------------------
    def explain(self, verbose: bool = False) -> str:
        lines = [f"No solution for {self.target_label}:"]
        if self.suggestion:
            lines.append(f"  hint: {self.suggestion}")
        if self.core:
            lines.append(f"  These requirements cannot be satisfied together: {', '.join(self.core)}")
        for cause in self.causes:
            lines.extend(f"  {line}" for line in self._derivation(cause))
            lines.extend(f"  {line}" for line in self._details(cause, verbose))
        return "\n".join(lines)

    @staticmethod
    def _depends(r: Requirer) -> str:
        if r.parent is None:
            return f"{r.who()} require {r.requirement}"
        verb = "depend on" if r.parent_range else "depends on"
        return f"{r.who()} {verb} {r.requirement}"

    def _derivation(self, c: ConflictCause) -> list[str]:
        if not c.known:
            first = c.requirers[0] if c.requirers else None
            why = f"Because {c.project} was not found in the index"
            if first is None or first.parent is None:
                return [f"{why} and you require {c.project}, your requirements are unsatisfiable."]
            return [
                f"{why} and {self._depends(first)}, {first.parent} cannot be used.",
                *self._climb([first]),
            ]
        if len(c.requirers) == 1:
            r = c.requirers[0]
            # Only the excluded versions the requirement would otherwise take explain the failure:
            # stripe 16 needing Python 3.9 says nothing about stripe<3.
            relevant = [e for e in c.excluded if _admits(r.requirement, e.version)]
            if relevant and not r.allows:
                excl = ", ".join(f"{c.project}=={e.version} {e.reason}" for e in relevant[:3])
                more = f" (and {len(relevant) - 3} more)" if len(relevant) > 3 else ""
                lead = f"Because {excl}{more},"
            elif c.excluded and not r.allows:
                known = _newest_first([*c.available, *(e.version for e in c.excluded)])
                shown = ", ".join(known[:4]) + (", …" if len(known) > 4 else "")
                lead = f"Because only versions {shown} of {c.project} exist in the index"
            else:
                if len(c.available) == 1:
                    lead = f"Because only {c.project}=={c.available[0]} is available"
                elif c.available:
                    shown = ", ".join(c.available[:4]) + (", …" if len(c.available) > 4 else "")
                    lead = f"Because only versions {shown} of {c.project} are available"
                else:
                    lead = f"Because no version of {c.project} can be used here"
            if r.parent is None:
                return [f"{lead.rstrip(',')} and {self._depends(r)}, your requirements are unsatisfiable."]
            return [f"{lead.rstrip(',')} and {self._depends(r)}, {r.parent} cannot be used.", *self._climb([r])]
        a, b = c.requirers[0], c.requirers[1]
        if a.parent is None and b.parent is None:
            who = "you" if not (a.constraint or b.constraint) else None
            if who:
                return [
                    f"Because you require {a.requirement} and {b.requirement}, your requirements are unsatisfiable."
                ]
            return [f"Because {self._depends(a)} and {self._depends(b)}, your requirements are unsatisfiable."]
        if a.parent is None or b.parent is None:
            inner, outer = (b, a) if a.parent is None else (a, b)
            lines = [f"Because {self._depends(inner)} and {self._depends(outer)}, {inner.who()} cannot be used."]
            lines.extend(self._others(inner))
            return [*lines, *self._climb([inner])]
        lines = [f"Because {self._depends(a)} and {self._depends(b)}, {a.who()} and {b.who()} are incompatible."]
        lines.extend(self._others(a))
        lines.extend(self._others(b))
        lines.extend(self._climb([a, b]))
        return lines

    @staticmethod
    def _others(r: Requirer) -> list[str]:
        if not r.others or r.parent is None:
            return []
        name = r.parent.split("==", 1)[0]
        shown = ", ".join(r.others[:4]) + (", …" if len(r.others) > 4 else "")
        return [f"The other versions of {name} ({shown}) fail too: none leads to a solution."]

    @staticmethod
    def _climb(rs: Sequence[Requirer]) -> list[str]:
        """From the incompatible parents up to what the user asked for, one step per line."""
        chains = [list(zip(r.chain, r.chain_reqs or r.chain, strict=False)) for r in rs if r.parent is not None]
        labels: dict[str, str] = {}
        for r in rs:
            labels.update(zip(r.chain, r.chain_labels, strict=False))
        labels.update({r.chain[-1]: r.who() for r in rs if r.parent is not None and r.chain})
        tops = [r.requirement for r in rs if r.parent is None]
        lines = []
        while any(len(ch) > 1 for ch in chains):
            longest = max(chains, key=len)
            (child, via), (parent, _) = longest[-1], longest[-2]
            longest.pop()
            unique: list[list[tuple[str, str]]] = []
            for ch in chains:
                if ch not in unique:
                    unique.append(ch)
            chains = unique
            heads = _uniq([labels.get(ch[-1][0], ch[-1][0]) for ch in chains] + tops)
            chose = f" (which chose {child})" if via != child and child not in labels else ""
            verdict = f"{heads[0]} cannot be used" if len(heads) == 1 else f"{' and '.join(heads)} are incompatible"
            who = labels.get(parent, parent)
            verb = "depends on" if who == parent else "depend on"
            lines.append(f"And because {who} {verb} {via}{chose}, {verdict}.")
        heads = _uniq([ch[0][1] for ch in chains if ch] + tops)
        lines.append(f"And because you require {' and '.join(heads)}, your requirements are unsatisfiable.")
        return lines

    def _details(self, c: ConflictCause, verbose: bool) -> list[str]:
        out = [f"{c.project}:"]
        width = max((len(r.requirement) for r in c.requirers), default=0)
        for r in c.requirers:
            path = " -> ".join(("you", *r.chain)) if r.parent is not None else r.who()
            where = f" [{r.origin}]" if r.origin else ""
            allows = _ranges(r.allows, c.available)
            out.append(f"  {r.requirement:<{width}}  allows {allows.strip()}  (via {path}){where}")
        if c.available:
            shown = c.available if verbose else c.available[:8]
            more = "" if len(shown) == len(c.available) else f", … {len(c.available) - len(shown)} more"
            out.append(f"  usable here: {', '.join(shown)}{more}")
        excluded = c.excluded if verbose else c.excluded[:5]
        for e in excluded:
            out.append(f"  excluded: {e.version} {e.reason}")
        if len(excluded) < len(c.excluded):
            out.append(f"  excluded: … {len(c.excluded) - len(excluded)} more (--verbose lists them)")
        return out

    # -- model ---------------------------------------------------------------------------------
    def to_causes(self) -> tuple[Cause, ...]:
        """Cause chains for the analyzer: for each failing project the requirers (root-cause pair
        first), each resting on the chain that brought it from the root, then the exclusions."""
        out: list[Cause] = []
        for c in self.causes:
            for r in c.requirers:
                out.append(_requirer_cause(r))
            if not c.known:
                out.append(Cause(c.project, "lacks", "a release in the index"))
            for e in c.excluded:
                out.append(Cause(f"{c.project}=={e.version}", "excluded", e.reason))
        return tuple(out)


def _uniq(items: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for i in items:
        seen.setdefault(i, None)
    return list(seen)


def _requirer_cause(r: Requirer) -> Cause:
    root_subject = "constraints" if r.constraint else "requirements"
    if r.parent is None:
        return Cause(root_subject, "requires", r.requirement, origin=r.origin)
    # chain = (top, ..., parent): build the because-links bottom-up.
    reqs = r.chain_reqs or r.chain
    link = Cause(root_subject, "requires", reqs[0], origin=r.origin)
    for upper, lower in zip(r.chain, reqs[1:], strict=False):
        link = Cause(upper, "requires", lower, because=(link,))
    return Cause(r.parent_range or r.parent, "requires", r.requirement, because=(link,))
