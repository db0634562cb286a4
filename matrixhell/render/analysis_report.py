"""An analysis as text, Markdown or data: the matrix, the environments, and every conflict explained.

Pure: it takes the analysis object (anything with ``plan`` and ``matrix``) and returns text.
"""

from __future__ import annotations

from typing import Any, Protocol

from matrixhell.model import Cause, Conflict, Plan
from matrixhell.render.explain import explain_all
from matrixhell.render.matrix import Matrix, matrix_table

__all__ = ["analysis_markdown", "analysis_text", "analysis_to_data"]


class _Analysis(Protocol):
    @property
    def plan(self) -> Plan: ...

    @property
    def matrix(self) -> Matrix: ...


def _environments(plan: Plan) -> list[str]:
    exact = "" if plan.exact else " (heuristic grouping: more than 30 services)"
    lines = [f"{len(plan.environments)} shared environment{'s' if len(plan.environments) != 1 else ''}{exact}:"]
    for env in plan.environments:
        base = f", base {env.target.base_image}" if env.target.base_image else ""
        lines.append(f"  {env.name}: {', '.join(env.services)}  ({env.target.label()}{base})")
    return lines


def analysis_text(analysis: _Analysis, *, verbose: bool = False) -> str:
    plan = analysis.plan
    parts = ["the matrix:", matrix_table(analysis.matrix), "", *_environments(plan)]
    if plan.conflicts:
        errors = sum(1 for c in plan.conflicts if c.severity.value == "error")
        parts += ["", f"conflicts: {errors} error(s), {len(plan.conflicts) - errors} warning(s)"]
        parts.append(explain_all(plan.conflicts, verbose=verbose))
    else:
        parts += ["", "no conflicts: every service can share one environment"]
    return "\n".join(parts) + "\n"


def analysis_markdown(analysis: _Analysis, *, verbose: bool = False) -> str:
    plan = analysis.plan
    out = ["## The matrix", "", "```", matrix_table(analysis.matrix), "```", "", "## Environments", ""]
    out += [f"- {line.strip()}" for line in _environments(plan)[1:]]
    if plan.conflicts:
        out += ["", "## Conflicts", "", "```", explain_all(plan.conflicts, verbose=verbose), "```"]
    return "\n".join(out) + "\n"


def _cause(c: Cause) -> dict[str, Any]:
    return {
        "subject": c.subject,
        "relation": c.relation,
        "object": c.object,
        "origin": c.origin.to_json() if c.origin else None,
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
            {"name": e.name, "services": list(e.services), "target": _target(e.target),
             "runtimes": [{"runtime": r, "version": v} for r, v in e.runtimes]}
            for e in plan.environments
        ],
        "targets": {name: _target(t) for name, t in plan.targets},
        "splits": [{"a": a, "b": b, "kind": k} for a, b, k in plan.splits],
        "exact": plan.exact,
        "matrix": analysis.matrix.to_json(),
    }


def _target(t: Any) -> dict[str, Any]:
    return {
        "distro": t.distro, "release": t.release, "libc": t.libc, "libc_version": t.libc_version,
        "arch": t.arch, "runtime": t.runtime, "runtime_version": t.runtime_version,
        "base_image": t.base_image, "ssl": t.ssl,
    }
