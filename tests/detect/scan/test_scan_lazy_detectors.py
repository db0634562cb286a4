"""Detectors imported only where the repository has their markers, with the same scan result."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from matrixhell.detect import registry
from matrixhell.detect.base import DetectContext
from matrixhell.detect.registry import LazyDetector, marker_test
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.scan import load_detectors, scan_repo


@pytest.mark.parametrize("name", sorted(registry.DETECTORS))
def test_the_registry_knows_every_detectors_markers(name: str) -> None:
    assert registry.MARKERS[name] == registry.load(name).markers


@pytest.mark.parametrize("name", sorted(registry.DETECTORS))
def test_a_stand_in_applies_exactly_where_the_detector_does(name: str) -> None:
    real = registry.load(name)
    stand_in = registry.lazy(name)
    assert isinstance(stand_in, LazyDetector) and stand_in.name == name
    names = [m.replace("*", "App") for m in real.markers] + ["README.md", "main.c", "notes.txt", "x.csproj.bak"]
    for picked in [[n] for n in names] + [names[-4:], []]:
        view = MemoryRepoView({f"svc/{n}": "" for n in picked} or {"other/README.md": ""})
        ctx = DetectContext(view, "svc", frozenset(picked))
        assert stand_in.applies(ctx) == real.applies(ctx), picked


def test_marker_test_matches_exact_names_and_globs() -> None:
    test = marker_test(("package.json", "*.csproj", "requirements*.txt"))
    assert test(["a", "package.json"])
    assert test(frozenset({"Api.csproj"}))
    assert test(["requirements-dev.txt"])
    assert not test(["Package.json", "api.csproj.user", "requirements.in", "xrequirements.txt"])
    assert not test([])


def test_a_stand_in_is_not_imported_until_a_marker_is_met() -> None:
    code = (
        "import sys\n"
        "from matrixhell.detect.repoview import MemoryRepoView\n"
        "from matrixhell.detect.scan import scan_repo\n"
        "r = scan_repo(MemoryRepoView({'api/package.json': '{\"name\": \"api\"}'}))\n"
        "assert [s.name for s in r.services] == ['api'], r.services\n"
        "print(sorted(m for m in sys.modules if m.startswith('matrixhell.detect.') and m.count('.') == 2))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    loaded = set(ast.literal_eval(out))
    assert "matrixhell.detect.node" in loaded
    for absent in ("ruby", "java", "dotnet", "php", "rust", "apt", "python", "golang"):
        assert f"matrixhell.detect.{absent}" not in loaded


def test_lazy_and_eager_detectors_give_the_same_scan() -> None:
    files = {
        "api/requirements.txt": "flask==3.0\n",
        "api/Procfile": "web: gunicorn app:app\n",
        "web/package.json": '{"name": "web", "scripts": {"start": "node x.js"}}',
        "go/go.mod": "module x\n\ngo 1.22\n",
        "rb/Gemfile": "source 'https://rubygems.org'\ngem 'rails'\n",
        "rb/Dockerfile": "FROM ruby:3.3\n",
        "cs/App.csproj": '<Project Sdk="Microsoft.NET.Sdk"></Project>\n',
        "cs/apt.txt": "libpq5\n",
    }
    lazy = scan_repo(MemoryRepoView(files), detectors=load_detectors())
    eager = scan_repo(MemoryRepoView(files), detectors=registry.all_detectors())
    assert lazy == eager
    assert {s.name for s in lazy.services} >= {"api", "web", "go", "rb", "cs"}


def test_a_registration_changed_at_run_time_is_loaded_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.DETECTORS, "node", "matrixhell.detect.dockerfile:DockerfileDetector")
    det = registry.lazy("node")
    assert not isinstance(det, LazyDetector) and det.name == "dockerfile"
