"""Escape attempts that must fail, and the CVE-class protections, each a test (privileged)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from rt_harness import Bundle, Runtime, privileged

pytestmark = [pytest.mark.privileged, privileged]


@pytest.fixture
def own_rootfs(bundle: Bundle, tmp_path: Path) -> Path:
    """A private copy of the rootfs the test may booby-trap."""
    own = tmp_path / "ownroot"
    shutil.copytree(bundle.config["root"]["path"], own, symlinks=True)
    bundle.config["root"]["path"] = str(own)
    bundle.write()
    return own


def test_cannot_write_a_host_file_through_a_read_only_bind(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    host = tmp_path / "hostdir"
    host.mkdir()
    (host / "secret").write_text("original\n")
    bundle.mount(destination="/host", type="bind", source=str(host), options=["rbind", "ro", "nodev"])
    bundle.sh("echo pwned > /host/secret; echo pwned > /host/new; rm -f /host/secret; cat /host/secret")
    res = rt.run(bundle, check=False)
    assert res.stdout == "original\n"
    assert (host / "secret").read_text() == "original\n"
    assert not (host / "new").exists()


def test_host_files_outside_the_rootfs_are_not_visible(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    marker = tmp_path / "marker-outside"
    marker.write_text("x")
    bundle.sh(f"ls {marker} 2>&1; ls /proc/1/root{marker} 2>&1; find / -name marker-outside 2>/dev/null | wc -l")
    out = rt.run(bundle, check=False).stdout.splitlines()
    assert "No such file" in out[0] and "No such file" in out[1]
    assert out[2] == "0"


def test_cannot_see_host_processes(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("ps -o pid,comm | tail -n +2")
    rows = [line.split() for line in rt.run(bundle).stdout.splitlines()]
    pids = {int(r[0]) for r in rows}
    assert 1 in pids and os.getpid() not in pids
    assert not any(r[1].startswith(("pytest", "python")) for r in rows)
    bundle.sh(f"kill -0 {os.getpid()} 2>&1 && echo reached || echo unreachable")
    assert rt.run(bundle).stdout.strip().endswith("unreachable")


def test_cannot_reach_the_host_loopback(rt: Runtime, bundle: Bundle) -> None:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    accepted: list[object] = []
    srv.settimeout(0.2)
    done = threading.Event()

    def serve() -> None:  # serves until the container has run
        while not done.is_set():
            try:
                conn, _ = srv.accept()
                accepted.append(conn)
                conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nhost-secret")
                conn.close()
            except OSError:
                continue

    t = threading.Thread(target=serve)
    t.start()
    try:
        # sanity: the server answers from the host
        with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
            assert b"host-secret" in c.recv(100)
        accepted.clear()
        bundle.sh(f"echo hi | nc -w 1 127.0.0.1 {port} 2>&1; echo nc=$?; "
                  f"wget -q -T 1 -O - http://127.0.0.1:{port}/ 2>&1; echo wget=$?")
        out = rt.run(bundle, check=False).stdout
        assert "host-secret" not in out
        assert "nc=0" not in out and "wget=0" not in out
        assert accepted == []
    finally:
        done.set()
        t.join()
        srv.close()


def test_cannot_mount(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("mkdir -p /dev/shm/m; mount -t tmpfs none /dev/shm/m 2>&1; echo rc=$?")
    out = rt.run(bundle, check=False).stdout
    assert "rc=0" not in out
    assert "denied" in out.lower() or "not permitted" in out.lower()


def test_cannot_create_namespaces(rt: Runtime, bundle: Bundle, rootfs: Path) -> None:
    if not (rootfs / "bin" / "mhprobe").exists():
        pytest.fail("gcc is needed to build the static mhprobe helper")
    bundle.args("/bin/mhprobe", "unshare")
    assert rt.run(bundle).stdout.strip() == "unshare=EPERM"


def test_cannot_ptrace(rt: Runtime, bundle: Bundle, rootfs: Path) -> None:
    if not (rootfs / "bin" / "mhprobe").exists():
        pytest.fail("gcc is needed to build the static mhprobe helper")
    bundle.sh("sleep 5 & /bin/mhprobe ptrace $!; kill $!")
    assert rt.run(bundle, check=False).stdout.strip() == "ptrace=EPERM"


def test_cannot_ptrace_even_without_seccomp(rt: Runtime, bundle: Bundle, rootfs: Path) -> None:
    # without the filter the missing CAP_SYS_PTRACE still stops attaching to a non-child? No: same-uid
    # children may be traced; what must stay impossible is reaching outside the pid namespace.
    del bundle.linux["seccomp"]
    bundle.args("/bin/mhprobe", "ptrace", str(os.getpid()))
    assert rt.run(bundle.write(), check=False).stdout.strip() == "ptrace=ESRCH"


def test_cannot_raise_an_rlimit(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("ulimit -n 4096 2>&1; echo rc=$?; ulimit -n")
    out = rt.run(bundle, check=False).stdout.splitlines()
    assert out[-1] == "1024"
    assert "rc=0" not in out


def test_cannot_load_a_kernel_module(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    bundle.sh("echo junk > /dev/shm/x.ko; insmod /dev/shm/x.ko 2>&1; echo rc=$?; "
              "cat /proc/sys/kernel/modprobe > /dev/null; echo /x > /proc/sys/kernel/modprobe 2>&1; echo w=$?")
    out = rt.run(bundle, check=False).stdout
    assert "rc=0" not in out and "w=0" not in out


def test_symlinked_mount_destination_stays_inside_the_rootfs(rt: Runtime, bundle: Bundle, own_rootfs: Path,
                                                             tmp_path: Path) -> None:
    """CVE-2021-30465 class: the image makes the destination a symlink pointing at a host path."""
    victim = tmp_path / "victim"  # a host directory the image points at
    victim.mkdir()
    (victim / "keep").write_text("host\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "payload").write_text("mounted\n")
    rel = str(victim).lstrip("/")
    (own_rootfs / "mnt" / "x").symlink_to("/../../../" + rel)
    bundle.mount(destination="/mnt/x", type="bind", source=str(src), options=["rbind", "nodev"])
    bundle.sh(f"cat /mnt/x/payload; cat /{rel}/payload")
    out = rt.run(bundle).stdout.splitlines()
    assert out == ["mounted", "mounted"]  # the symlink was followed INSIDE the rootfs
    assert (own_rootfs / rel).is_dir()  # the mount point was made under the rootfs
    assert sorted(p.name for p in victim.iterdir()) == ["keep"]  # the host path never got the mount
    assert str(victim) not in Path("/proc/self/mountinfo").read_text()


def test_dev_symlinked_out_cannot_redirect_devices(rt: Runtime, bundle: Bundle, own_rootfs: Path,
                                                   tmp_path: Path) -> None:
    """The /dev/null and /dev/console class: an image whose /dev points at a host directory."""
    victim = tmp_path / "hostdev"
    victim.mkdir()
    rel = str(victim).lstrip("/")
    os.rmdir(own_rootfs / "dev")
    (own_rootfs / "dev").symlink_to("/../../../" + rel)
    bundle.sh("ls /dev/null && echo ok")
    assert rt.run(bundle).stdout.splitlines()[-1] == "ok"
    assert list(victim.iterdir()) == []  # no device node, no tmpfs landed on the host directory


def test_fds_above_2_are_closed_before_exec(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    """CVE-2024-21626 class: an fd the runtime inherited must not reach the container."""
    leak = open(tmp_path / "leaky", "w")  # noqa: SIM115
    d = os.open(str(tmp_path), os.O_RDONLY | os.O_DIRECTORY)
    try:
        bundle.sh("ls /proc/self/fd | tr '\\n' ,; echo; for f in /proc/self/fd/*; do readlink $f; done; true")
        res = rt.run(bundle, pass_fds=(leak.fileno(), d))
        assert res.stdout.splitlines()[0] == "0,1,2,3,"
        assert str(tmp_path) not in res.stdout
    finally:
        leak.close()
        os.close(d)


def test_cwd_must_resolve_inside_the_root(rt: Runtime, bundle: Bundle, own_rootfs: Path) -> None:
    (own_rootfs / "escape").symlink_to("/../../../../")
    bundle.process["cwd"] = "/escape/tmp"
    bundle.sh("pwd; ls /proc/self/cwd/ | grep -c probe.sh; true")
    out = rt.run(bundle.write()).stdout.splitlines()
    assert out == ["/tmp", "0"]  # the symlink resolved within the new root
    assert not (own_rootfs.parent / "tmp").exists()  # ... and nothing was made beside the rootfs


def test_cwd_through_an_inherited_host_directory_fd_is_refused(rt: Runtime, bundle: Bundle,
                                                                tmp_path: Path) -> None:
    """CVE-2024-21626 itself: process.cwd names /proc/self/fd/N, N a host directory the runtime inherited
    (open until exec, since fds are only marked close-on-exec): the start must fail, nothing may run."""
    host = tmp_path / "hostside"
    host.mkdir()
    d = os.open(str(host), os.O_RDONLY | os.O_DIRECTORY)
    try:
        bundle.process["cwd"] = f"/proc/self/fd/{d}"
        bundle.sh("pwd; echo pwned > escaped")
        res = rt.run(bundle.write(), check=False, pass_fds=(d,))
        # refused twice over: resolving the cwd in the rootfs rejects magic links (exit 6), and the
        # check after chdir rejects a cwd outside the new root (exit 7)
        assert res.returncode in (6, 7), res
        assert res.stderr.startswith("matrixhell-runtime: error: process.cwd: "), res.stderr
        assert res.stdout == ""
        assert list(host.iterdir()) == []
    finally:
        os.close(d)


def test_container_process_exe_is_inside_and_runtime_is_unreachable(rt: Runtime, bundle: Bundle) -> None:
    """CVE-2019-5736 class: /proc/self/exe of pid 1 is the container's binary, nothing refers to ours."""
    bundle.sh("readlink /proc/1/exe; for f in /proc/1/fd/*; do readlink $f; done; "
              "ls /proc/1/map_files 2>/dev/null | wc -l")
    out = rt.run(bundle).stdout.splitlines()
    assert out[0] == "/bin/busybox"
    assert not any("python" in line or "matrixhell" in line for line in out)


