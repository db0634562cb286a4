"""An analysis as text, Markdown or data: the matrix, the environments, and every conflict explained.

Pure: it takes the analysis object (anything with ``plan`` and ``matrix``) and returns text.
"""

from __future__ import annotations

from typing import Any, Protocol

from matrixhell.model import Cause, Conflict, Finding, Plan
from matrixhell.render.explain import environment_label, explain_all
from matrixhell.render.matrix import Matrix, matrix_table

__all__ = ["analysis_markdown", "analysis_text", "analysis_to_data"]


class _Analysis(Protocol):
    @property
    def plan(self) -> Plan: ...

    @property
    def matrix(self) -> Matrix: ...


def _environments(plan: Plan) -> list[str]:
    if not plan.environments and not plan.standalone:
        return ["nothing to build: no service has code in this repository (image-only services are not planned)"]
    exact = "" if plan.exact else " (heuristic grouping: more than 30 services)"
    n = len(plan.environments)
    lines = [f"{n} shared environment{'s' if n != 1 else ''}{exact}:"]
    for env in plan.environments:
        lines.append(f"  {env.name}: {', '.join(env.services)}  ({environment_label(env)})")
    for name, why in plan.standalone:
        lines.append(f"  {name}: on its own image, in no environment ({why})")
    for name, note in plan.notes:
        lines.append(f"  {name}: {note}")
    return lines


def _same_fact(c: Conflict, f: Finding) -> bool:
    """A scan finding that already says what the conflict says: same code, service and sources."""
    if c.kind != f.code or c.subjects != (f.service,) or f.origin is None:
        return False
    named = f.message + " " + str(f.origin)
    return all(str(x.origin) in named for x in c.causes if x.origin is not None)


def _split(analysis: _Analysis) -> tuple[list[Conflict], list[Conflict]]:
    """(conflicts to explain, conflicts the scan's findings list already shows with their file:line)."""
    scan = getattr(analysis, "scan", None)
    findings: list[Finding] = list(scan.all_findings()) if scan is not None else []
    shown: list[Conflict] = []
    rest: list[Conflict] = []
    for c in analysis.plan.conflicts:
        (shown if any(_same_fact(c, f) for f in findings) else rest).append(c)
    return rest, shown


def _conflicts_header(plan: Plan, shown: list[Conflict]) -> str:
    counts = {s: sum(1 for c in plan.conflicts if c.severity.value == s) for s in ("error", "warning", "info")}
    words = {"error": "error", "warning": "warning", "info": "note"}
    head = "conflicts: " + ", ".join(f"{n} {words[s]}{'' if n == 1 else 's'}" for s, n in counts.items())
    if shown:
        listed = ", ".join(f"{c.severity.value} {c.kind} ({', '.join(c.subjects)})" for c in shown)
        head += f"; under findings above: {listed}"
    return head


def analysis_text(analysis: _Analysis, *, verbose: bool = False) -> str:
    plan = analysis.plan
    parts = ["the matrix:", matrix_table(analysis.matrix), "", *_environments(plan)]
    if plan.conflicts:
        rest, shown = _split(analysis)
        parts += ["", _conflicts_header(plan, shown)]
        if rest:
            parts.append(explain_all(rest, verbose=verbose))
    else:
        parts += ["", "no conflicts: every service can share one environment"]
    return "\n".join(parts) + "\n"


def analysis_markdown(analysis: _Analysis, *, verbose: bool = False) -> str:
    plan = analysis.plan
    out = ["## The matrix", "", "```", matrix_table(analysis.matrix), "```", "", "## Environments", ""]
    out += [f"- {line.strip()}" for line in _environments(plan)[1:]]
    if plan.conflicts:
        rest, shown = _split(analysis)
        out += ["", "## Conflicts", "", _conflicts_header(plan, shown)]
        if rest:
            out += ["", "```", explain_all(rest, verbose=verbose), "```"]
    return "\n".join(out) + "\n"


def _cause(c: Cause) -> dict[str, Any]:
    return {
        "subject": c.subject,
        "relation": c.relation,
        "object": c.object,
        "origin": c.origin.to_json() if c.origin else None,
        "says": c.says,
        "narrowed_by": c.narrowed_by,
        "because": [_cause(b) for b in c.because],
    }


def _conflict(c: Conflict) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "severity": c.severity.value,
        "subjects": list(c.subjects),
        "title": c.title,
        "hint": c.hint,
        "causes": [_cause(x) for x in c.causes],
    }


def analysis_to_data(analysis: _Analysis) -> dict[str, Any]:
    plan = analysis.plan
    return {
        "conflicts": [_conflict(c) for c in plan.conflicts],
        "environments": [
            {
                "name": e.name,
                "services": list(e.services),
                "target": _target(e.target),
                "runtimes": [{"runtime": r, "version": v} for r, v in e.runtimes],
            }
            for e in plan.environments
        ],
        "targets": {name: _target(t) for name, t in plan.targets},
        "splits": [{"a": a, "b": b, "kind": k} for a, b, k in plan.splits],
        "exact": plan.exact,
        "standalone": [{"service": s, "why": why} for s, why in plan.standalone],
        "notes": [{"service": s, "note": note} for s, note in plan.notes],
        "matrix": analysis.matrix.to_json(),
    }


def _target(t: Any) -> dict[str, Any]:
    return {
        "distro": t.distro,
        "release": t.release,
        "libc": t.libc,
        "libc_version": t.libc_version,
        "arch": t.arch,
        "runtime": t.runtime,
        "runtime_version": t.runtime_version,
        "base_image": t.base_image,
        "ssl": t.ssl,
    }
