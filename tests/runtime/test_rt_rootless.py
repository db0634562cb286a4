"""Rootless: the same probe as an unprivileged user (mhtest, created here when absent and we are root;
CI creates it too). Id maps through a single self-mapping, or newuidmap/newgidmap with /etc/subuid."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rt_harness import REPO, builder, parse_probe

USER = "mhtest"


def _user_exists() -> bool:
    try:
        pwd.getpwnam(USER)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="session")
def user() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())  # already unprivileged: run as ourselves
    if not _user_exists():
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", USER], check=True)
    pw = pwd.getpwnam(USER)
    for f in ("/etc/subuid", "/etc/subgid"):
        text = Path(f).read_text() if os.path.exists(f) else ""
        if not any(line.split(":")[0] == USER for line in text.splitlines()):
            with open(f, "a") as fh:
                fh.write(f"{USER}:100000:65536\n")
    return pw


@pytest.fixture(scope="session")
def pub_rootfs() -> Iterator[Path]:
    """A rootfs the unprivileged user can read (pytest's tmp dirs are private to root)."""
    d = Path(tempfile.mkdtemp(prefix="mh-rootless-", dir="/tmp"))
    os.chmod(d, 0o755)
    builder.build(str(d))
    if shutil.which("gcc"):
        subprocess.run(["gcc", "-static", "-O2", "-o", str(d / "rootfs" / "bin" / "mhprobe"),
                        str(Path(__file__).with_name("mhprobe.c"))], check=True)
    (d / "config.json").unlink()
    # the runtime itself, where the user can read it (the checkout may sit under a private home)
    pkg = d / "pkg" / "matrixhell"
    pkg.mkdir(parents=True)
    shutil.copy(REPO / "matrixhell" / "__init__.py", pkg / "__init__.py")
    shutil.copytree(REPO / "matrixhell" / "runtime", pkg / "runtime", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["chmod", "-R", "a+rX", str(d)], check=True)
    yield d / "rootfs"
    shutil.rmtree(d)


class AsUser:
    def __init__(self, pw: pwd.struct_passwd, workdir: Path, pkg: Path) -> None:
        self.pw = pw
        self.pkg = pkg
        self.dir = workdir
        self.root = workdir / "state"

    def _argv(self, argv: list[str]) -> list[str]:
        py = "/usr/bin/python3" if os.geteuid() == 0 else os.sys.executable  # /root/.pyenv is private
        base = [py, "-m", "matrixhell.runtime.cli", "--root", str(self.root), *argv]
        envs = ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={self.pw.pw_dir}", f"PYTHONPATH={self.pkg}"]
        if os.geteuid() == 0:
            return ["runuser", "-u", self.pw.pw_name, "--", *envs, *base]
        return [*envs, *base]

    def cmd(self, *argv: str, **kw: object) -> subprocess.CompletedProcess:
        kw.setdefault("capture_output", True)
        return subprocess.run(self._argv(list(argv)), text=True, timeout=60, cwd=self.dir, **kw)

    def sh(self, script: str) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            argv = ["runuser", "-u", self.pw.pw_name, "--", "sh", "-c", script]
        else:
            argv = ["sh", "-c", script]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    def bundle(self, rootfs: Path, name: str, mutate=None) -> Path:  # type: ignore[no-untyped-def]
        from matrixhell.runtime.spec import default_spec

        b = self.dir / name
        b.mkdir()
        cfg = default_spec(rootless=True, uid=self.pw.pw_uid, gid=self.pw.pw_gid)
        cfg["process"]["terminal"] = False
        cfg["process"]["args"] = ["/probe.sh"]
        cfg["root"]["path"] = str(rootfs)
        if mutate:
            mutate(cfg)
        (b / "config.json").write_text(json.dumps(cfg))
        os.chown(b, self.pw.pw_uid, self.pw.pw_gid)
        return b


@pytest.fixture
def u(user: pwd.struct_passwd, pub_rootfs: Path) -> Iterator[AsUser]:
    work = Path(tempfile.mkdtemp(prefix="mh-rl-work-", dir="/tmp"))
    os.chmod(work, 0o755)
    os.chown(work, user.pw_uid, user.pw_gid)
    a = AsUser(user, work, pub_rootfs.parent / "pkg")
    yield a
    for cid in (json.loads(a.cmd("list", "--format", "json").stdout or "[]") or []):
        a.cmd("delete", "--force", cid["id"])
    shutil.rmtree(work)


def _userns_available() -> bool:
    try:
        return int(Path("/proc/sys/user/max_user_namespaces").read_text()) > 0
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _userns_available(), reason="the kernel has user namespaces disabled")


