"""Conflicts inside a service and between services: rules in a registry, one module per family.

Importing this package registers every rule, in a fixed order (runtime, packages, OS libraries, libc,
targets), which is the order conflicts come out in.
"""

from matrixhell.conflicts import libc as _libc
from matrixhell.conflicts import oslibs as _oslibs
from matrixhell.conflicts import packages as _packages
from matrixhell.conflicts import runtime as _runtime
from matrixhell.conflicts import target as _target
from matrixhell.conflicts.engine import can_share, find_conflicts, make_context
from matrixhell.conflicts.knowledge import Knowledge, ResolveOutcome
from matrixhell.conflicts.profile import Profile, build_profiles
from matrixhell.conflicts.registry import Rule, RuleContext, rules

# The family modules register their rules on import; the names keep that import explicit.
_FAMILIES = (_runtime, _packages, _oslibs, _libc, _target)

__all__ = [
    "Knowledge",
    "Profile",
    "ResolveOutcome",
    "Rule",
    "RuleContext",
    "build_profiles",
    "can_share",
    "find_conflicts",
    "make_context",
    "rules",
]
