"""detect.native: the OS libraries a service's language packages need, and how scan shows them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from matrixhell.detect.native import native_libraries, with_native_libraries
from matrixhell.detect.repoview import MemoryRepoView
from matrixhell.detect.scan import scan_repo
from matrixhell.knowledge.syslibs import NativeNeeds
from matrixhell.model import (
    Ecosystem,
    NativeLibrary,
    Origin,
    PackageReq,
    ScanResult,
    Scope,
    Service,
    ServiceKind,
)
from matrixhell.render.scan_report import scan_table, scan_to_data

REPOS = Path(__file__).resolve().parents[3] / "fixtures" / "repos"


def svc(*packages: PackageReq, kind: ServiceKind = ServiceKind.BUILT) -> Service:
    return Service("api", "api", kind=kind, packages=packages)


def pypi(name: str, line: int = 1, **kw: object) -> PackageReq:
    return PackageReq(Ecosystem.PYPI, name, "", Origin("api/requirements.txt", line), **kw)  # type: ignore[arg-type]


def libs(s: Service) -> set[tuple[str, str, str, bool]]:
    return {(n.library, n.needed_by, n.phase, n.bundled_in_wheel) for n in native_libraries(s)}


def test_psycopg2_from_source_needs_libpq_to_build_and_to_run() -> None:
    got = native_libraries(svc(pypi("psycopg2", 3)))
    got_set = {(n.library, n.phase, n.bundled_in_wheel) for n in got}
    assert got_set == {("libpq", "run", False), ("libpq", "build", False)}
    n = got[0]
    assert n.needed_by == "psycopg2" and n.origin == Origin("api/requirements.txt", 3)
    assert n.ecosystem is Ecosystem.PYPI and n.source.startswith("debian:")


def test_psycopg2_binary_bundles_libpq_in_its_wheel() -> None:
    assert libs(svc(pypi("psycopg2-binary"))) == {
        ("libpq", "psycopg2-binary", "run", True),
        ("libpq", "psycopg2-binary", "build", True),
    }


def test_other_ecosystems_gem_composer_npm() -> None:
    gem = PackageReq(Ecosystem.GEM, "mysql2", "~> 0.5", Origin("Gemfile", 7))
    ext = PackageReq(Ecosystem.COMPOSER, "ext-intl", "*", Origin("composer.json", 6))
    sharp = PackageReq(Ecosystem.NPM, "sharp", "^0.33", Origin("package.json", 9))
    got = libs(svc(gem, ext, sharp))
    assert ("libmysqlclient", "mysql2", "run", False) in got
    assert ("libicu", "ext-intl", "run", False) in got
    assert ("libvips", "sharp", "run", True) in got


def test_build_only_libraries_are_build_phase() -> None:
    fake = NativeNeeds(libraries=("libxml2",), build_tools=("c-compiler",), wheel_bundles=(), source="test",
                       build_only_libraries=("zlib",))
    got = native_libraries(svc(pypi("thing")), lambda eco, name: fake if name == "thing" else None)
    assert {(n.library, n.phase) for n in got} == {("libxml2", "run"), ("libxml2", "build"), ("zlib", "build")}


def test_only_main_and_build_scope_count_and_each_package_once() -> None:
    s = svc(
        pypi("psycopg2", 5, direct=False, locked="2.9.9"),  # the lock's entry comes first here
        pypi("psycopg2", 2),
        pypi("mysqlclient", 3, scope=Scope.DEV),
        pypi("lxml", 4, scope=Scope.OPTIONAL),
        pypi("cffi", 6, scope=Scope.BUILD),
        pypi("requests", 7),
    )
    got = native_libraries(s)
    assert {n.needed_by for n in got} == {"psycopg2", "cffi"}
    # the direct requirement's origin wins over the lock file's
    assert {n.origin.line for n in got if n.needed_by == "psycopg2"} == {2}


def test_a_build_requirement_needs_its_libraries_at_build_time_only() -> None:
    fake = NativeNeeds(libraries=("libffi",), build_tools=("c-compiler",), wheel_bundles=(), source="test")
    got = native_libraries(svc(pypi("cffi", scope=Scope.BUILD)), lambda eco, name: fake)
    assert [(n.library, n.phase) for n in got] == [("libffi", "build")]
    # also a main dependency: needed at run time as well
    both = native_libraries(svc(pypi("cffi", 1, scope=Scope.BUILD), pypi("cffi", 2)), lambda eco, name: fake)
    assert [(n.phase, n.origin.line) for n in both] == [("run", 2), ("build", 2)]


def test_transitive_lock_entries_count_when_nothing_direct_names_them() -> None:
    got = native_libraries(svc(pypi("psycopg2", 9, direct=False, locked="2.9.9")))
    assert {n.library for n in got} == {"libpq"}


def test_external_services_and_pure_packages_need_nothing() -> None:
    assert native_libraries(svc(pypi("psycopg2"), kind=ServiceKind.EXTERNAL)) == ()
    assert native_libraries(svc(pypi("requests"), pypi("flask"))) == ()


def test_with_native_libraries_fills_every_service_of_a_scan() -> None:
    view = MemoryRepoView({
        "api/requirements.txt": "flask==3.0.0\npsycopg2==2.9.9\n",
        "api/app.py": "import flask\n",
        "shop/Gemfile": 'source "https://rubygems.org"\ngem "pg", "~> 1.5"\n',
    })
    result = with_native_libraries(scan_repo(view, cache=False))
    api = result.service("api")
    assert {(n.library, n.phase) for n in api.native_libraries} == {("libpq", "run"), ("libpq", "build")}
    assert api.native_libraries[0].origin == Origin("api/requirements.txt", 2)
    shop = result.service("shop")
    assert {(n.library, n.needed_by) for n in shop.native_libraries} == {("libpq", "pg")}


def _result(*libs_: NativeLibrary) -> ScanResult:
    return ScanResult("repo", (Service("api", "api", languages=("python",), native_libraries=libs_),))


def test_table_shows_what_the_os_must_provide_not_what_a_wheel_bundles() -> None:
    o = Origin("api/requirements.txt", 2)
    result = _result(
        NativeLibrary("libpq", "psycopg2", "run", o, "debian:python3-psycopg2"),
        NativeLibrary("libpq", "psycopg2", "build", o, "debian:python3-psycopg2"),
        NativeLibrary("libpq", "pg8000x", "run", o, "curated"),
        NativeLibrary("libxml2", "lxml", "run", o, "debian:python3-lxml", bundled_in_wheel=True),
        NativeLibrary("zlib", "thing", "build", o, "curated"),
    )
    row = next(line for line in scan_table(result).splitlines() if line.startswith("api "))
    assert "libpq (psycopg2, pg8000x)" in row
    assert "zlib (thing, build)" in row
    assert "libxml2" not in row


def test_verbose_lists_every_library_with_phase_origin_and_bundling() -> None:
    o = Origin("api/requirements.txt", 4)
    result = _result(
        NativeLibrary("libpq", "psycopg2", "run", o, "debian:python3-psycopg2"),
        NativeLibrary("libpq", "psycopg2", "build", o, "debian:python3-psycopg2"),
        NativeLibrary("libxml2", "lxml", "run", o, "debian:python3-lxml", bundled_in_wheel=True),
    )
    lines = [line for line in scan_table(result, verbose=True).splitlines() if line.startswith("  lib ")]
    assert len(lines) == 2
    assert "libpq (run+build, needed by psycopg2)" in lines[0] and "api/requirements.txt:4" in lines[0]
    assert "debian:python3-psycopg2" in lines[0]
    assert "bundled in its prebuilt binaries" in lines[1]


def test_json_carries_native_libraries() -> None:
    o = Origin("api/requirements.txt", 4)
    result = _result(NativeLibrary("libpq", "psycopg2", "run", o, "debian:python3-psycopg2", ecosystem=Ecosystem.PYPI))
    (entry,) = scan_to_data(result)["services"][0]["native_libraries"]
    assert entry == {
        "library": "libpq", "needed_by": "psycopg2", "ecosystem": "pypi", "phase": "run",
        "bundled_in_wheel": False, "source": "debian:python3-psycopg2",
        "origin": {"path": "api/requirements.txt", "line": 4},
    }


def test_scan_command_shows_fixture_libraries() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "matrixhell", "scan", str(REPOS / "py-matrix"), "--no-analyze", "-f", "json"],
        capture_output=True, text=True, env={**os.environ, "MATRIXHELL_NO_CACHE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    data = {s["name"]: s for s in json.loads(proc.stdout)["services"]}
    catalog = {(n["library"], n["needed_by"], n["phase"], n["bundled_in_wheel"])
               for n in data["catalog"]["native_libraries"]}
    assert ("libpq", "psycopg2", "run", False) in catalog
    assert ("libpq", "psycopg2", "build", False) in catalog
    cms = {(n["library"], n["needed_by"], n["bundled_in_wheel"]) for n in data["legacy-cms"]["native_libraries"]}
    assert ("libpq", "psycopg2-binary", True) in cms
