"""What the analyzer concludes: targets, conflicts with their chain of causes, environments, the plan."""

from __future__ import annotations

from dataclasses import dataclass

from matrixhell.model.finding import Severity
from matrixhell.model.origin import Origin

__all__ = ["Cause", "Conflict", "Environment", "Plan", "Target"]


@dataclass(frozen=True, slots=True)
class Target:
    """One concrete place a service can run: a distro release, its libc, a runtime version, a base image."""

    distro: str  # debian | ubuntu | alpine
    release: str  # bookworm | 22.04 | 3.19
    libc: str  # glibc | musl
    libc_version: str  # 2.36 | 1.2.4
    arch: str = "x86_64"
    runtime: str | None = None  # python | node | ...
    runtime_version: str | None = None  # 3.11.9
    base_image: str | None = None  # python:3.11-slim-bookworm
    ssl: str | None = None  # the libssl run-time package of the release: libssl3 | libssl1.1 | libssl3t64

    def label(self) -> str:
        rt = f" {self.runtime} {self.runtime_version}" if self.runtime else ""
        return f"{self.distro} {self.release}{rt}"


@dataclass(frozen=True, slots=True)
class Cause:
    """One link of an explanation: ``subject relation object`` (``api requires python ==3.8.*``).

    ``because`` holds what this link rests on, so a conflict is a derivation tree a person can follow
    down; text is made only when rendering.
    """

    subject: str
    relation: str  # requires | locks | ships | lacks | excludes | provides | conflicts-with | ...
    object: str
    origin: Origin | None = None
    because: tuple[Cause, ...] = ()
    # What the line at ``origin`` itself says, when ``object`` is more than that line (a range merged
    # from several sources, narrowed by what the service pins): ``>=3.12`` beside ``>=3.12,<3.13``.
    says: str | None = None
    # How ``object`` follows from what the line says, when it differs (``its requirements do not
    # install on python 3.13 and later``).
    narrowed_by: str | None = None


@dataclass(frozen=True, slots=True)
class Conflict:
    kind: str  # kebab-case; docs/conflicts.md lists every kind
    severity: Severity
    subjects: tuple[str, ...]  # service names: one for a conflict inside a service, two between
    title: str  # short: "python ==3.8.* and >=3.12 have no version in common"
    causes: tuple[Cause, ...]  # the root-cause pair first
    hint: str | None = None

    @property
    def between_services(self) -> bool:
        return len(self.subjects) > 1

    def key(self) -> tuple[str, tuple[str, ...], str]:
        """Stable identity for baselines (`check`) and de-duplication."""
        return (self.kind, tuple(sorted(self.subjects)), self.title)


@dataclass(frozen=True, slots=True)
class Environment:
    """A set of services that can share one environment, and the target they share."""

    name: str  # env-1, env-2 ... in a deterministic order
    services: tuple[str, ...]
    target: Target
    runtimes: tuple[tuple[str, str], ...] = ()  # (runtime, version) of every runtime its services use


@dataclass(frozen=True, slots=True)
class Plan:
    targets: tuple[tuple[str, Target], ...]  # (service name, chosen target), sorted by service
    environments: tuple[Environment, ...]
    conflicts: tuple[Conflict, ...]
    splits: tuple[tuple[str, str, str], ...] = ()  # (service a, service b, conflict kind) forcing a split
    exact: bool = True  # False when the grouping came from the heuristic (> 30 services)
    # Services in no environment: a static binary or a scratch / distroless final image shares no
    # release, libc or runtime with anyone (service name, why), sorted by name.
    standalone: tuple[tuple[str, str], ...] = ()
    # What a person must know about a service's target, next to it: a release or runtime line past its
    # end of life (service name, note), sorted by service.
    notes: tuple[tuple[str, str], ...] = ()

    def notes_of(self, service: str) -> tuple[str, ...]:
        return tuple(note for name, note in self.notes if name == service)

    def target_of(self, service: str) -> Target | None:
        for name, target in self.targets:
            if name == service:
                return target
        return None

    def has_errors(self) -> bool:
        return any(c.severity is Severity.ERROR for c in self.conflicts)
