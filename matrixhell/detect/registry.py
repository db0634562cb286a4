"""The detectors the scan runs, by name.  Imported lazily so a scan pays only for what it needs.

``MARKERS`` repeats each detector's marker files, so that a scan can tell which directories a detector
could apply to without importing it: ``lazy(name)`` is a stand-in that imports the detector's module
the first time a directory holds one of its markers (a repository without a Gemfile never imports the
Ruby readers).  A test keeps ``MARKERS`` equal to the detectors' own ``markers``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from typing import Any

from matrixhell.detect.base import DetectContext, Detector
from matrixhell.model.facts import Detection

__all__ = ["DETECTORS", "MARKERS", "LazyDetector", "all_detectors", "lazy", "load", "marker_test"]

#: name -> "module:Class".  Order matters only for display; every detector that applies runs.
DETECTORS: dict[str, str] = {
    "python": "matrixhell.detect.python:PythonDetector",
    "node": "matrixhell.detect.node:NodeDetector",
    "go": "matrixhell.detect.golang:GoDetector",
    "ruby": "matrixhell.detect.ruby:RubyDetector",
    "java": "matrixhell.detect.java:JavaDetector",
    "dotnet": "matrixhell.detect.dotnet:DotnetDetector",
    "php": "matrixhell.detect.php:PhpDetector",
    "rust": "matrixhell.detect.rust:RustDetector",
    "dockerfile": "matrixhell.detect.dockerfile:DockerfileDetector",
    "procfile": "matrixhell.detect.procfile:ProcfileDetector",
    "apt": "matrixhell.detect.apt:AptDetector",
}

# fmt: off
#: name -> the detector's ``markers``, known without importing it (tests/detect keeps them equal)
MARKERS: dict[str, tuple[str, ...]] = {
    "python": ("requirements*.txt", "*requirements*.txt", "requirements*.in", "pyproject.toml", "Pipfile",
               "Pipfile.lock", "setup.py", "setup.cfg", "poetry.lock", "uv.lock", "pdm.lock", "pylock.toml",
               "pylock.*.toml", "runtime.txt"),
    "node": ("package.json",),
    "go": ("go.mod", "go.work"),
    "ruby": ("Gemfile", "gems.rb"),
    "java": ("pom.xml", "build.gradle", "build.gradle.kts"),
    "dotnet": ("*.csproj", "*.fsproj", "*.vbproj"),
    "php": ("composer.json",),
    "rust": ("Cargo.toml",),
    "dockerfile": ("Dockerfile", "Containerfile"),
    "procfile": ("Procfile",),
    "apt": ("apt.txt", "Aptfile"),
}
# fmt: on
#: the registrations MARKERS describes (a DETECTORS entry changed at run time is loaded eagerly)
_DESCRIBED = dict(DETECTORS)


def load(name: str) -> Detector:
    module_name, _, cls = DETECTORS[name].partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, cls)()  # type: ignore[no-any-return]


def all_detectors() -> list[Detector]:
    """Every registered detector whose module exists (a missing module is a packaging bug, so it raises)."""
    return [load(n) for n in DETECTORS]


def marker_test(markers: Iterable[str]) -> Callable[[Iterable[str]], bool]:
    """``test(names)``: does any of the file names match one of ``markers`` (exact names, or fnmatch
    globs, case-sensitive)?  Exact names are one set probe; the globs are one compiled union."""
    import fnmatch

    exact = frozenset(m for m in markers if not any(c in m for c in "*?["))
    globs = [m for m in markers if m not in exact]
    union = re.compile("|".join(fnmatch.translate(g) for g in globs)).match if globs else None

    def test(names: Iterable[str]) -> bool:
        if not exact.isdisjoint(names):
            return True
        return union is not None and any(union(n) is not None for n in names)

    return test


class LazyDetector:
    """A registered detector that is imported the first time a directory holds one of its markers.

    A detector applies only where one of its markers is (the Detector protocol); the stand-in answers
    ``applies`` for every other directory itself, and hands everything else to the real detector.
    """

    __slots__ = ("_has_marker", "_real", "markers", "name")

    def __init__(self, name: str, markers: tuple[str, ...]) -> None:
        self.name = name
        self.markers = markers
        self._has_marker = marker_test(markers)
        self._real: Detector | None = None

    @property
    def loaded(self) -> bool:
        return self._real is not None

    def load(self) -> Detector:
        real = self._real
        if real is None:
            real = self._real = load(self.name)
        return real

    def could_apply(self, files: Iterable[str]) -> bool:
        """Whether a directory of these file names holds one of the markers (no import)."""
        return self._has_marker(files)

    def applies(self, ctx: DetectContext) -> bool:
        if not self._has_marker(ctx.files):
            return False
        return self.load().applies(ctx)

    def detect(self, ctx: DetectContext) -> Detection:
        return self.load().detect(ctx)

    def __getattr__(self, attr: str) -> Any:  # detect_file, detect_text... of the real detector
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.load(), attr)

    def __repr__(self) -> str:
        return f"LazyDetector({self.name!r}, loaded={self.loaded})"


def lazy(name: str) -> Detector:
    """The detector ``name``: a LazyDetector when its markers are known, else the detector itself."""
    markers = MARKERS.get(name)
    if markers is None or DETECTORS.get(name) != _DESCRIBED.get(name):
        return load(name)
    return LazyDetector(name, markers)
