"""Overrides a user writes in matrixhell.toml, as frozen values (``matrixhell.config`` parses them)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from matrixhell.model.origin import Origin

__all__ = ["Overrides", "ServiceOverride"]


@dataclass(frozen=True, slots=True)
class ServiceOverride:
    """One ``[services.NAME]`` table (or ``[defaults]``), with the origin of each key it sets."""

    name: str
    origin: Origin
    base: str | None = None
    system_packages: tuple[str, ...] = ()
    start: tuple[str, ...] | None = None
    ports: tuple[int, ...] | None = None  # None: keep the detected ports; () drops them all
    skip: bool = False
    read_only_root: bool | None = None
    cpu: str | None = None
    memory: str | None = None
    uid: int | None = None
    key_origins: tuple[tuple[str, Origin], ...] = ()

    def origin_of(self, key: str) -> Origin:
        for k, o in self.key_origins:
            if k == key:
                return o
        return self.origin


@dataclass(frozen=True, slots=True)
class Overrides:
    source: str | None = None  # repo-relative file the overrides came from
    defaults: ServiceOverride = field(default_factory=lambda: ServiceOverride("*", Origin("?")))
    services: tuple[ServiceOverride, ...] = ()

    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.services)

    def for_service(self, name: str) -> ServiceOverride:
        """The service's table merged over ``[defaults]``: system packages add up, the rest replaces."""
        d = self.defaults
        own = next((s for s in self.services if s.name == name), None)
        if own is None:
            return replace(d, name=name)
        return replace(
            own,
            system_packages=tuple(sorted(set(d.system_packages) | set(own.system_packages))),
            read_only_root=own.read_only_root if own.read_only_root is not None else d.read_only_root,
            cpu=own.cpu or d.cpu,
            memory=own.memory or d.memory,
            uid=own.uid if own.uid is not None else d.uid,
            key_origins=own.key_origins + d.key_origins,
        )