def test_container_process_is_non_dumpable_until_exec(rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    """While created (before exec) the process still runs our interpreter: it must be non-dumpable,
    which the kernel shows by making /proc/<pid>/ files root-owned even for a mapped uid."""
    # the mapped root must be able to reach its rootfs (as under runc): a world-traversable copy
    import tempfile

    pub = Path(tempfile.mkdtemp(prefix="mh-userns-", dir="/tmp"))
    os.chmod(pub, 0o755)
    try:
        shutil.copytree(bundle.config["root"]["path"], pub / "rootfs", symlinks=True)
        bundle.config["root"]["path"] = str(pub / "rootfs")
        bundle.linux["namespaces"].append({"type": "user"})
        bundle.linux["uidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
        bundle.linux["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
        bundle.config["root"]["readonly"] = True
        bundle.linux.pop("resources", None)
        for m in bundle.config["mounts"]:
            if m["destination"] == "/dev/pts":
                m["options"] = [o for o in m["options"] if o != "gid=5"]
        bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                                   if m["destination"] not in ("/sys", "/sys/fs/cgroup")]
        bundle.mount(destination="/sys", type="none", source="/sys",
                     options=["rbind", "nosuid", "noexec", "nodev", "ro"])
        bundle.args("/bin/true")
        cid = rt.new_id()
        err = tmp_path / "create.err"
        with open(err, "w") as ef:
            res = rt.cmd("create", "--bundle", str(bundle.path), cid, stdout=subprocess.DEVNULL, stderr=ef,
                         capture_output=False)
        assert res.returncode == 0, err.read_text()
        assert json.loads(rt.cmd("state", cid, check=True).stdout)["status"] == "created", err.read_text()
        pid = json.loads(rt.cmd("state", cid, check=True).stdout)["pid"]
        status = Path(f"/proc/{pid}/status").read_text()
        uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
        assert uid_line.split()[1] == "200000"  # the process's own uid is the mapped one
        assert os.stat(f"/proc/{pid}/environ").st_uid == 0  # ... yet its /proc files are root's: not dumpable
        assert os.readlink(f"/proc/{pid}/exe").startswith(("/usr", "/root", "/opt", "/bin"))  # still python
        rt.cmd("delete", cid, check=True)
    finally:
        shutil.rmtree(pub)


def test_cgroupfs_is_read_only_inside(rt: Runtime, bundle: Bundle) -> None:
    """cgroup v1 release_agent class. Every cgroup mount inside is read-only (the kernel's own view, so
    this does not depend on what uid 0 without capabilities may do), and writing or making a cgroup fails.
    A hierarchy the container was not moved into shows the runtime's cgroup: anything made there by a
    broken runtime is removed again."""
    name = f"mh-evil-{os.getpid()}"
    bundle.sh("grep ' /sys/fs/cgroup' /proc/self/mountinfo | cut -d' ' -f5,6; "
              "for c in /sys/fs/cgroup/*; do [ -e $c/release_agent ] && { echo /x > $c/release_agent 2>/dev/null "
              f"&& echo wrote-$c; }}; mkdir $c/{name} 2>/dev/null && echo made-$c; done; echo done")
    try:
        out = rt.run(bundle).stdout.splitlines()
    finally:
        own = {line.split(":")[1]: line.split(":")[2] for line in Path("/proc/self/cgroup").read_text().split()}
        for h in Path("/sys/fs/cgroup").iterdir():
            key = h.name if h.name != "systemd" else "name=systemd"
            for leaf in (h / own.get(key, "/").lstrip("/") / name, h / name):
                if leaf.is_dir():
                    leaf.rmdir()
    mounts = [line.split() for line in out[:-1]]
    assert len(mounts) >= 2 and all(m[0].startswith("/sys/fs/cgroup") for m in mounts), out
    assert all("ro" in m[1].split(",") for m in mounts), mounts
    assert out[-1] == "done" and not any(line.startswith(("wrote-", "made-")) for line in out), out


def test_new_session_no_controlling_terminal(rt: Runtime, bundle: Bundle, rootfs: Path) -> None:
    """TIOCSTI class: the container is a session leader without our terminal."""
    r = rt.probe(bundle)
    assert r["sid"] == "1"
    bundle.args("/bin/mhprobe", "tiocsti")
    out = rt.run(bundle, stdin=subprocess.DEVNULL).stdout.strip()
    assert out in ("tiocsti=ENOTTY", "tiocsti=EPERM", "tiocsti=EIO")


def test_device_nodes_shipped_in_the_image_are_inert(rt: Runtime, bundle: Bundle, own_rootfs: Path) -> None:
    """An image carrying a raw device node (here a copy of /dev/mem's numbers) cannot open it."""
    os.mknod(own_rootfs / "mem", 0o600 | 0o020000, os.makedev(1, 1))
    bundle.sh("head -c 1 /mem > /dev/null 2>&1 && echo opened || echo refused")
    assert rt.run(bundle).stdout.strip() == "refused"


def test_keyring_and_kernel_logs_masked_or_denied(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("cat /proc/keys | wc -c; dmesg > /dev/null 2>&1 && echo dmesg || echo no-dmesg")
    assert rt.run(bundle).stdout.split() == ["0", "no-dmesg"]


def test_created_container_in_a_shared_pid_namespace_hides_the_runtime_binary(
        rt: Runtime, bundle: Bundle, tmp_path: Path) -> None:
    """CVE-2019-5736 class from the inside: a second container created into a running container's pid
    namespace is still our interpreter until `start`; the first one's processes must not be able to open
    or even name its /proc/<pid>/exe (non-dumpable), which is what overwriting the host binary needs."""
    bundle.sh("echo ready; while [ ! -e /dev/shm/go ]; do sleep 0.05; done; "
              "for p in /proc/[0-9]*; do [ $p = /proc/$$ ] || [ $p = /proc/self ] || "
              "[ $p = /proc/thread-self ] || { readlink $p/exe || echo noexe-$p; "
              "head -c 4 $p/exe > /dev/shm/x 2>/dev/null && echo opened-$p; }; done; echo done")
    first = rt.new_id()
    from rt_harness import RT, env

    p = subprocess.Popen([*RT, "--root", str(rt.root), "run", "--bundle", str(bundle.path), first],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    second = rt.new_id()
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        pid1 = json.loads(rt.cmd("state", first, check=True).stdout)["pid"]
        b2 = tmp_path / "bundle2"
        b2.mkdir()
        cfg = json.loads((bundle.path / "config.json").read_text())
        cfg["process"]["args"] = ["/bin/true"]
        for n in cfg["linux"]["namespaces"]:
            if n["type"] == "pid":
                n["path"] = f"/proc/{pid1}/ns/pid"
        (b2 / "config.json").write_text(json.dumps(cfg))
        res = rt.cmd("create", "--bundle", str(b2), second, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, capture_output=False)  # the created process keeps stdio
        assert res.returncode == 0
        pid2 = json.loads(rt.cmd("state", second, check=True).stdout)["pid"]
        assert os.readlink(f"/proc/{pid2}/exe").find("python") >= 0  # still the runtime's interpreter
        with open(f"/proc/{pid1}/root/dev/shm/go", "w"):
            pass
        out, err = p.communicate(timeout=60)
        lines = out.splitlines()
        assert lines[-1] == "done", (out, err)
        assert not any("python" in line for line in lines), lines
        assert not any(line.startswith("opened-") for line in lines), lines
        assert any(line.startswith("noexe-") for line in lines), lines  # the created one was seen, and refused
    finally:
        rt.cmd("delete", "--force", second)
        if p.poll() is None:
            rt.cmd("kill", first, "KILL")
            p.communicate(timeout=30)


def test_masking_refuses_a_dev_null_that_is_not_the_null_device(rt: Runtime, bundle: Bundle,
                                                                own_rootfs: Path) -> None:
    """The /dev/null class (runc's CVE-2025-31133): the image's /dev (no tmpfs /dev in the config) has
    /dev/null as a symlink to a procfs file; masking must not bind that file over the masked paths."""
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if not m["destination"].startswith("/dev")]
    (own_rootfs / "dev").mkdir(exist_ok=True)
    (own_rootfs / "dev" / "null").symlink_to("/proc/sys/kernel/hostname")
    bundle.sh("cat /proc/timer_list; cat /proc/keys")
    res = rt.run(bundle.write(), check=False)
    assert res.returncode == 6, res
    assert "linux.maskedPaths" in res.stderr and "/dev/null is not the null device" in res.stderr
    assert "matrixhell" not in res.stdout


def test_terminal_refuses_a_dev_console_symlink(rt: Runtime, bundle: Bundle, own_rootfs: Path) -> None:
    """The /dev/console class (runc's CVE-2025-52565): the terminal is bound on /dev/console; an image
    whose /dev/console is a symlink must not redirect that mount elsewhere in the container."""
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if m["destination"] not in ("/dev", "/dev/shm", "/dev/mqueue")]
    (own_rootfs / "dev").mkdir(exist_ok=True)
    (own_rootfs / "etc" / "target").write_text("original\n")
    (own_rootfs / "dev" / "console").symlink_to("/etc/target")
    (own_rootfs / "dev" / "ptmx").symlink_to("pts/ptmx")
    bundle.process["terminal"] = True
    bundle.config["linux"]["maskedPaths"] = []
    bundle.sh("grep -c ' /etc/target ' /proc/self/mountinfo; true")
    res = rt.run(bundle.write(), check=False, stdin=subprocess.DEVNULL)
    assert res.returncode == 6, res
    assert "/dev/console" in res.stderr and "symlink" in res.stderr
    assert (own_rootfs / "etc" / "target").read_text() == "original\n"


def test_tiocsti_cannot_reach_the_runtimes_controlling_terminal(rt: Runtime, bundle: Bundle,
                                                               rootfs: Path) -> None:
    """TIOCSTI class with a real terminal: the runtime's stdin is its controlling tty (a pty); the
    container, in its own session, must not push input into it."""
    if not (rootfs / "bin" / "mhprobe").exists():
        pytest.fail("gcc is needed to build the static mhprobe helper")
    import pty

    master, slave = pty.openpty()
    try:
        bundle.args("/bin/mhprobe", "tiocsti")
        from rt_harness import RT, env

        def ctty() -> None:  # the slave becomes the runtime's controlling terminal
            import fcntl
            import termios

            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        res = subprocess.run([*RT, "--root", str(rt.root), "run", "--bundle", str(bundle.path), rt.new_id()],
                             stdin=slave, capture_output=True, text=True, env=env(), timeout=30,
                             start_new_session=True, preexec_fn=ctty)
        assert res.stdout.strip() in ("tiocsti=EPERM", "tiocsti=EIO"), res
        os.set_blocking(master, False)
        try:
            injected = os.read(master, 100)
        except BlockingIOError:
            injected = b""
        assert b"x" not in injected
    finally:
        os.close(master)
        os.close(slave)


def test_old_root_is_detached_after_pivot(rt: Runtime, bundle: Bundle) -> None:
    """pivot_root leaves the host's root stacked on the new one until it is detached: the container must
    see one `/` and only the mounts its config asks for (no host mount point, nothing kept busy)."""
    bundle.sh("cut -d' ' -f5 /proc/self/mountinfo")
    points = rt.run(bundle).stdout.split()
    assert points.count("/") == 1, points
    wanted = {m["destination"] for m in bundle.config["mounts"]} | set(bundle.linux["maskedPaths"]) | \
        set(bundle.linux["readonlyPaths"]) | {"/"}
    extra = [p for p in points if p not in wanted and not p.startswith("/sys/fs/cgroup/")]
    assert extra == [], extra


def test_an_image_cannot_stand_in_for_proc(rt: Runtime, bundle: Bundle, own_rootfs: Path) -> None:
    """The CVE-2025-52881 class: without procfs at /proc, the image's own /proc/self/fd/N entries would
    decide what the masks bind where (here: a sysfs file, bound writable, over a masked path)."""
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] != "/proc"]
    fake = own_rootfs / "proc" / "self" / "fd"
    fake.mkdir(parents=True, exist_ok=True)
    for n in range(3, 40):
        (fake / str(n)).symlink_to("/sys/kernel/profiling")
    (own_rootfs / "proc" / "keys").write_text("")
    bundle.linux["maskedPaths"] = ["/proc/keys"]
    bundle.linux["readonlyPaths"] = []
    bundle.sh("cat /proc/keys; true")
    res = rt.run(bundle.write(), check=False)
    assert res.returncode == 6, res
    assert "/proc/self/fd in the container is not procfs" in res.stderr
