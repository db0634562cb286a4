"""Frozen values only: the vocabulary every layer speaks."""

from matrixhell.model.analysis import Cause, Conflict, Environment, Plan, Target
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
