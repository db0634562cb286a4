"""A conflict in words, the way uv explains a failed resolution.

::

    error[disjoint-runtime] billing, web: python ==3.8.18 and >=3.12 have no version in common
      Because billing requires python ==3.8.18 (services/billing/runtime.txt:1) and web requires
      python >=3.12 (services/web/pyproject.toml:5), billing and web cannot share one environment.
      hint: billing fits debian bullseye (python 3.8, python:3.8-slim-bullseye); web fits ...

The root-cause pair (the first two causes) makes the "Because" sentence; ``verbose`` adds the whole
derivation, every cause with what it rests on, indented, each with its origin.
"""

from __future__ import annotations

from collections.abc import Iterable

from matrixhell.model import Cause, Conflict, Plan, Severity

__all__ = ["derivation", "explain", "explain_all", "plan_text"]

_CONCLUSIONS = {
    "runtime-disagreement": "the sources of {s} disagree on its runtime",
    "requires-python": "{s} cannot install it on the runtime it asks for",
    "unsatisfiable-requirements": "no set of versions satisfies the requirements of {s}",
    "no-release-for-lib": "no known release runs {s} as it is written",
    "musl-no-wheel": "{s} must compile it on musl",
    "no-runtime-release": "no known base image runs {s}",
    "eol-release": "{s} runs only where security updates have stopped",
}


def _where(c: Cause) -> str:
    return f" ({c.origin})" if c.origin is not None else ""


def _phrase(c: Cause) -> str:
    # Relations are kebab-case identifiers in the model (runs-on, needs-lib); prose wants words.
    words = " ".join(w for w in (c.subject, c.relation.replace("-", " "), c.object) if w)
    return f"{words}{_where(c)}"


def _conclusion(conflict: Conflict) -> str:
    if len(conflict.subjects) > 2:
        return "they cannot all share one environment"
    if conflict.between_services:
        a, b = conflict.subjects[0], conflict.subjects[1]
        if conflict.severity.value == "error":
            return f"{a} and {b} cannot share one environment"
        return f"{a} and {b} share one environment only at a cost"
    template = _CONCLUSIONS.get(conflict.kind, "{s} has a conflict")
    return template.format(s=conflict.subjects[0] if conflict.subjects else "the service")


def derivation(causes: Iterable[Cause], indent: str = "  ") -> list[str]:
    """Every cause and what it rests on, one per line, deeper links indented further."""
    out: list[str] = []

    def walk(c: Cause, depth: int) -> None:
        out.append(f"{indent * depth}{_phrase(c)}")
        for sub in c.because:
            walk(sub, depth + 1)

    for c in causes:
        walk(c, 0)
    return out


def explain(conflict: Conflict, *, verbose: bool = False) -> str:
    who = ", ".join(conflict.subjects)
    lines = [f"{conflict.severity.value}[{conflict.kind}] {who}: {conflict.title}"]
    roots = conflict.causes[:2]
    if roots:
        because = " and ".join(_phrase(c) for c in roots)
        lines.append(f"  Because {because}, {_conclusion(conflict)}.")
    rest = len(conflict.causes) - len(roots)
    if verbose:
        lines.append("  derivation:")
        lines.extend(f"    {line}" for line in derivation(conflict.causes))
    elif rest > 0 or any(c.because for c in roots):
        more = f"{rest} more cause{'s' if rest != 1 else ''}, " if rest > 0 else ""
        lines.append(f"  ({more}--verbose shows the whole derivation)")
    if conflict.hint:
        lines.append(f"  hint: {conflict.hint}")
    return "\n".join(lines)


def explain_all(conflicts: Iterable[Conflict], *, verbose: bool = False) -> str:
    return "\n\n".join(explain(c, verbose=verbose) for c in conflicts)


def plan_text(plan: Plan, *, verbose: bool = False) -> str:
    """The plan for a person: each environment with its services and their bases, why the others are
    split, then every conflict explained."""
    n_env, n_svc = len(plan.environments), len(plan.targets)
    how = "fewest possible" if plan.exact else "heuristic grouping (DSATUR), not proven fewest"
    services = f"{n_svc} service{'s' if n_svc != 1 else ''}"
    lines = [f"{services} in {n_env} environment{'s' if n_env != 1 else ''} ({how})"]
    targets = dict(plan.targets)
    for env in plan.environments:
        t = env.target
        runtimes = ", ".join(f"{rt} {v}" for rt, v in env.runtimes) or "no runtime"
        lines.append("")
        os_text = f"{t.libc} {t.libc_version}, {t.ssl or 'no libssl'}"
        lines.append(f"{env.name}: {t.distro} {t.release} ({os_text}), {runtimes}")
        width = max(len(s) for s in env.services)
        for s in env.services:
            st = targets.get(s)
            base = st.base_image if st is not None and st.base_image else "-"
            rt = f"{st.runtime} {st.runtime_version}" if st is not None and st.runtime else "-"
            lines.append(f"  {s.ljust(width)}  {rt:<12}  {base}")
    if plan.splits:
        lines += ["", "why they are split:"]
        by_pair: dict[tuple[str, str], list[str]] = {}
        for a, b, kind in plan.splits:
            by_pair.setdefault((a, b), []).append(kind)
        titles = {(tuple(sorted(c.subjects)), c.kind): c.title for c in plan.conflicts if c.between_services}
        for (a, b), kinds in sorted(by_pair.items()):
            reasons = "; ".join(f"{k}: {titles.get(((a, b), k), '')}".rstrip(": ") for k in kinds)
            lines.append(f"  {a} / {b}: {reasons}")
    if plan.conflicts:
        errors = sum(1 for c in plan.conflicts if c.severity is Severity.ERROR)
        warnings = len(plan.conflicts) - errors
        lines += [
            "",
            f"conflicts: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
            "",
        ]
        lines.append(explain_all(plan.conflicts, verbose=verbose))
    else:
        lines += ["", "no conflicts"]
    return "\n".join(lines) + "\n"
