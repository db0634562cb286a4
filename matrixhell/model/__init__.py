"""Frozen values only: the vocabulary every layer speaks.

The analysis values (Cause, Conflict, Environment, Plan, Target) are imported on first use: a scan
never needs them, and building dataclasses is a measurable part of starting one.
"""

from typing import TYPE_CHECKING, Any

from matrixhell.model.facts import (
    BaseImage,
    Detection,
    Ecosystem,
    EnvVar,
    NativeLibrary,
    PackageReq,
    Port,
    RuntimeReq,
    Scope,
    StartCommand,
    SystemPackage,
)
from matrixhell.model.finding import Finding, Severity
from matrixhell.model.origin import Origin
from matrixhell.model.service import ComposeService, ScanResult, Service, ServiceKind, Skip

if TYPE_CHECKING:
    from matrixhell.model.analysis import Cause, Conflict, Environment, Plan, Target

_ANALYSIS = frozenset({"Cause", "Conflict", "Environment", "Plan", "Target"})


def __getattr__(name: str) -> Any:
    if name in _ANALYSIS:
        from matrixhell.model import analysis

        value = getattr(analysis, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BaseImage",
    "Cause",
    "ComposeService",
    "Conflict",
    "Detection",
    "Ecosystem",
    "EnvVar",
    "Environment",
    "Finding",
    "NativeLibrary",
    "Origin",
    "PackageReq",
    "Plan",
    "Port",
    "RuntimeReq",
    "ScanResult",
    "Scope",
    "Service",
    "ServiceKind",
    "Severity",
    "Skip",
    "StartCommand",
    "SystemPackage",
    "Target",
]
