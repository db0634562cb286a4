"""The place a resolution is for: a Python version, an implementation, a platform tag.

Markers and Requires-Python are evaluated against this, never against the host running matrixhell.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging import tags
from packaging.version import InvalidVersion, Version

from matrixhell.errors import UsageError

if TYPE_CHECKING:
    from matrixhell.model.analysis import Target

__all__ = ["ResolveTarget"]

_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_(\w+)$")
_MUSLLINUX = re.compile(r"^musllinux_(\d+)_(\d+)_(\w+)$")
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "armv8": "aarch64"}
_IMPLEMENTATIONS = {"cp": ("cpython", "CPython"), "pp": ("pypy", "PyPy")}


def _arch(arch: str) -> str:
    return _ARCH_ALIASES.get(arch.lower(), arch.lower())


@dataclass(frozen=True, slots=True)
class ResolveTarget:
    """``ResolveTarget(python_version="3.11", platform="manylinux_2_36_x86_64", implementation="cp")``.

    ``python_version`` is ``X.Y`` or ``X.Y.Z`` (``X.Y`` stands for ``X.Y.0`` in python_full_version,
    as pip's and uv's ``--python-version`` do).  ``platform`` is one platform tag: manylinux_2_N_ARCH,
    musllinux_1_N_ARCH, a legacy manylinux2014_ARCH, or linux_ARCH (then only pure wheels and sdists
    count: a plain linux wheel is built for one machine, not a target).
    """

    python_version: str = "3.11"
    platform: str = "manylinux_2_36_x86_64"
    implementation: str = "cp"
    _parsed: tuple[tuple[int, ...], str, str, tuple[int, int] | None] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        try:
            v = Version(self.python_version)
        except InvalidVersion as e:
            raise UsageError(
                f"--python {self.python_version!r} is not a Python version",
                hint="give X.Y or X.Y.Z, e.g. 3.11",
            ) from e
        if len(v.release) < 2 or v.release[0] < 2:
            raise UsageError(f"--python {self.python_version!r}: give X.Y or X.Y.Z", hint="e.g. 3.11")
        if self.implementation not in _IMPLEMENTATIONS:
            raise UsageError(
                f"implementation {self.implementation!r} is not known", hint="use cp (CPython) or pp (PyPy)"
            )
        libc, arch, libc_version = self._parse_platform(self.platform)
        object.__setattr__(self, "_parsed", (v.release, libc, arch, libc_version))

    @staticmethod
    def _parse_platform(platform: str) -> tuple[str, str, tuple[int, int] | None]:
        m = _MANYLINUX.match(platform)
        if m:
            return "glibc", m.group(3), (int(m.group(1)), int(m.group(2)))
        m = _MUSLLINUX.match(platform)
        if m:
            return "musl", m.group(3), (int(m.group(1)), int(m.group(2)))
        for legacy, version in _LEGACY_MANYLINUX.items():
            if platform.startswith(legacy + "_"):
                return "glibc", platform[len(legacy) + 1 :], version
        if platform.startswith("linux_"):
            return "unknown", platform[len("linux_") :], None
        raise UsageError(
            f"platform {platform!r} is not a Linux platform tag",
            hint="use manylinux_2_36_x86_64, musllinux_1_2_x86_64, manylinux2014_aarch64 or linux_x86_64",
        )

    # -- constructors --------------------------------------------------------------------------
    @classmethod
    def from_release(
        cls,
        python_version: str,
        libc: str,
        libc_version: str,
        arch: str = "x86_64",
        implementation: str = "cp",
    ) -> ResolveTarget:
        """From a distro release's facts: glibc 2.36 on x86_64 -> manylinux_2_36_x86_64."""
        parts = libc_version.split(".")
        if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
            raise UsageError(f"libc version {libc_version!r} must be MAJOR.MINOR", hint="e.g. 2.36 or 1.2.4")
        major, minor = parts[0], parts[1]
        if libc == "glibc":
            platform = f"manylinux_{major}_{minor}_{_arch(arch)}"
        elif libc == "musl":
            platform = f"musllinux_{major}_{minor}_{_arch(arch)}"
        else:
            raise UsageError(f"libc {libc!r} is not known", hint="use glibc or musl")
        return cls(python_version=python_version, platform=platform, implementation=implementation)

    @classmethod
    def from_model(cls, target: Target) -> ResolveTarget:
        """From the analyzer's Target (its runtime_version is the Python version)."""
        if not target.runtime_version:
            raise UsageError(f"target {target.label()} names no Python version", hint="set runtime_version")
        return cls.from_release(target.runtime_version, target.libc, target.libc_version, target.arch)

    # -- derived facts -------------------------------------------------------------------------
    @property
    def python_release(self) -> tuple[int, ...]:
        return self._parsed[0]

    @property
    def python_full_version(self) -> str:
        release = self.python_release
        return ".".join(str(p) for p in (*release, 0, 0)[:3])

    @property
    def python_short(self) -> str:
        return f"{self.python_release[0]}.{self.python_release[1]}"

    @property
    def libc(self) -> str:
        return self._parsed[1]

    @property
    def arch(self) -> str:
        return self._parsed[2]

    def label(self) -> str:
        return f"python {self.python_version} on {self.platform}"

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker variables as they are inside the target, not on this host."""
        impl_name, impl_platform = _IMPLEMENTATIONS[self.implementation]
        return {
            "implementation_name": impl_name,
            "implementation_version": self.python_full_version,
            "os_name": "posix",
            "platform_machine": self.arch,
            "platform_python_implementation": impl_platform,
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": self.python_full_version,
            "python_version": self.python_short,
            "sys_platform": "linux",
        }

    def platform_tags(self) -> tuple[str, ...]:
        """Platform tags a wheel may carry to run here, best first."""
        return _platform_tags(self.libc, self.arch, self._parsed[3])

    def supported_tags(self) -> dict[tags.Tag, int]:
        """Every compatible wheel tag mapped to its rank (0 is best), like pip's supported tags."""
        return _supported_tags(self.implementation, self.python_release[:2], self.platform_tags())


