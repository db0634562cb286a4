"""Create/start/delete cycles leave nothing behind: mounts, cgroups, network namespaces, processes, fds.
(bench/runtime.py runs the same check with 500 cycles.)"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from leakcount import snapshot
from rt_harness import RT, Bundle, Runtime, env, privileged

from matrixhell.runtime.supervisor import SupervisorClient

pytestmark = [pytest.mark.privileged, privileged, pytest.mark.slow]
CYCLES = 25


def _settle(rootfs: str, marker: str, prefix: str, pid: int | None = None) -> dict[str, int]:
    """A snapshot once nothing of this test's runtime runs any more (or after 30 s): counts only this
    test's runtime commands, containers and cgroups, whatever else runs on the machine."""
    deadline = time.monotonic() + 30
    snap = snapshot(rootfs, pid, marker, prefix)
    while (snap["processes"] or snap["netns"]) and time.monotonic() < deadline:
        time.sleep(0.02)
        snap = snapshot(rootfs, pid, marker, prefix)
    return snap


def test_cli_cycles_leak_nothing(rt: Runtime, bundle: Bundle) -> None:
    bundle.linux["resources"]["pids"] = {"limit": 50}
    bundle.args("/bin/true")
    rootfs = bundle.config["root"]["path"]
    prefix = f"leak{os.getpid()}-"
    before = _settle(rootfs, str(rt.root), prefix)
    for i in range(CYCLES):
        cid = f"{prefix}{i}"
        assert rt.cmd("create", "--bundle", str(bundle.path), cid, stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL, capture_output=False).returncode == 0
        rt.cmd("start", cid, check=True)
        rt.cmd("delete", "--force", cid, check=True)
    assert _settle(rootfs, str(rt.root), prefix) == before


def test_supervisor_cycles_leak_nothing(bundle: Bundle, tmp_path: Path) -> None:
    bundle.linux["resources"]["pids"] = {"limit": 50}
    bundle.args("/bin/true")
    bundle.write()
    sock = str(tmp_path / "s.sock")
    p = subprocess.Popen([*RT, "--root", str(tmp_path / "st"), "supervisor", "--socket", sock], env=env())
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(sock):
            assert p.poll() is None and time.monotonic() < deadline, "the supervisor did not come up"
            time.sleep(0.01)
        rootfs = bundle.config["root"]["path"]
        with SupervisorClient(sock) as c:
            prefix = f"s{os.getpid()}-"
            c.run(str(bundle.path), f"{prefix}warm")
            before = _settle(rootfs, str(tmp_path / "st"), prefix, p.pid)
            for i in range(CYCLES):
                assert c.run(str(bundle.path), f"{prefix}{i}") == 0
            after = _settle(rootfs, str(tmp_path / "st"), prefix, p.pid)
        assert after == before
    finally:
        p.terminate()
        p.wait(30)
