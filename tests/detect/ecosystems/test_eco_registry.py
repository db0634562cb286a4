"""The ecosystem detectors as the scan finds them: through the registry, by their markers."""

from __future__ import annotations

import fnmatch

import pytest

from matrixhell.detect import registry
from matrixhell.detect.base import DetectContext
from matrixhell.detect.repoview import MemoryRepoView

EXPECTED = {
    "node": ("package.json",),
    "go": ("go.mod", "go.work"),
    "ruby": ("Gemfile", "gems.rb"),
    "java": ("pom.xml", "build.gradle", "build.gradle.kts"),
    "dotnet": ("*.csproj", "*.fsproj", "*.vbproj"),
    "php": ("composer.json",),
    "rust": ("Cargo.toml",),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_registry_loads_detector_with_markers(name: str) -> None:
    det = registry.load(name)
    assert det.name == name
    assert det.markers == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_applies_only_where_a_marker_is(name: str) -> None:
    det = registry.load(name)
    example = det.markers[0].replace("*", "App")
    view = MemoryRepoView({f"svc/{example}": "", "other/README.md": "x", "other/package-lock.json": "{}"})
    assert det.applies(DetectContext(view, "svc", frozenset(view.listdir("svc"))))
    assert not det.applies(DetectContext(view, "other", frozenset(view.listdir("other"))))
    assert fnmatch.fnmatchcase(example, det.markers[0])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_detector_survives_garbage_in_every_marker(name: str) -> None:
    det = registry.load(name)
    garbage: dict[str, str | bytes] = {m.replace("*", "App"): b"\x00\xff\xfe garbage {[<" for m in det.markers}
    view = MemoryRepoView(garbage)
    d = det.detect(DetectContext(view, "", frozenset(view.listdir(""))))
    assert d.detector == name
    assert d.findings and all(f.origin is not None for f in d.findings)
    assert {f.code for f in d.findings} == {"binary-file"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_detector_reports_an_oversized_manifest(name: str) -> None:
    det = registry.load(name)
    marker = det.markers[0].replace("*", "App")
    view = MemoryRepoView({f"svc/{marker}": "x" * 2048}, size_cap=1024)
    d = det.detect(DetectContext(view, "svc", frozenset(view.listdir("svc"))))
    f = next(f for f in d.findings if f.code == "file-too-large")
    assert f.origin is not None and f.origin.path == f"svc/{marker}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_detector_reports_non_utf8_with_its_line(name: str) -> None:
    det = registry.load(name)
    marker = det.markers[0].replace("*", "App")
    view = MemoryRepoView({marker: b"first line\nsecond line \xe9\n"})
    d = det.detect(DetectContext(view, "", frozenset(view.listdir(""))))
    f = next(f for f in d.findings if f.code == "not-utf8")
    assert f.origin is not None and (f.origin.path, f.origin.line) == (marker, 2)