def test_rootless_probe(u: AsUser, pub_rootfs: Path) -> None:
    b = u.bundle(pub_rootfs, "b")
    res = u.cmd("run", "--bundle", str(b), "rl1")
    assert res.returncode == 0, res.stderr
    r = parse_probe(res.stdout)
    assert r["pid"] == "1" and r["hostname"] == "matrixhell"
    assert r["uid"] == "0"
    assert r["uid_map"].split() == ["0", str(u.pw.pw_uid), "1;"]
    assert r["gid_map"].split() == ["0", str(u.pw.pw_gid), "1;"]
    assert r["setgroups"] == "deny"  # dropping a supplementary group would bypass a group-deny ACL
    assert r["CapEff"] == "0000000020000420" and r["NoNewPrivs"] == "1" and r["Seccomp"] == "2"
    assert r["interfaces"] == "lo,"
    assert r["fds"] == "0,1,2,3,"
    for m in ("/proc", "/dev", "/dev/pts", "/sys", "/proc/keys"):
        assert m in r["mounts"].split(","), m


def test_rootless_wide_mapping_through_newuidmap(u: AsUser, pub_rootfs: Path) -> None:
    if shutil.which("newuidmap") is None:
        pytest.skip("newuidmap (package uidmap) is not installed")
    sub = next(line.split(":") for line in Path("/etc/subuid").read_text().splitlines()
               if line.split(":")[0] in (u.pw.pw_name, str(u.pw.pw_uid)))
    start, count = int(sub[1]), min(int(sub[2]), 65536)

    def wide(cfg: dict) -> None:
        for key in ("uidMappings", "gidMappings"):
            own = cfg["linux"][key][0]["hostID"]
            cfg["linux"][key] = [{"containerID": 0, "hostID": own, "size": 1},
                                 {"containerID": 1, "hostID": start, "size": count}]
        cfg["process"]["args"] = ["/bin/sh", "-c", "cat /proc/self/uid_map; id -u nobody 2>/dev/null; "
                                  "touch /dev/shm/f && chown 1000:1000 /dev/shm/f 2>&1; echo chown=$?"]
        for c in ("bounding", "effective", "permitted"):
            cfg["process"]["capabilities"][c].append("CAP_CHOWN")

    b = u.bundle(pub_rootfs, "wide", wide)
    res = u.cmd("run", "--bundle", str(b), "rl2")
    assert res.returncode == 0, res.stderr
    lines = [line.split() for line in res.stdout.splitlines()]
    assert lines[0] == ["0", str(u.pw.pw_uid), "1"]
    assert lines[1] == ["1", str(start), str(count)]
    assert "chown=0" in res.stdout  # uid 1000 exists in the container thanks to the subuid range


def test_rootless_lifecycle_and_state_dir(u: AsUser, pub_rootfs: Path) -> None:
    b = u.bundle(pub_rootfs, "lc", lambda c: c["process"].update(args=["/bin/sleep", "30"]))
    res = u.cmd("create", "--bundle", str(b), "rl3", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                capture_output=False)
    assert res.returncode == 0
    st = json.loads(u.cmd("state", "rl3").stdout)
    assert st["status"] == "created"
    assert u.cmd("start", "rl3").returncode == 0
    assert json.loads(u.cmd("state", "rl3").stdout)["status"] == "running"
    assert u.cmd("kill", "rl3", "KILL").returncode == 0
    deadline = time.monotonic() + 30
    while json.loads(u.cmd("state", "rl3").stdout)["status"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert u.cmd("delete", "rl3").returncode == 0
    assert not (u.root / "rl3").exists()


def test_rootless_runtime_process_is_not_dumpable(u: AsUser, pub_rootfs: Path) -> None:
    """CVE-2019-5736 class: while created, the container process still runs our interpreter; the same
    unprivileged user must not be able to reach its exe or memory."""
    b = u.bundle(pub_rootfs, "nd", lambda c: c["process"].update(args=["/bin/true"]))
    assert u.cmd("create", "--bundle", str(b), "rl4", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                 capture_output=False).returncode == 0
    pid = json.loads(u.cmd("state", "rl4").stdout)["pid"]
    res = u.sh(f"readlink /proc/{pid}/exe || echo denied; cat /proc/{pid}/environ > /dev/null 2>&1 || echo denied2")
    assert res.stdout.split() == ["denied", "denied2"]
    assert u.cmd("delete", "rl4").returncode == 0


def test_rootless_cannot_write_root_owned_host_files(u: AsUser, pub_rootfs: Path, tmp_path: Path) -> None:
    host = Path(tempfile.mkdtemp(prefix="mh-rl-host-", dir="/tmp"))
    os.chmod(host, 0o755)
    (host / "f").write_text("root's\n")
    os.chmod(host / "f", 0o644)
    try:
        def bind(cfg: dict) -> None:
            cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": str(host),
                                  "options": ["rbind", "nodev"]})
            cfg["process"]["args"] = ["/bin/sh", "-c", "echo x > /mnt/f 2>/dev/null; echo x > /mnt/g 2>/dev/null; "
                                      "cat /mnt/f"]

        b = u.bundle(pub_rootfs, "host", bind)
        res = u.cmd("run", "--bundle", str(b), "rl5")
        assert res.stdout == "root's\n", res.stderr
        assert (host / "f").read_text() == "root's\n" and not (host / "g").exists()
    finally:
        shutil.rmtree(host)


