"""Wheel awareness on real release data (fixtures/index/webstack.json, regenerated from the index by
scripts/regen_index_snapshot.py): which (version, Python, libc, arch) has a binary wheel, and what that
means for resolution."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from matrixhell.knowledge.index import SnapshotIndex
from matrixhell.resolution import Resolver, ResolveTarget, wheel_for

SNAPSHOT = Path(__file__).parents[2] / "fixtures" / "index" / "webstack.json"
GLIBC = ResolveTarget("3.11", "manylinux_2_36_x86_64")
MUSL = ResolveTarget("3.11", "musllinux_1_2_x86_64")
ARM = ResolveTarget("3.12", "manylinux_2_36_aarch64")
OLD_GLIBC = ResolveTarget("3.11", "manylinux_2_17_x86_64")


@pytest.fixture(scope="module")
def snap() -> SnapshotIndex:
    return SnapshotIndex.load(SNAPSHOT)


def _newest(snap: SnapshotIndex, name: str) -> Version:
    return max(pv.version for pv in snap.project_versions(name) if not pv.version.is_prerelease)


def test_res_snapshot_provenance(snap: SnapshotIndex) -> None:
    assert snap.provenance["script"] == "scripts/regen_index_snapshot.py"
    assert "psycopg2-binary" in snap.provenance["roots"]
    assert SNAPSHOT.stat().st_size < 3_000_000


@pytest.mark.parametrize("target", [GLIBC, MUSL, ARM, OLD_GLIBC], ids=lambda t: t.platform)
def test_res_psycopg2_never_has_a_linux_wheel(snap: SnapshotIndex, target: ResolveTarget) -> None:
    """psycopg2 is built from source everywhere (it needs libpq-dev); psycopg2-binary is not."""
    for pv in snap.project_versions("psycopg2"):
        assert wheel_for(snap, "psycopg2", pv.version, target) is None, pv.version
    binary = wheel_for(snap, "psycopg2-binary", _newest(snap, "psycopg2-binary"), target)
    assert binary is not None and not binary.pure
    assert binary.musllinux == (target.libc == "musl")


def test_res_resolution_records_what_must_be_built(snap: SnapshotIndex) -> None:
    resolver = Resolver(snap)
    res = resolver.resolve(["psycopg2", "psycopg2-binary", "lxml", "cryptography"], MUSL)
    assert res.sdist_only == ("psycopg2",)
    assert res.files["lxml"].wheel is not None and res.files["lxml"].wheel.musllinux


def test_res_old_glibc_means_building_pillow(snap: SnapshotIndex) -> None:
    """The newest Pillow ships manylinux_2_28 wheels only: on a glibc 2.17 system it is an sdist build."""
    resolver = Resolver(snap)
    new = resolver.resolve(["pillow"], GLIBC)
    old = resolver.resolve(["pillow"], OLD_GLIBC)
    assert new.pins == old.pins  # an sdist keeps the version usable...
    assert new.wheel["pillow"] is not None
    assert old.wheel["pillow"] is None  # ...but only by building it
    older = resolver.resolve(["pillow<12.3"], OLD_GLIBC)
    assert older.wheel["pillow"] is not None and "manylinux_2_17" in older.wheel["pillow"]


def test_res_requires_python_picks_numpy_per_target(snap: SnapshotIndex) -> None:
    resolver = Resolver(snap)
    on_311 = Version(resolver.resolve(["numpy"], GLIBC).pins["numpy"])
    on_312 = Version(resolver.resolve(["numpy"], ARM).pins["numpy"])
    assert on_311 < on_312
    assert wheel_for(snap, "numpy", on_311, GLIBC) is not None
    assert wheel_for(snap, "numpy", on_312, ARM) is not None
