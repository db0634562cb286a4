"""What the pure analyzer needs to know about the world, as small Protocols and one bundle.

The analyzer never loads anything: :func:`matrixhell.analyze.analyze` wires the real catalog, native
library map, metadata provider and resolver into a :class:`Knowledge`, and tests hand in small fakes.
Each optional part may be ``None``; the rules that need it then stay silent rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from matrixhell.model import Cause, Ecosystem, Origin

__all__ = [
    "CatalogLike",
    "HasWheel",
    "ImageLike",
    "Knowledge",
    "LibraryPackagesLike",
    "NativeNeedsLike",
    "ReleaseLike",
    "Resolve",
    "ResolveOutcome",
    "RuntimeEnd",
    "release_key",
]


class LibraryPackagesLike(Protocol):
    @property
    def build(self) -> Sequence[str]: ...

    @property
    def run(self) -> Sequence[str]: ...


class ReleaseLike(Protocol):
    @property
    def distro(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def libc(self) -> str: ...

    @property
    def libc_version(self) -> str: ...

    @property
    def eol(self) -> object: ...

    @property
    def ssl(self) -> str | None: ...

    def has(self, name: str) -> bool: ...

    def runtime_version(self, runtime: str) -> str | None: ...

    def library_packages(self, logical_lib: str) -> LibraryPackagesLike | None: ...


class ImageLike(Protocol):
    @property
    def reference(self) -> str: ...

    @property
    def distro(self) -> str: ...

    @property
    def release(self) -> str: ...

    @property
    def libc(self) -> str: ...

    @property
    def runtime(self) -> str | None: ...

    @property
    def runtime_version(self) -> str | None: ...

    @property
    def variant(self) -> str | None: ...


class CatalogLike(Protocol):
    @property
    def releases(self) -> Iterable[ReleaseLike]: ...

    def image(self, reference: str) -> ImageLike | None: ...

    def images_for(self, runtime: str, version: str) -> Sequence[ImageLike]: ...


class NativeNeedsLike(Protocol):
    @property
    def libraries(self) -> Sequence[str]: ...

    @property
    def build_tools(self) -> Sequence[str]: ...

    @property
    def wheel_bundles(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class ResolveOutcome:
    """The resolver's word on one service at one runtime version: pins, or the causes of failure."""

    ok: bool
    pins: Mapping[str, str] = field(default_factory=dict)
    causes: tuple[Cause, ...] = ()
    message: str = ""
    decided: bool = True  # False when the resolver gave up or could not tell: no verdict either way


class HasWheel(Protocol):
    """``has_wheel(name, version, python, libc, libc_version)``: whether a wheel of that release installs
    on CPython ``python`` over ``libc`` (glibc | musl) at ``libc_version`` (``2.31``, ``1.2.5``; the
    release's, so bullseye and bookworm get different verdicts); None when nobody knows."""

    def __call__(
        self, name: str, version: str, python: str, libc: str, libc_version: str | None = None, /
    ) -> bool | None: ...


class Resolve(Protocol):
    """``resolve(requirements, constraints, python, libc, origins, libc_version)``: the resolver's outcome
    for CPython ``python`` on ``libc`` at ``libc_version`` (the manylinux / musllinux tag it allows)."""

    def __call__(
        self,
        requirements: tuple[str, ...],
        constraints: tuple[str, ...],
        python: str,
        libc: str,
        origins: Mapping[str, Origin],
        libc_version: str | None = None,
        /,
    ) -> ResolveOutcome: ...


RuntimeEnd = Callable[[str, str], date | None]


def release_key(distro: str, name: str) -> str:
    return f"{distro}:{name}"


@dataclass(frozen=True)
class Knowledge:
    """Everything the rules and the planner may consult.

    - ``runtime_versions``: the release lines known per runtime, newest first (``python``: 3.13, 3.12...)
    - ``native_needs(ecosystem, name)``: the logical system libraries a package needs, or None
    - ``requires_python(name, version)``: the version's Requires-Python text, None when it has none,
      and raises LookupError when the provider does not know the version
    - ``versions_of(name)``: every (version, Requires-Python) the provider knows, for hints
    - ``has_wheel(name, version, python, libc, libc_version)``: True / False, or None when nobody knows;
      ``libc_version`` is the candidate release's (a manylinux_2_34 wheel fits glibc 2.36, not 2.31)
    - ``resolve(requirements, constraints, python, libc, origins, libc_version)``: the resolver's outcome
      on PEP 508 lines for CPython ``python`` on ``libc`` (glibc | musl) at ``libc_version``; ``origins``
      maps a project name to where it was asked for
    - ``runtime_eol(runtime, version)``: the last day the runtime's release line is supported, None
      when unknown or open-ended (curated, data/runtimes.json)
    - ``today``: the date "supported" is judged at (EOL), never read from the host by the core
    """

    catalog: CatalogLike
    runtime_versions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    native_needs: Callable[[Ecosystem, str], NativeNeedsLike | None] | None = None
    requires_python: Callable[[str, str], str | None] | None = None
    versions_of: Callable[[str], Sequence[tuple[str, str | None]]] | None = None
    has_wheel: HasWheel | None = None
    resolve: Resolve | None = None
    today: date | None = None
    runtime_eol: RuntimeEnd | None = None

    def runtime_supported(self, runtime: str, version: str) -> bool | None:
        """Whether ``runtime`` ``version`` is still supported on ``today``; None when nobody knows."""
        if self.runtime_eol is None or self.today is None:
            return None
        end = self.runtime_eol(runtime, version)
        return None if end is None else end > self.today

    def releases(self) -> tuple[ReleaseLike, ...]:
        return tuple(self.catalog.releases)
