"""Dependency resolution for a target (Python version, implementation, platform), never the host.

resolvelib does the search; candidates come from a :class:`~matrixhell.knowledge.index.MetadataProvider`;
failures are :class:`ResolutionImpossible` with structured causes, a uv-style derivation and
:class:`~matrixhell.model.Cause` chains for the analyzer.
"""

from matrixhell.resolution.explain import ConflictCause, Exclusion, Requirer, ResolutionImpossible
from matrixhell.resolution.resolver import Resolution, Resolver, resolve
from matrixhell.resolution.target import ResolveTarget
from matrixhell.resolution.wheels import FileChoice, WheelChoice, wheel_for

__all__ = [
    "ConflictCause",
    "Exclusion",
    "FileChoice",
    "Requirer",
    "Resolution",
    "ResolutionImpossible",
    "ResolveTarget",
    "Resolver",
    "WheelChoice",
    "resolve",
    "wheel_for",
]