def test_rootless_limits_without_delegation_fail_clearly(u: AsUser, pub_rootfs: Path) -> None:
    b = u.bundle(pub_rootfs, "lim", lambda c: c["linux"].update(resources={"pids": {"limit": 10}}))
    res = u.cmd("run", "--bundle", str(b), "rl6")
    if res.returncode == 0:
        pytest.skip("this user has a delegated cgroup")
    assert res.returncode == 6
    assert res.stderr.startswith("matrixhell-runtime: error: linux.resources: cannot create cgroup")
    assert not (u.root / "rl6").exists()


def test_rootless_escape_attempts_fail(u: AsUser, pub_rootfs: Path) -> None:
    def attempts(cfg: dict) -> None:
        cfg["process"]["args"] = ["/bin/sh", "-c",
                                  "mount -t tmpfs x /mnt 2>/dev/null; echo m=$?; "
                                  "ulimit -n 4096 2>/dev/null; echo u=$?; "
                                  "echo x > /sys/fs/cgroup/memory/release_agent 2>/dev/null; echo r=$?; "
                                  "ps -o pid | tail -n +2 | wc -l"]

    b = u.bundle(pub_rootfs, "esc", attempts)
    res = u.cmd("run", "--bundle", str(b), "rl7")
    out = res.stdout.split()
    assert out[:3] == ["m=1", "u=1", "r=1"] or ("m=0" not in out and "u=0" not in out and "r=0" not in out)
    assert int(out[3]) <= 5  # sh, ps, tail, wc: no host process is visible


def test_rootless_mount_point_errors_name_the_field(u: AsUser, pub_rootfs: Path) -> None:
    """The unprivileged container root cannot create directories in a root-owned rootfs."""
    def bind(cfg: dict) -> None:
        cfg["mounts"].append({"destination": "/newdir", "type": "tmpfs", "source": "tmpfs"})

    b = u.bundle(pub_rootfs, "mp", bind)
    res = u.cmd("run", "--bundle", str(b), "rl8")
    assert res.returncode == 6
    assert res.stderr == ("matrixhell-runtime: error: mounts[7].destination: /newdir: cannot make the mount point "
                          "inside the rootfs: Permission denied\n")


@pytest.mark.skipif(shutil.which("runc") is None, reason="runc is not installed")
def test_rootless_probe_matches_rootless_runc(u: AsUser, pub_rootfs: Path) -> None:
    from test_rt_interop import COMPARED

    b = u.bundle(pub_rootfs, "vsrunc")
    ours = u.cmd("run", "--bundle", str(b), "rl9")
    assert ours.returncode == 0, ours.stderr
    runc = shutil.which("runc")
    theirs = u.sh(f"cd {b} && env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR={u.dir} {runc} --root {u.dir}/runc-state "
                  f"run --bundle {b} rl9-runc")
    assert theirs.returncode == 0, theirs.stderr
    a, r = parse_probe(ours.stdout), parse_probe(theirs.stdout)
    for key in COMPARED:
        assert a.get(key) == r.get(key), key
    assert sorted(a["mounts"].split(",")) == sorted(r["mounts"].split(","))


