"""The detectors the scan runs, by name.  Imported lazily so a scan pays only for what it needs."""

from __future__ import annotations

import importlib

from matrixhell.detect.base import Detector

__all__ = ["DETECTORS", "all_detectors", "load"]

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


def load(name: str) -> Detector:
    module_name, _, cls = DETECTORS[name].partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, cls)()  # type: ignore[no-any-return]


def all_detectors() -> list[Detector]:
    """Every registered detector whose module exists (a missing module is a packaging bug, so it raises)."""
    return [load(n) for n in DETECTORS]