@functools.cache
def _platform_tags(libc: str, arch: str, version: tuple[int, int] | None) -> tuple[str, ...]:
    out: list[str] = []
    if libc == "glibc" and version is not None:
        major, minor = version
        for m in range(minor, 4, -1):
            out.append(f"manylinux_{major}_{m}_{arch}")
            for legacy, (lmaj, lmin) in _LEGACY_MANYLINUX.items():
                if (lmaj, lmin) == (major, m):
                    out.append(f"{legacy}_{arch}")
    elif libc == "musl" and version is not None:
        major, minor = version
        out.extend(f"musllinux_{major}_{m}_{arch}" for m in range(minor, -1, -1))
    return tuple(out)


@functools.cache
def _supported_tags(implementation: str, python: tuple[int, ...], platforms: tuple[str, ...]) -> dict[tags.Tag, int]:
    py = (python[0], python[1])
    interpreter = f"{implementation}{py[0]}{py[1]}"
    if implementation == "cp":
        specific = list(tags.cpython_tags(py, abis=[interpreter], platforms=platforms or ["none-only"]))
    else:
        # The ABI of PyPy 7.3 (every PyPy 3.x release line since 2020); abis=None would read this host.
        abi = f"pypy{py[0]}{py[1]}_pp73"
        specific = list(tags.generic_tags(interpreter, abis=[abi], platforms=platforms or ["none-only"]))
    if not platforms:
        specific = [t for t in specific if t.platform != "none-only"]
    ordered = specific + list(tags.compatible_tags(py, interpreter, platforms=platforms))
    ranks: dict[tags.Tag, int] = {}
    for tag in ordered:
        ranks.setdefault(tag, len(ranks))
    # compatible_tags adds "any" last; without platforms we still need pure wheels.
    for tag in tags.compatible_tags(py, interpreter, platforms=[]):
        ranks.setdefault(tag, len(ranks))
    return ranks
