"""`matrixhell-runtime exec`: a new process in a running container's namespaces, cgroup, capabilities,
no_new_privs and seccomp filter; command-line and process.json overrides; cwd confinement; fds; exit
status; signals; terminal; errors; rootless; the same view as `runc exec`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from rt_harness import RT, Bundle, Runtime, cgroup_leaves, env, parse_probe, privileged

pytestmark = [pytest.mark.privileged, privileged]

LOOP = "trap 'exit 0' TERM; while :; do sleep 0.05; done"


def _detached(rt: Runtime, bundle: Bundle) -> tuple[str, int]:
    bundle.linux["resources"]["pids"] = {"limit": 50}
    bundle.sh(LOOP)
    cid = rt.new_id()
    rt.cmd("run", "--detach", "--bundle", str(bundle.write().path), cid, check=True, stdout=subprocess.DEVNULL,
           stderr=subprocess.DEVNULL, capture_output=False)
    return cid, int(json.loads(rt.cmd("state", cid, check=True).stdout)["pid"])


def test_exec_joins_the_container_and_keeps_its_restrictions(rt: Runtime, bundle: Bundle) -> None:
    cid, pid = _detached(rt, bundle)
    res = rt.cmd("exec", cid, "/probe.sh", check=True)
    r = parse_probe(res.stdout)
    assert r["hostname"] == "matrixhell" and r["uid"] == "0"
    assert int(r["pid"]) > 1 and "1" in r["pids"].split(",")  # in the container's pid namespace
    assert r["CapEff"] == r["CapPrm"] == r["CapBnd"] == "0000000020000420" and r["CapInh"] == "0" * 16
    assert r["NoNewPrivs"] == "1" and r["Seccomp"] == "2"
    assert r["fds"] == "0,1,2,3,"
    assert r["interfaces"] == "lo,"
    assert r["cwd"] == "/" and r["env_home"] == "/root"
    assert "/proc/keys" in r["mounts"].split(",")  # the container's mounts, masks included
    # every namespace is the container's own
    script = "for n in user mnt pid ipc uts net cgroup; do readlink /proc/self/ns/$n; done"
    inside = rt.cmd("exec", cid, "sh", "-c", script, check=True).stdout.split()
    assert inside == [os.readlink(f"/proc/{pid}/ns/{n}") for n in ("user", "mnt", "pid", "ipc", "uts", "net",
                                                                   "cgroup")]
    rt.cmd("delete", "--force", cid, check=True)


def test_exec_process_is_in_the_container_cgroup(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    cid, _pid = _detached(rt, bundle)
    pf = tmp_path / "x.pid"
    rt.cmd("exec", "--detach", "--pid-file", str(pf), cid, "sleep", "60", check=True, stdout=subprocess.DEVNULL,
           stderr=subprocess.DEVNULL, capture_output=False)
    xpid = int(pf.read_text())
    leaf = next(p for p in cgroup_leaves(cid) if "/pids/" in p)
    assert str(xpid) in Path(leaf, "cgroup.procs").read_text().split()
    assert Path(f"/proc/{xpid}/cmdline").read_bytes() == b"sleep\x0060\x00"
    rt.cmd("delete", "--force", cid, check=True)  # the exec'd process goes with the container
    assert not os.path.exists(f"/proc/{xpid}/stat") or ") Z " in Path(f"/proc/{xpid}/stat").read_text()
    assert cgroup_leaves(cid) == []


def test_exec_exit_status_env_cwd_user(rt: Runtime, bundle: Bundle) -> None:
    bundle.process["env"].append("KEPT=yes")
    cid, _ = _detached(rt, bundle)
    res = rt.cmd("exec", "--env", "FOO=bar baz", "-e", "KEPT=over", "--cwd", "/tmp", "--user", "1000:1001", cid,
                 "sh", "-c", 'echo "$FOO|$KEPT|$PATH"; pwd; id -u; id -g; exit 7')
    assert res.returncode == 7, res.stderr
    assert res.stdout.splitlines() == [f"bar baz|over|{_path(bundle)}", "/tmp", "1000", "1001"]
    assert rt.cmd("exec", cid, "sh", "-c", "kill -9 $$").returncode == 137
    rt.cmd("delete", "--force", cid, check=True)


def _path(bundle: Bundle) -> str:
    return next(e for e in bundle.process["env"] if e.startswith("PATH=")).split("=", 1)[1]


def test_exec_with_a_process_file(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    cid, _ = _detached(rt, bundle)
    pj = tmp_path / "process.json"
    pj.write_text(json.dumps({"args": ["/probe.sh"], "cwd": "/etc", "noNewPrivileges": False,
                              "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
                                               "permitted": ["CAP_KILL"]}}))
    r = parse_probe(rt.cmd("exec", "--process", str(pj), cid, check=True).stdout)
    assert r["CapEff"] == r["CapBnd"] == "0000000000000020"
    assert r["NoNewPrivs"] == "0" and r["Seccomp"] == "2"  # the container's filter still applies
    assert r["cwd"] == "/etc"
    pj.write_text(json.dumps({"args": [], "cwd": "/"}))
    res = rt.cmd("exec", "--process", str(pj), cid)
    assert res.returncode == 3
    assert res.stderr == (f"matrixhell-runtime: error: {pj}: process.args: must name the program to run "
                          "(empty array)\n")
    pj.write_text("{")
    res = rt.cmd("exec", "--process", str(pj), cid)
    assert res.returncode == 3 and res.stderr.startswith(f"matrixhell-runtime: error: {pj}:1:2: ")
    rt.cmd("delete", "--force", cid, check=True)


def test_exec_closes_inherited_fds_and_confines_the_cwd(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    """CVE-2024-21626 class through exec: an fd the runtime inherited neither reaches the process nor
    serves as its cwd."""
    cid, _ = _detached(rt, bundle)
    host = tmp_path / "hostside"
    host.mkdir()
    d = os.open(str(host), os.O_RDONLY | os.O_DIRECTORY)
    leak = open(tmp_path / "leaky", "w")  # noqa: SIM115
    try:
        res = rt.cmd("exec", cid, "/probe.sh", pass_fds=(d, leak.fileno()), check=True)
        assert parse_probe(res.stdout)["fds"] == "0,1,2,3,"
        res = rt.cmd("exec", "--cwd", f"/proc/self/fd/{d}", cid, "sh", "-c", "echo pwned > escaped; pwd",
                     pass_fds=(d,))
        assert res.returncode == 7, res
        assert res.stderr.startswith("matrixhell-runtime: error: process.cwd: ") and res.stdout == ""
        assert list(host.iterdir()) == []
        res = rt.cmd("exec", "--cwd", "/../../..", cid, "pwd", check=True)
        assert res.stdout.strip() == "/"
    finally:
        os.close(d)
        leak.close()
    rt.cmd("delete", "--force", cid, check=True)


def test_exec_forwards_signals_and_relays_a_terminal(rt: Runtime, bundle: Bundle) -> None:
    cid, _ = _detached(rt, bundle)
    p = subprocess.Popen([*RT, "--root", str(rt.root), "exec", cid, "sh", "-c",
                          "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done"],
                         stdout=subprocess.PIPE, text=True, env=env())
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        p.terminate()
        out, _ = p.communicate(timeout=30)
        assert out.strip() == "got-term" and p.returncode == 3
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    res = rt.cmd("exec", "--tty", cid, "sh", "-c", "tty; echo in-tty; exit 4", stdin=subprocess.DEVNULL)
    assert res.returncode == 4, res.stderr
    lines = [line.strip() for line in res.stdout.splitlines()]
    assert lines[0].startswith("/dev/pts/") and "in-tty" in lines
    rt.cmd("delete", "--force", cid, check=True)


def test_exec_errors(rt: Runtime, bundle: Bundle) -> None:
    res = rt.cmd("exec", "nope", "true")
    assert res.returncode == 4 and res.stderr == "matrixhell-runtime: error: id: container 'nope' does not exist\n"
    bundle.sh("true")
    cid = rt.new_id()
    rt.cmd("create", "--bundle", str(bundle.path), cid, check=True, stdout=subprocess.DEVNULL,
           stderr=subprocess.DEVNULL, capture_output=False)
    rt.cmd("start", cid, check=True)
    deadline = time.monotonic() + 30
    while json.loads(rt.cmd("state", cid, check=True).stdout)["status"] != "stopped":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    res = rt.cmd("exec", cid, "true")
    assert res.returncode == 5 and "is stopped" in res.stderr
    rt.cmd("delete", cid, check=True)
    cid, _ = _detached(rt, bundle)
    for argv, code, fragment in ((["exec", cid], 2, "expected a command"),
                                 (["exec", "--user", "root", cid, "true"], 2, "--user: must be UID[:GID]"),
                                 (["exec", "--env", "NOEQ", cid, "true"], 2, "--env: must be NAME=VALUE"),
                                 (["exec", cid, "/bin/nope"], 7, "process.args[0]: /bin/nope: executable file not"),
                                 (["exec", "--cwd", "rel", cid, "true"], 3, "process.cwd: must be an absolute")):
        res = rt.cmd(*argv)
        assert res.returncode == code, (argv, res)
        assert res.stderr.startswith("matrixhell-runtime: error: ") and fragment in res.stderr, res.stderr
        assert len(res.stderr.splitlines()) == 1
    rt.cmd("delete", "--force", cid, check=True)


@pytest.mark.skipif(shutil.which("runc") is None, reason="runc is not installed")
def test_exec_sees_what_runc_exec_sees(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    cid, _ = _detached(rt, bundle)
    ours = parse_probe(rt.cmd("exec", cid, "/probe.sh", check=True).stdout)
    rcid = f"ex-runc{os.getpid()}"
    state = str(tmp_path / "runc-state")
    subprocess.run(["runc", "--root", state, "run", "--detach", "--bundle", str(bundle.path), rcid], check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    try:
        res = subprocess.run(["runc", "--root", state, "exec", rcid, "/probe.sh"], capture_output=True, text=True,
                             timeout=60)
        assert res.returncode == 0, res.stderr
        theirs = parse_probe(res.stdout)
    finally:
        subprocess.run(["runc", "--root", state, "delete", "--force", rcid], capture_output=True, timeout=60)
    for key in ("hostname", "uid", "gid", "groups", "cwd", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
                "NoNewPrivs", "Seccomp", "uid_map", "gid_map", "setgroups", "fds", "interfaces", "nofile",
                "env_home"):
        assert ours.get(key) == theirs.get(key), key
    assert sorted(ours["mounts"].split(",")) == sorted(theirs["mounts"].split(","))
    rt.cmd("delete", "--force", cid, check=True)
