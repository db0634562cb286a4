"""Wheels and resolution are judged at each candidate release's libc version, not one fixed glibc.

The index here is the test's own: psycopg2 2.9.10 ships an sdist and one wheel tagged
``manylinux_2_34`` (CPython 3.9 and 3.11), so it installs as a wheel on bookworm (glibc 2.36), trixie
(2.41) and Ubuntu 22.04/24.04, and builds from the sdist on bullseye and Ubuntu 20.04 (2.31).  The
catalog, the native-library map and the image table are the shipped ones.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from an_fakes import frm, pkg, rt, svc

from matrixhell.analyze import load_knowledge
from matrixhell.conflicts import Knowledge, build_profiles, find_conflicts, make_context
from matrixhell.conflicts.profile import CatalogView
from matrixhell.knowledge.catalog import load_catalog
from matrixhell.knowledge.index.findlinks import FindLinks
from matrixhell.knowledge.index.snapshot import SnapshotIndex
from matrixhell.model import Conflict, Service
from matrixhell.plan import make_plan

TODAY = date(2026, 12, 1)
WHEEL_39 = "psycopg2-2.9.10-cp39-cp39-manylinux_2_34_x86_64.whl"
WHEEL_311 = "psycopg2-2.9.10-cp311-cp311-manylinux_2_34_x86_64.whl"
SDIST = "psycopg2-2.9.10.tar.gz"

INDEX: dict[str, Any] = {
    "psycopg2": {"2.9.10": {"requires_python": ">=3.8", "files": [WHEEL_39, WHEEL_311, SDIST]}},
    # 2.0 exists only as a manylinux_2_34 wheel (no sdist): nothing installs it on glibc 2.31, so a
    # resolve there falls back to 1.0, which has an sdist.
    "onlywheel": {
        "2.0": {"requires_python": ">=3.8", "files": ["onlywheel-2.0-cp311-cp311-manylinux_2_34_x86_64.whl"]},
        "1.0": {"requires_python": ">=3.8", "files": ["onlywheel-1.0.tar.gz"]},
    },
}


def _metadata(name: str, version: str) -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Python: >=3.8\n\n"


def _find_links(folder: Path) -> FindLinks:
    """The same psycopg2 files as real distributions in a find-links folder."""
    for wheel in (WHEEL_39, WHEEL_311):
        with zipfile.ZipFile(folder / wheel, "w") as zf:
            zf.writestr("psycopg2-2.9.10.dist-info/METADATA", _metadata("psycopg2", "2.9.10"))
            zf.writestr("psycopg2-2.9.10.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n")
            zf.writestr("psycopg2-2.9.10.dist-info/RECORD", "")
    with tarfile.open(folder / SDIST, "w:gz") as tf:
        data = _metadata("psycopg2", "2.9.10").encode()
        info = tarfile.TarInfo("psycopg2-2.9.10/PKG-INFO")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return FindLinks(folder)


def _kn(provider: Any = None) -> Knowledge:
    return load_knowledge(provider=provider or SnapshotIndex.from_mapping(INDEX), today=TODAY)


def _analyse(services: list[Service], kn: Knowledge | None = None) -> tuple[Any, tuple[Conflict, ...], Any]:
    kn = kn or _kn()
    view = CatalogView(kn)
    profiles = build_profiles(services, kn, view)
    conflicts = find_conflicts(make_context(profiles, kn, view))
    return profiles, conflicts, make_plan(profiles, conflicts, view)


def _api(base: str | None = None, version: str = "3.9") -> Service:
    return svc(
        "api",
        runtimes=[rt(f"=={version}.*", source="dockerfile", path="api/Dockerfile")],
        packages=[pkg("psycopg2", specifier="==2.9.10", path="api/requirements.txt", line=2)],
        base=[frm(base, "api/Dockerfile")] if base else [],
    )


@pytest.mark.parametrize("source", ["snapshot", "find-links"])
def test_has_wheel_follows_each_releases_glibc(source: str, tmp_path: Path) -> None:
    kn = _kn(_find_links(tmp_path) if source == "find-links" else None)
    assert kn.has_wheel is not None
    verdicts = {
        f"{r.distro} {r.name}": kn.has_wheel("psycopg2", "2.9.10", "3.11", r.libc, r.libc_version)
        for r in load_catalog().releases
    }
    assert verdicts["debian bookworm"] is True  # glibc 2.36
    assert verdicts["debian trixie"] is True  # glibc 2.41
    assert verdicts["ubuntu 22.04"] is True  # glibc 2.35
    assert verdicts["debian bullseye"] is False  # glibc 2.31 < 2.34
    assert verdicts["ubuntu 20.04"] is False
    assert verdicts["alpine 3.22"] is False  # no musllinux wheel at all


def test_resolution_takes_the_release_libc_version() -> None:
    kn = _kn()
    assert kn.resolve is not None
    new = kn.resolve(("onlywheel",), (), "3.11", "glibc", {}, "2.36")
    old = kn.resolve(("onlywheel",), (), "3.11", "glibc", {}, "2.31")
    assert new.ok and new.pins["onlywheel"] == "2.0"
    assert old.ok and old.pins["onlywheel"] == "1.0"  # 2.0's only wheel needs glibc 2.34
    # Asked in the other order, the answer for 2.31 must not leak into 2.36.
    kn2 = _kn()
    assert kn2.resolve is not None
    assert kn2.resolve(("onlywheel",), (), "3.11", "glibc", {}, "2.31").pins["onlywheel"] == "1.0"
    assert kn2.resolve(("onlywheel",), (), "3.11", "glibc", {}, "2.36").pins["onlywheel"] == "2.0"


def test_a_pin_installable_only_as_a_new_glibc_wheel_keeps_the_service_off_bullseye() -> None:
    s = svc(
        "api",
        runtimes=[rt("==3.9.*", source="dockerfile", path="api/Dockerfile")],
        packages=[pkg("onlywheel", specifier="==2.0", path="api/requirements.txt")],
    )
    index = {"onlywheel": {"2.0": {"files": ["onlywheel-2.0-cp39-cp39-manylinux_2_34_x86_64.whl"]}}}
    (profile,), _conflicts, _plan = _analyse([s], _kn(SnapshotIndex.from_mapping(index)))
    assert "debian:bookworm" in profile.slots and "debian:trixie" in profile.slots
    assert "debian:bullseye" not in profile.slots  # nothing of onlywheel 2.0 installs on glibc 2.31


def test_bullseye_builds_from_the_sdist_and_names_the_dev_packages() -> None:
    (profile,), conflicts, plan = _analyse([_api("python:3.9-slim-bullseye")])
    builds = profile.sdist_builds
    assert [b.package for b in builds["debian:bullseye"]] == ["psycopg2"]
    assert "debian:bookworm" not in builds and "debian:trixie" not in builds  # the wheel fits there
    found = [c for c in conflicts if c.kind == "builds-from-sdist"]
    assert len(found) == 1, [c.title for c in conflicts]
    c = found[0]
    assert "glibc 2.31 (debian bullseye)" in c.title and "builds from the sdist" in c.title
    assert c.hint is not None and "libpq-dev" in c.hint and "debian bookworm" in c.hint
    assert "build FROM python:3.9-slim-" in c.hint
    # The chain names the pin's line and the FROM that puts it on bullseye.
    assert any(str(x.origin) == "api/requirements.txt:2" for x in c.causes)
    assert any(x.relation == "builds-from" and str(x.origin) == "api/Dockerfile:1" for x in c.causes)
    target = plan.target_of("api")
    assert target is not None and target.release == "bullseye"  # its own FROM is honoured


@pytest.mark.parametrize("base", ["python:3.9-slim-bookworm", "python:3.9-slim-trixie", None])
def test_a_release_whose_glibc_takes_the_wheel_gets_no_sdist_warning(base: str | None) -> None:
    _profiles, conflicts, plan = _analyse([_api(base)])
    assert not [c for c in conflicts if c.kind == "builds-from-sdist"]
    target = plan.target_of("api")
    assert target is not None and target.release != "bullseye"


def test_an_sdist_only_package_builds_everywhere_and_is_not_reported() -> None:
    index = {"psycopg2": {"2.9.10": {"files": [SDIST]}}}
    (profile,), conflicts, _plan = _analyse([_api("python:3.9-slim-bullseye")], _kn(SnapshotIndex.from_mapping(index)))
    assert {"debian:bullseye", "debian:bookworm"} <= set(profile.sdist_builds)
    assert not [c for c in conflicts if c.kind == "builds-from-sdist"]


def test_the_plan_prefers_the_release_that_takes_the_wheel() -> None:
    # A wheel for glibc 2.42 only: of the releases offering python 3.14, Ubuntu 26.04 takes it, the
    # Debian ones would build it.  Nothing else separates them, so the wheel decides.
    wheel = "psycopg2-2.9.10-cp314-cp314-manylinux_2_42_x86_64.whl"
    index = {"psycopg2": {"2.9.10": {"files": [wheel, SDIST]}}}
    s = _api(version="3.14")
    (profile,), _conflicts, plan = _analyse([s], _kn(SnapshotIndex.from_mapping(index)))
    assert "ubuntu:26.04" in profile.slots and "debian:trixie" in profile.slots
    assert "debian:trixie" in profile.sdist_builds and "ubuntu:26.04" not in profile.sdist_builds
    target = plan.target_of("api")
    assert target is not None and (target.distro, target.release) == ("ubuntu", "26.04")
    # Without the wheel the usual order stands: Debian first.
    (_p,), _c, plain = _analyse([s], _kn(SnapshotIndex.from_mapping({"psycopg2": {"2.9.10": {"files": [SDIST]}}})))
    t2 = plain.target_of("api")
    assert t2 is not None and t2.distro == "debian"
