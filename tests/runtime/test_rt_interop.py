"""Interoperability: the same bundle gives the same probe report under runc and crun, and a config.json
from our `spec` is accepted by `runc run`.

crun refuses this machine's hybrid cgroup layout (v1 controllers plus an empty cgroup2 at
/sys/fs/cgroup/unified); the harness runs it in a private mount namespace (`unshare -m`) with
/sys/fs/cgroup/unified unmounted there, which changes nothing on the host."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from rt_harness import Bundle, Runtime, parse_probe, privileged

pytestmark = [pytest.mark.privileged, privileged]

# Keys whose values must agree; `pids` lists the probe's own short-lived helpers and differs by design.
COMPARED = ("pid", "hostname", "uid", "gid", "groups", "cwd", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
            "NoNewPrivs", "Seccomp", "uid_map", "gid_map", "setgroups", "fds", "interfaces", "lo", "loflags", "sid",
            "nofile", "env_home")


def _runc(bundle: Bundle, tmp_path: Path, cid: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runc", "--root", str(tmp_path / "runc-state"), "run", "--bundle", str(bundle.path), cid],
                          capture_output=True, text=True, timeout=60)


def _crun(bundle: Bundle, tmp_path: Path, cid: str) -> subprocess.CompletedProcess:
    script = ("mountpoint -q /sys/fs/cgroup/unified && umount /sys/fs/cgroup/unified; "
              f"exec crun --root {tmp_path / 'crun-state'} run --bundle {bundle.path} {cid}")
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=60)


def _same_reports(ours: dict[str, str], theirs: dict[str, str]) -> None:
    for key in COMPARED:
        assert ours.get(key) == theirs.get(key), key
    assert sorted(ours["mounts"].split(",")) == sorted(theirs["mounts"].split(","))


@pytest.mark.skipif(shutil.which("runc") is None, reason="runc is not installed")
def test_same_probe_report_as_runc(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    res = _runc(bundle, tmp_path, "interop-runc")
    assert res.returncode == 0, res.stderr
    _same_reports(rt.probe(bundle), parse_probe(res.stdout))


@pytest.mark.skipif(shutil.which("crun") is None, reason="crun is not installed")
def test_same_probe_report_as_crun(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    res = _crun(bundle, tmp_path, "interop-crun")
    assert res.returncode == 0, res.stderr
    _same_reports(rt.probe(bundle), parse_probe(res.stdout))


@pytest.mark.skipif(shutil.which("runc") is None, reason="runc is not installed")
def test_same_report_for_a_non_root_user_with_limits(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    bundle.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5]}
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512}]
    bundle.config["hostname"] = "other"
    bundle.process["cwd"] = "/tmp"
    bundle.write()
    res = _runc(bundle, tmp_path, "interop-user")
    assert res.returncode == 0, res.stderr
    _same_reports(rt.probe(bundle), parse_probe(res.stdout))


@pytest.mark.skipif(shutil.which("runc") is None, reason="runc is not installed")
def test_same_exit_status_and_escape_results_as_runc(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    bundle.sh("mount -t tmpfs x /mnt 2>/dev/null; echo m=$?; ulimit -n 9999 2>/dev/null; echo u=$?; "
              "echo 1 > /proc/sysrq-trigger 2>/dev/null; echo s=$?; exit 4")
    res = _runc(bundle, tmp_path, "interop-exit")
    ours = rt.run(bundle, check=False)
    assert ours.returncode == res.returncode == 4
    assert ours.stdout == res.stdout


@pytest.mark.skipif(shutil.which("runc") is None, reason="runc is not installed")
def test_runc_accepts_our_spec(tmp_path: Path, rootfs: Path) -> None:
    from rt_harness import RT, env

    subprocess.run([*RT, "spec", "--bundle", str(tmp_path)], check=True, env=env())
    cfg = json.loads((tmp_path / "config.json").read_text())
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["/bin/sh", "-c", "echo from-runc; grep Seccomp: /proc/self/status"]
    cfg["root"]["path"] = str(rootfs)
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    res = subprocess.run(["runc", "--root", str(tmp_path / "st"), "run", "--bundle", str(tmp_path), "ours-spec"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["from-runc", "Seccomp:", "2"]


@pytest.mark.skipif(shutil.which("runc") is None, reason="runc is not installed")
def test_runc_spec_runs_under_us(rt: Runtime, tmp_path: Path, rootfs: Path) -> None:
    d = tmp_path / "runcspec"
    d.mkdir()
    subprocess.run(["runc", "spec"], cwd=d, check=True)
    cfg = json.loads((d / "config.json").read_text())
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["/probe.sh"]
    cfg["root"]["path"] = str(rootfs)
    (d / "config.json").write_text(json.dumps(cfg))
    b = Bundle.__new__(Bundle)
    b.path, b.config = d, cfg
    r = parse_probe(rt.run(b).stdout)
    assert r["pid"] == "1" and r["hostname"] == "runc" and r["Seccomp"] == "0"


_ = os
