"""Hints: which release and base image would satisfy a service, said in words.

``api fits debian bookworm (python 3.12, python:3.12-slim-bookworm)`` - the hint a person acts on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from matrixhell.conflicts.profile import CatalogView, Profile
from matrixhell.conflicts.ranges import line_range

__all__ = ["best_slot", "fits", "preferred_line", "releases_text", "split_clauses", "supported_predicate"]


def best_slot(
    profile: Profile, view: CatalogView, slots: Mapping[str, frozenset[str]] | None = None
) -> tuple[str, str | None, str | None] | None:
    """(release key, runtime version, image) of the best place the profile fits, or None."""
    slots = profile.slots if slots is None else slots
    preferred = view.placement(profile.from_image) if profile.from_image else None
    if preferred is not None and preferred[0] in slots:
        key, line = preferred
        release = view.release(key)
        if release is not None and profile.runtime is not None and line in slots[key]:
            return key, line, view.best_image(profile.runtime, line, release, profile.from_image)
    for r in view.releases:
        key = f"{r.distro}:{r.name}"
        if key not in slots:
            continue
        if profile.runtime is None or not slots[key]:
            return key, None, None
        version = preferred_line(profile.runtime, slots[key], supported_predicate(view, profile.runtime))
        return key, version, view.best_image(profile.runtime, version, r, profile.from_image)
    return None


def supported_predicate(view: CatalogView, runtime: str | None) -> Callable[[str], bool | None] | None:
    """Whether a line of ``runtime`` is supported on the judged date, as the view's knowledge says."""
    if runtime is None or view.kn.runtime_eol is None or view.kn.today is None:
        return None
    kn = view.kn
    return lambda line: kn.runtime_supported(runtime, line)


def preferred_line(
    runtime: str | None, versions: Iterable[str], supported: Callable[[str], bool | None] | None = None
) -> str:
    """The line to plan on when several fit: the newest supported one (``supported(line)`` False means
    past its end of life; lines nobody dates count as supported), but for Node the newest even line
    when there is one (odd Node majors never become LTS and leave support after six months)."""
    lines = list(versions)
    if supported is not None:
        lines = [v for v in lines if supported(v) is not False] or lines
    if runtime == "node":
        even = [v for v in lines if v.isdigit() and int(v) % 2 == 0]
        lines = even or lines
    return max(lines, key=lambda v: line_range(v).intervals[0].lo)  # type: ignore[arg-type,return-value]


def fits(profile: Profile, view: CatalogView, slots: Mapping[str, frozenset[str]] | None = None) -> str:
    """``billing fits debian bullseye (python 3.8, python:3.8-slim-bullseye)``, or why nothing does."""
    # Asked once per pair a service is in: remember the answer for the life of the view.
    key = ("fits", profile.name, id(profile), id(slots))
    hit = view.memo.get(key)
    if hit is None:
        hit = view.memo[key] = _fits(profile, view, slots)
    return str(hit)


def _fits(profile: Profile, view: CatalogView, slots: Mapping[str, frozenset[str]] | None) -> str:
    if slots is None and not profile.slots and profile.plan_slots:
        # Nothing fits as written: say where the plan puts it, and that it is a compromise.
        placed = _fits(profile, view, profile.plan_slots)
        return f"{placed}, {_compromise(profile)}" if profile.relaxed else placed
    best = best_slot(profile, view, slots)
    if best is None:
        return f"{profile.name} fits no known release"
    key, version, image = best
    release = view.release(key)
    where = f"{release.distro} {release.name}" if release else key.replace(":", " ")
    if version is None:
        return f"{profile.name} fits {where}"
    detail = f"{profile.runtime} {version}"
    own = release.runtime_version(profile.runtime) if release and profile.runtime else None
    if image:
        detail += f" from {image}"
        if own and not line_range(version).contains(own):
            # Say why an image is named at all: the release's own interpreter is another version.
            detail += f"; {where} itself ships {profile.runtime} {own}"
    return f"{profile.name} fits {where} ({detail})"


def _compromise(p: Profile) -> str:
    """What the plan gave up to place a service nothing fits as written (the last relaxation)."""
    last = p.relaxed[-1]
    if last == "runtime-version":
        return f"the nearest to its {p.runtime} {p.declared}, which no known base offers"
    if last == "runtime-range":
        return f"on what its best-ranked {p.runtime} source says alone"
    if last == "libc":
        return "if it leaves its libc"
    if last == "system-libraries":
        return "without the system libraries it names"
    return "without the Requires-Python of its pins"


def releases_text(keys: list[str] | tuple[str, ...], view: CatalogView) -> str:
    """``debian bullseye, debian bookworm`` in the catalog's preference order."""
    order = {f"{r.distro}:{r.name}": i for i, r in enumerate(view.releases)}
    names = sorted(set(keys), key=lambda k: order.get(k, 1 << 30))
    return ", ".join(k.replace(":", " ") for k in names) if names else "no release"


def split_clauses(hint: str) -> list[str]:
    """A hint's clauses: hints join them with "; " outside parentheses."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(hint):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0 and hint.startswith("; ", i):
            parts.append(hint[start:i])
            start = i + 2
    parts.append(hint[start:])
    return [p.strip() for p in parts if p.strip()]