def _spec_bundle_as_user(u: AsUser, pub_rootfs: Path, name: str) -> Path:
    """A bundle exactly as `spec --rootless` writes it (run as the user), with the probe rootfs in it."""
    b = u.dir / name
    b.mkdir()
    os.chown(b, u.pw.pw_uid, u.pw.pw_gid)
    res = u.cmd("spec", "--rootless", "--bundle", str(b))
    assert res.returncode == 0, res.stderr
    shutil.copytree(pub_rootfs, b / "rootfs", symlinks=True)
    return b


def test_rootless_run_of_a_spec_bundle_with_its_terminal(u: AsUser, pub_rootfs: Path) -> None:
    """`spec --rootless` as is: terminal on, `sh` reading the relayed terminal, its exit status back."""
    b = _spec_bundle_as_user(u, pub_rootfs, "specb")
    res = u.cmd("run", "--bundle", str(b), "rl10", input="echo from-$((6*7)); id -u; tty; exit 5\n")
    assert res.returncode == 5, res
    out = [line.strip() for line in res.stdout.splitlines()]
    assert "from-42" in out and "0" in out  # the command ran (not only echoed) as the mapped root
    assert "/dev/pts/0" in out or "/dev/console" in out
    assert not (u.root / "rl10").exists()


def _runtime_pid(container_pid: int) -> int:
    for line in Path(f"/proc/{container_pid}/status").read_text().splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    raise AssertionError("no PPid")


def _popen_as_user(u: AsUser, b: Path, cid: str) -> subprocess.Popen:
    return subprocess.Popen(u._argv(["run", "--bundle", str(b), cid]), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=u.dir)


def _stop(u: AsUser, p: subprocess.Popen, cid: str) -> None:
    """On a failed assertion: the container holds the pipes, so it goes first, then the runtime."""
    if p.poll() is None:
        u.cmd("kill", cid, "KILL")
        try:
            p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()


def _wait_running(u: AsUser, cid: str) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        res = u.cmd("state", cid)
        if res.returncode == 0 and json.loads(res.stdout)["status"] == "running":
            return int(json.loads(res.stdout)["pid"])
        time.sleep(0.05)
    raise AssertionError(f"{cid} never ran")


def test_rootless_sigterm_to_the_runtime_reaches_the_container(u: AsUser, pub_rootfs: Path) -> None:
    b = u.bundle(pub_rootfs, "term", lambda c: c["process"].update(
        args=["/bin/sh", "-c", "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done"]))
    p = _popen_as_user(u, b, "rl11")
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        pid = _wait_running(u, "rl11")
        runtime = _runtime_pid(pid)
        assert str(u.pw.pw_uid) == Path(f"/proc/{runtime}/status").read_text().split("Uid:")[1].split()[0]
        os.kill(runtime, 15)
        out, err = p.communicate(timeout=30)
        assert out.strip() == "got-term", err
        assert p.returncode == 3
    finally:
        _stop(u, p, "rl11")
    assert not (u.root / "rl11").exists()


def test_rootless_killed_container_exits_128_plus_n(u: AsUser, pub_rootfs: Path) -> None:
    b = u.bundle(pub_rootfs, "sig", lambda c: c["process"].update(
        args=["/bin/sh", "-c", "echo ready; while :; do sleep 0.05; done"]))
    p = _popen_as_user(u, b, "rl12")
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        _wait_running(u, "rl12")
        # pid 1 of a pid namespace only receives the signals it handles, and SIGKILL from outside
        assert u.cmd("kill", "rl12", "KILL").returncode == 0
        p.communicate(timeout=30)
        assert p.returncode == 128 + 9
    finally:
        _stop(u, p, "rl12")
    assert not (u.root / "rl12").exists()


@pytest.mark.parametrize("breakage", ["bad-config", "missing-rootfs", "mount-fails-half-way", "no-such-exe"])
def test_rootless_failed_run_leaves_no_trace(u: AsUser, pub_rootfs: Path, breakage: str) -> None:
    def mutate(cfg: dict) -> None:
        if breakage == "bad-config":
            cfg["linux"]["namespaces"].append({"type": "pid"})
        elif breakage == "missing-rootfs":
            cfg["root"]["path"] = str(u.dir / "no-rootfs")
        elif breakage == "mount-fails-half-way":
            cfg["mounts"].insert(3, {"destination": "/mnt", "type": "bind", "source": str(u.dir / "missing"),
                                     "options": ["rbind"]})
        else:
            cfg["process"]["args"] = ["/bin/definitely-not-here"]

    b = u.bundle(pub_rootfs, f"fail-{breakage}", mutate)
    before = {p for p in os.listdir("/proc") if p.isdigit()}
    res = u.cmd("run", "--bundle", str(b), "rl13")
    assert res.returncode == {"bad-config": 3, "missing-rootfs": 3}.get(breakage, res.returncode)
    assert res.returncode in (3, 6, 7), res
    assert res.stderr.startswith("matrixhell-runtime: error: ") and res.stderr.count("\n") == 1, res.stderr
    assert not (u.root / "rl13").exists()

    def left() -> list[str]:
        return [p for p in {p for p in os.listdir("/proc") if p.isdigit()} - before
                if _owned_by(p, u.pw.pw_uid) and not _zombie(p)]

    # a child the failed run killed may still be exiting on a loaded machine: bounded wait, then judge
    deadline = time.monotonic() + 30
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left() == []


