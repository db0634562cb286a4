"""cgroup files written for v1, v2 and the hybrid layout, against a directory standing in for cgroupfs
(no root needed: a plain directory accepts the same mkdir and writes)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from matrixhell.runtime.cgroups import Cgroup, Layout, detect_layout
from matrixhell.runtime.config import parse_config
from matrixhell.runtime.errors import RtError
from matrixhell.runtime.spec import default_spec


def _res(**linux_resources: object):  # type: ignore[no-untyped-def]
    s = copy.deepcopy(default_spec())
    s["linux"]["resources"] = linux_resources
    return parse_config(s, "/b").resources


def _read(d: Path, name: str) -> str:
    return (d / name).read_text()


def test_v2_files_and_controller_delegation(tmp_path: Path) -> None:
    res = _res(memory={"limit": 1 << 26, "reservation": 1 << 20, "swap": 1 << 27}, pids={"limit": 7},
               cpu={"shares": 1024, "quota": 50000, "period": 100000})
    cg = Cgroup.create(Layout(str(tmp_path), {}, []), None, "c1", res, rootless=False)
    leaf = tmp_path / "matrixhell-runtime" / "c1"
    assert cg.dirs == [str(leaf)]
    assert _read(leaf, "memory.max") == str(1 << 26)
    assert _read(leaf, "memory.low") == str(1 << 20)
    assert _read(leaf, "memory.swap.max") == str((1 << 27) - (1 << 26))  # v2 counts swap apart
    assert _read(leaf, "pids.max") == "7"
    assert _read(leaf, "cpu.weight") == str(1 + (1024 - 2) * 9999 // 262142)
    assert _read(leaf, "cpu.max") == "50000 100000"
    for parent in (tmp_path, tmp_path / "matrixhell-runtime"):
        assert _read(parent, "cgroup.subtree_control") == "+memory +pids +cpu"


def test_v1_files_only_in_hierarchies_with_limits(tmp_path: Path) -> None:
    ctrls = {c: str(tmp_path / c) for c in ("memory", "pids", "cpu", "devices")}
    res = _res(memory={"limit": 1 << 26}, pids={"limit": -1}, devices=[{"allow": False, "access": "rwm"}])
    cg = Cgroup.create(Layout(None, ctrls, []), "/custom/path", "c2", res, rootless=False)
    assert sorted(Path(d).parent.parent.name for d in cg.dirs) == ["devices", "memory", "pids"]
    assert _read(tmp_path / "memory/custom/path", "memory.limit_in_bytes") == str(1 << 26)
    assert _read(tmp_path / "pids/custom/path", "pids.max") == "max"
    assert _read(tmp_path / "devices/custom/path", "devices.allow") == "c 136:* rwm"  # the last default rule
    assert not (tmp_path / "cpu" / "custom").exists()


def test_devices_hierarchy_skipped_when_nodev_enforces_the_policy(tmp_path: Path) -> None:
    ctrls = {"devices": str(tmp_path / "devices")}
    res = _res(devices=[{"allow": False, "access": "rwm"}])
    cg = Cgroup.create(Layout(None, ctrls, []), None, "c3", res, rootless=False, devices_by_nodev=True)
    assert cg.dirs == []


def test_existing_cgroup_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    # pids first: a plain directory, unlike cgroupfs, cannot rmdir a leaf holding limit files
    ctrls = {"pids": str(tmp_path / "pids"), "memory": str(tmp_path / "memory")}
    (tmp_path / "pids" / "matrixhell-runtime" / "c4").mkdir(parents=True)
    res = _res(memory={"limit": 1 << 26}, pids={"limit": 5})
    with pytest.raises(RtError, match="already exists"):
        Cgroup.create(Layout(None, ctrls, []), None, "c4", res, rootless=False)
    assert not (tmp_path / "memory" / "matrixhell-runtime" / "c4").exists()


def test_this_hosts_layout_is_detected() -> None:
    layout = detect_layout()
    mounts = Path("/proc/self/mountinfo").read_text()
    assert (layout.v2 is not None) == (" - cgroup2 " in mounts)
    assert bool(layout.v1) == (" - cgroup " in mounts)
    assert layout.mode in ("v1", "v2", "hybrid", "none")
