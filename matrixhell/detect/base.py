"""The Detector protocol: how an ecosystem plugs into the scan.

A detector is handed one service directory through a DetectContext and returns a Detection: facts, each
with its Origin, and findings for the input it could not read.  Detectors only read (through the
RepoView), never raise for bad input (they return a Finding instead), and know nothing of each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import Finding, Severity
from matrixhell.model.facts import Detection

__all__ = ["DetectContext", "Detector", "finding_from_error", "join"]


def join(directory: str, name: str) -> str:
    """Repo-relative path of ``name`` inside ``directory`` ('' is the root)."""
    return f"{directory}/{name}" if directory else name


@dataclass(frozen=True)
class DetectContext:
    view: RepoView
    directory: str  # the service directory, repo-relative ('' for the root)
    files: frozenset[str]  # names of the files directly in ``directory`` (after ignore rules)
    members: tuple[str, ...] = ()  # workspace member directories that belong to this service
    env: dict[str, str] = field(default_factory=dict)  # .env values usable for ${VAR} interpolation

    def path(self, name: str) -> str:
        return join(self.directory, name)

    def has(self, name: str) -> bool:
        return name in self.files


class Detector(Protocol):
    #: short name: python | node | go | ruby | java | dotnet | php | rust | dockerfile | procfile | apt
    name: str
    #: file names (exact, or fnmatch globs like ``*.csproj``) whose presence makes a directory a manifest
    #: root of this ecosystem; discovery uses them and the benchmark's floor reads exactly these.
    markers: tuple[str, ...]

    def applies(self, ctx: DetectContext) -> bool: ...

    def detect(self, ctx: DetectContext) -> Detection: ...


def finding_from_error(err: InputError, *, service: str | None = None, severity: Severity = Severity.ERROR) -> Finding:
    """The Finding a detector returns instead of raising: same code, origin, message and hint."""
    return Finding(
        code=err.code,
        severity=severity,
        message=err.message,
        origin=err.origin,
        hint=err.hint,
        service=service,
    )


DetectorFactory = Callable[[], Detector]
