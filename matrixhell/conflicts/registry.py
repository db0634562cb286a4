"""The rule registry: every conflict kind is one registered rule, inside a service or between two.

A rule module declares its rules with :func:`service_rule` / :func:`pair_rule`; :func:`rules` hands them
back sorted by kind (``matrixhell.conflicts`` imports every family module), so output order never
depends on import order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from matrixhell.model import Conflict, Severity

if TYPE_CHECKING:
    from matrixhell.conflicts.knowledge import Knowledge
    from matrixhell.conflicts.profile import CatalogView, Profile

__all__ = ["Rule", "RuleContext", "fallback_rule", "pair_rule", "rules", "service_rule"]


@dataclass(frozen=True)
class RuleContext:
    """What a rule may consult besides the profiles it is given."""

    kn: Knowledge
    view: CatalogView
    profiles: tuple[Profile, ...] = ()
    by_name: dict[str, Profile] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    kind: str
    scope: str  # service | pair | fallback
    severity: Severity  # the usual severity; a rule may lower it case by case
    summary: str
    check: Callable[..., Iterable[Conflict]]


_RULES: dict[str, Rule] = {}


def _register(kind: str, scope: str, severity: Severity, summary: str) -> Callable[[Any], Any]:
    def deco(fn: Callable[..., Iterable[Conflict]]) -> Callable[..., Iterable[Conflict]]:
        if kind in _RULES:
            raise ValueError(f"conflict kind {kind!r} registered twice")
        _RULES[kind] = Rule(kind, scope, severity, summary, fn)
        return fn

    return deco


def service_rule(kind: str, severity: Severity, summary: str) -> Callable[[Any], Any]:
    """``check(profile, ctx) -> Iterable[Conflict]``: a conflict inside one service."""
    return _register(kind, "service", severity, summary)


def pair_rule(kind: str, severity: Severity, summary: str) -> Callable[[Any], Any]:
    """``check(a, b, ctx) -> Iterable[Conflict]``: why two services cannot share one environment."""
    return _register(kind, "pair", severity, summary)


def fallback_rule(kind: str, severity: Severity, summary: str) -> Callable[[Any], Any]:
    """``check(a, b, ctx)``: runs only for a pair that cannot share and that no pair rule explained."""
    return _register(kind, "fallback", severity, summary)


def rules(scope: str | None = None) -> tuple[Rule, ...]:
    """The registered rules of ``scope`` (all when None), sorted by kind: import order never matters."""
    return tuple(sorted((r for r in _RULES.values() if scope is None or r.scope == scope), key=lambda r: r.kind))