def _zombie(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return ") Z " in f.read()
    except OSError:
        return True  # gone


def _owned_by(pid: str, uid: int) -> bool:
    try:
        return os.stat(f"/proc/{pid}").st_uid == uid
    except OSError:
        return False


def test_rootless_exec_joins_the_user_namespace(u: AsUser, pub_rootfs: Path) -> None:
    b = u.bundle(pub_rootfs, "ex", lambda c: c["process"].update(
        args=["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.05; done"]))
    res = u.cmd("run", "--detach", "--bundle", str(b), "rl14", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                capture_output=False)
    assert res.returncode == 0
    res = u.cmd("exec", "rl14", "/probe.sh")
    assert res.returncode == 0, res.stderr
    r = parse_probe(res.stdout)
    assert r["uid"] == "0" and int(r["pid"]) > 1
    assert r["uid_map"].split() == ["0", str(u.pw.pw_uid), "1;"] and r["setgroups"] == "deny"
    assert r["CapEff"] == "0000000020000420" and r["NoNewPrivs"] == "1" and r["Seccomp"] == "2"
    assert r["fds"] == "0,1,2,3,"
    assert u.cmd("exec", "rl14", "sh", "-c", "exit 9").returncode == 9
    res = u.cmd("exec", "--user", "5", "rl14", "true")
    assert res.returncode == 3 and "process.user.uid: 5 is not mapped" in res.stderr
    assert u.cmd("delete", "--force", "rl14").returncode == 0
    assert not (u.root / "rl14").exists()


def test_rootless_hooks_run_as_the_user_in_their_namespaces(u: AsUser, pub_rootfs: Path) -> None:
    log = u.dir / "hooks.log"
    script = u.dir / "hook.sh"
    script.write_text(f'#!/bin/sh\nstate=$(cat)\necho "$1 $(id -u) $(readlink /proc/self/ns/user) $state" >> {log}\n')
    script.chmod(0o755)
    os.chown(script, u.pw.pw_uid, u.pw.pw_gid)

    def hooks(cfg: dict) -> None:
        cfg["hooks"] = {k: [{"path": str(script), "args": [str(script), k]}]
                        for k in ("createRuntime", "createContainer", "poststart", "poststop")}
        cfg["hooks"]["startContainer"] = [{"path": "/bin/sh", "args": [
            "sh", "-c", 'echo "startContainer $(id -u) $(readlink /proc/self/ns/user) $(cat)" >> /mnt/hooks.log']}]
        cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": str(u.dir), "options": ["rbind"]})
        cfg["process"]["args"] = ["/bin/true"]

    b = u.bundle(pub_rootfs, "hk", hooks)
    res = u.cmd("run", "--bundle", str(b), "rl15")
    assert res.returncode == 0, res.stderr
    entries = [line.split(" ", 3) for line in log.read_text().splitlines()]
    assert [e[0] for e in entries] == ["createRuntime", "createContainer", "startContainer", "poststart",
                                       "poststop"]
    host_userns = os.readlink("/proc/self/ns/user")
    by_kind = {e[0]: e for e in entries}
    assert by_kind["createRuntime"][1:3] == [str(u.pw.pw_uid), host_userns]  # the runtime's own namespace
    assert by_kind["createContainer"][1] == "0" and by_kind["createContainer"][2] != host_userns
    assert by_kind["startContainer"][1:3] == by_kind["createContainer"][1:3]  # inside, as its root
    assert json.loads(by_kind["startContainer"][3])["status"] == "created"
    assert json.loads(by_kind["createRuntime"][3])["id"] == "rl15"
    assert not (u.root / "rl15").exists()
