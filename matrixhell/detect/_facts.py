"""What the ecosystem detectors share: marker matching, a fact accumulator, reads that never raise."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from matrixhell.detect.base import DetectContext, finding_from_error, join
from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import Finding, Origin, Severity
from matrixhell.model.facts import Detection, PackageReq, Port, RuntimeReq, StartCommand

__all__ = ["Facts", "ancestors", "has_marker", "member_dirs", "nearest", "read_or_note", "read_text_or_note"]

T = TypeVar("T")


def has_marker(files: Iterable[str], markers: Iterable[str]) -> bool:
    pats = tuple(markers)
    return any(fnmatch.fnmatchcase(f, m) for f in files for m in pats)


def ancestors(ctx: DetectContext) -> Iterator[str]:
    """The service directory, then each parent up to the repository root ('')."""
    d = ctx.directory
    yield d
    while d:
        d = posixpath.dirname(d)
        yield d


def nearest(ctx: DetectContext, name: str) -> str | None:
    """``name`` in the service directory or the nearest ancestor holding it, as version managers,
    MSBuild and the .NET SDK look for their files."""
    for d in ancestors(ctx):
        path = join(d, name)
        if ctx.has(name) if d == ctx.directory and "/" not in name else ctx.view.is_file(path):
            return path
    return None


def member_dirs(ctx: DetectContext) -> tuple[str, ...]:
    """The service directory first, then its workspace members (without repeats)."""
    return tuple(dict.fromkeys((ctx.directory, *ctx.members)))


@dataclass
class Facts:
    """A mutable accumulator that becomes one frozen Detection."""

    detector: str
    languages: list[str] = field(default_factory=list)
    runtimes: list[RuntimeReq] = field(default_factory=list)
    packages: list[PackageReq] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    start_commands: list[StartCommand] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)

    def note(
        self,
        code: str,
        message: str,
        origin: Origin | None,
        *,
        hint: str | None = None,
        severity: Severity = Severity.WARNING,
    ) -> None:
        self.findings.append(Finding(code, severity, message, origin, hint))

    def error(self, err: InputError, severity: Severity = Severity.ERROR) -> None:
        self.findings.append(finding_from_error(err, severity=severity))

    def framework(self, name: str) -> None:
        if name not in self.frameworks:
            self.frameworks.append(name)

    def language(self, name: str) -> None:
        if name not in self.languages:
            self.languages.append(name)

    def default_port(self, number: int, origin: Origin, framework: str) -> None:
        """The port a framework listens on when nothing says otherwise: a guess (``Port.source``
        ``<framework>-default``), which a written port (EXPOSE, compose) outranks."""
        if all(p.number != number for p in self.ports):
            self.ports.append(Port(number, origin=origin, source=f"{framework}-default"))

    def detection(self) -> Detection:
        return Detection(
            detector=self.detector,
            languages=tuple(self.languages),
            runtimes=tuple(sorted(self.runtimes, key=lambda r: r.precedence)),
            packages=tuple(self.packages),
            ports=tuple(self.ports),
            start_commands=tuple(sorted(self.start_commands, key=lambda s: s.precedence)),
            findings=tuple(self.findings),
            files=tuple(dict.fromkeys(self.files)),
            frameworks=tuple(self.frameworks),
        )


def read_or_note(facts: Facts, view: RepoView, path: str, loader: Callable[[RepoView, str], T]) -> T | None:
    """``loader(view, path)``, or None with the error kept as a finding (the scan goes on)."""
    try:
        out = loader(view, path)
    except InputError as e:
        facts.error(e)
        return None
    facts.files.append(path)
    return out


def read_text_or_note(facts: Facts, view: RepoView, path: str) -> str | None:
    return read_or_note(facts, view, path, lambda v, p: v.read_text(p))
