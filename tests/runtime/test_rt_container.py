"""The container as the probe inside sees it (privileged: real namespaces, mounts, cgroups)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from rt_harness import Bundle, Runtime, cgroup_leaves, parse_probe, privileged

pytestmark = [pytest.mark.privileged, privileged]

DEFAULT_CAPS = "0000000020000420"  # CAP_KILL | CAP_NET_BIND_SERVICE | CAP_AUDIT_WRITE


def test_probe_is_pid_1_with_our_hostname(rt: Runtime, bundle: Bundle) -> None:
    r = rt.probe(bundle)
    assert r["pid"] == "1"
    assert r["hostname"] == "matrixhell"


def test_default_capabilities_are_runcs_three(rt: Runtime, bundle: Bundle) -> None:
    r = rt.probe(bundle)
    assert r["CapEff"] == r["CapPrm"] == r["CapBnd"] == DEFAULT_CAPS
    assert r["CapInh"] == "0000000000000000"


def test_no_new_privs_and_seccomp_filter(rt: Runtime, bundle: Bundle) -> None:
    r = rt.probe(bundle)
    assert r["NoNewPrivs"] == "1"
    assert r["Seccomp"] == "2"


def test_without_no_new_privs_the_filter_is_still_loaded(rt: Runtime, bundle: Bundle) -> None:
    bundle.process["noNewPrivileges"] = False
    r = rt.probe(bundle.write())
    assert r["NoNewPrivs"] == "0"
    assert r["Seccomp"] == "2"


def test_without_seccomp_section_no_filter(rt: Runtime, bundle: Bundle) -> None:
    del bundle.linux["seccomp"]
    assert rt.probe(bundle.write())["Seccomp"] == "0"


def test_only_stdio_fds_are_open(rt: Runtime, bundle: Bundle) -> None:
    # 3 is the directory ls itself opens to list /proc/self/fd
    assert rt.probe(bundle)["fds"] == "0,1,2,3,"


def test_network_namespace_has_only_lo_and_it_is_up(rt: Runtime, bundle: Bundle) -> None:
    r = rt.probe(bundle)
    assert r["interfaces"] == "lo,"
    assert int(r["loflags"], 16) & 0x1  # IFF_UP


def test_pid_namespace_shows_only_container_processes(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("ls /proc | grep '^[0-9]*$' | sort -n | tr '\\n' ,; echo; ps -o pid | tail -n +2 | wc -l")
    out = rt.run(bundle).stdout.splitlines()
    pids = [int(p) for p in out[0].split(",") if p]
    assert pids[0] == 1 and max(pids) < 50, pids
    assert str(os.getpid()) not in out[0].split(",")


def test_uid_map_is_the_identity_without_user_namespace(rt: Runtime, bundle: Bundle) -> None:
    assert rt.probe(bundle)["uid_map"].split() == ["0", "0", "4294967295;"]


def test_standard_mounts_present(rt: Runtime, bundle: Bundle) -> None:
    mounts = rt.probe(bundle)["mounts"].split(",")
    for m in ("/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"):
        assert m in mounts, m


def test_masked_paths_tolerate_missing_kcore(rt: Runtime, bundle: Bundle) -> None:
    mounts = rt.probe(bundle)["mounts"].split(",")
    assert "/proc/keys" in mounts and "/sys/firmware" in mounts
    assert ("/proc/kcore" in mounts) == os.path.exists("/proc/kcore")


def test_masked_file_reads_empty(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("wc -c < /proc/keys; ls /sys/firmware | wc -l")
    assert rt.run(bundle).stdout.split() == ["0", "0"]


def test_readonly_paths_refuse_writes(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("echo 1 > /proc/sys/kernel/domainname && echo wrote || echo refused")
    assert rt.run(bundle).stdout.strip() == "refused"


def test_dev_nodes_and_symlinks(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("for d in null zero full random urandom tty; do stat -c '%n %t:%T %a' /dev/$d; done; "
              "for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; head -c 4 /dev/zero | wc -c")
    out = rt.run(bundle).stdout.splitlines()
    assert out[:6] == ["/dev/null 1:3 666", "/dev/zero 1:5 666", "/dev/full 1:7 666", "/dev/random 1:8 666",
                       "/dev/urandom 1:9 666", "/dev/tty 5:0 666"]
    assert out[6:11] == ["/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2", "pts/ptmx"]
    assert out[11] == "4"


def test_devpts_is_a_new_instance(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("ls /dev/pts | tr '\\n' ,")
    assert rt.run(bundle).stdout == "ptmx,"


def test_root_is_read_only(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("touch /x 2>/dev/null && echo wrote || echo refused")
    assert rt.run(bundle).stdout.strip() == "refused"


def test_sysfs_is_read_only(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("grep ' /sys ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1")
    assert rt.run(bundle).stdout.strip() == "ro"


def test_exit_status_passes_through(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("exit 7")
    assert rt.run(bundle, check=False).returncode == 7


def _popen_run(rt: Runtime, bundle: Bundle, cid: str) -> subprocess.Popen:
    from rt_harness import RT, env

    return subprocess.Popen([*RT, "--root", str(rt.root), "run", "--bundle", str(bundle.path), cid],
                            stdout=subprocess.PIPE, text=True, env=env())


def test_killed_by_signal_gives_128_plus_n(rt: Runtime, bundle: Bundle) -> None:
    # pid 1 ignores even SIGKILL from inside its namespace; `kill` from outside reaches it
    bundle.sh("echo ready; while :; do sleep 0.05; done")
    cid = rt.new_id()
    p = _popen_run(rt, bundle, cid)
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    assert rt.cmd("state", cid, check=True).stdout.count('"running"') == 1
    rt.cmd("kill", cid, "KILL", check=True)
    p.communicate(timeout=30)
    assert p.returncode == 137


def test_sigterm_to_runtime_is_forwarded(rt: Runtime, bundle: Bundle) -> None:
    bundle.sh("trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.05; done")
    cid = rt.new_id()
    p = _popen_run(rt, bundle, cid)
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready"
    p.terminate()
    out, _ = p.communicate(timeout=30)
    assert out.strip() == "got-term"
    assert p.returncode == 3


def test_cwd_env_home_and_nofile(rt: Runtime, bundle: Bundle) -> None:
    bundle.process["cwd"] = "/tmp"
    bundle.process["env"].append("FOO=bar baz")
    bundle.sh("pwd; echo $FOO; echo $HOME; ulimit -n; ulimit -Hn")
    assert rt.run(bundle.write()).stdout.splitlines() == ["/tmp", "bar baz", "/root", "1024", "1024"]


def test_missing_cwd_is_created_inside_the_rootfs(rt: Runtime, bundle: Bundle, tmp_path) -> None:
    import shutil

    own = tmp_path / "ownroot"
    shutil.copytree(bundle.config["root"]["path"], own, symlinks=True)
    bundle.config["root"]["path"] = str(own)
    bundle.process["cwd"] = "/srv/app/dir"
    bundle.sh("pwd")
    assert rt.run(bundle.write()).stdout.strip() == "/srv/app/dir"
    assert (own / "srv" / "app" / "dir").is_dir()


def test_user_group_and_additional_groups(rt: Runtime, bundle: Bundle) -> None:
    bundle.process["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [5, 1002], "umask": 0o077}
    bundle.sh("id -u; id -g; id -G; umask")
    out = rt.run(bundle.write()).stdout.splitlines()
    assert out[0] == "1000" and out[1] == "1001"
    assert sorted(out[2].split()) == ["1001", "1002", "5"]
    assert out[3] == "0077"


def test_non_root_user_loses_caps_at_exec_unless_ambient(rt: Runtime, bundle: Bundle) -> None:
    # runc's default sets list ambient caps but no inheritable ones, and the kernel only keeps
    # ambient caps that are inheritable: a non-root process then execs with none (as under runc)
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    r = rt.probe(bundle.write())
    assert r["uid"] == "1000"
    assert r["CapEff"] == "0000000000000000"
    assert r["CapBnd"] == DEFAULT_CAPS
    caps = bundle.process["capabilities"]
    caps["inheritable"] = list(caps["ambient"])
    r = rt.probe(bundle.write())
    assert r["CapEff"] == r["CapAmb"] == DEFAULT_CAPS


def test_custom_capability_sets(rt: Runtime, bundle: Bundle) -> None:
    caps = ["CAP_NET_RAW", "CAP_CHOWN"]
    bundle.process["capabilities"] = {"bounding": [*caps, "CAP_KILL"], "effective": caps, "permitted": caps,
                                      "inheritable": ["CAP_CHOWN"], "ambient": ["CAP_CHOWN"]}
    r = rt.probe(bundle.write())
    assert int(r["CapEff"], 16) == (1 << 13) | 1
    assert int(r["CapBnd"], 16) == (1 << 13) | 1 | (1 << 5)
    assert int(r["CapInh"], 16) == 1
    assert int(r["CapAmb"], 16) == 1


def test_hostname_and_sysctl(rt: Runtime, bundle: Bundle) -> None:
    bundle.config["hostname"] = "probe-host"
    bundle.linux["sysctl"] = {"net.ipv4.ip_forward": "1"}
    bundle.sh("hostname; cat /proc/sys/net/ipv4/ip_forward")
    assert rt.run(bundle.write()).stdout.split() == ["probe-host", "1"]
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        host_value = f.read().strip()
    assert host_value in ("0", "1")  # the host keeps its own value (a different namespace)


def test_oom_score_adj(rt: Runtime, bundle: Bundle) -> None:
    bundle.process["oomScoreAdj"] = 500
    bundle.sh("cat /proc/self/oom_score_adj")
    assert rt.run(bundle.write()).stdout.strip() == "500"


def test_tmpfs_mount_with_size_and_mode(rt: Runtime, bundle: Bundle) -> None:
    bundle.mount(destination="/scratch", type="tmpfs", source="tmpfs", options=["size=1m", "mode=1770", "noexec"])
    bundle.sh("stat -c %a /scratch; df -k /scratch | tail -1 | tr -s ' ' | cut -d' ' -f2; "
              "grep ' /scratch ' /proc/self/mounts | cut -d' ' -f4")
    out = rt.run(bundle).stdout.splitlines()
    assert out[0] == "1770" and out[1] == "1024"
    assert "noexec" in out[2].split(",")


def test_bind_mount_rw_and_ro(rt: Runtime, bundle: Bundle, tmp_path) -> None:
    rw = tmp_path / "rw"
    ro = tmp_path / "ro"
    rw.mkdir()
    ro.mkdir()
    (ro / "f").write_text("host data\n")
    bundle.mount(destination="/rw", type="bind", source=str(rw), options=["rbind", "nodev"])
    bundle.mount(destination="/ro", type="bind", source=str(ro), options=["bind", "ro", "nosuid", "nodev"])
    bundle.sh("echo hello > /rw/out; cat /ro/f; echo x > /ro/f 2>/dev/null && echo wrote || echo refused")
    out = rt.run(bundle).stdout.splitlines()
    assert out == ["host data", "refused"]
    assert (rw / "out").read_text() == "hello\n"
    assert (ro / "f").read_text() == "host data\n"


def test_bind_mount_of_a_file(rt: Runtime, bundle: Bundle, tmp_path) -> None:
    f = tmp_path / "hosts"
    f.write_text("127.0.0.1 probe\n")
    bundle.mount(destination="/etc/hosts", type="bind", source=str(f), options=["bind", "ro", "nodev"])
    bundle.sh("cat /etc/hosts")
    assert rt.run(bundle).stdout == "127.0.0.1 probe\n"


def test_bind_propagation_option(rt: Runtime, bundle: Bundle, tmp_path) -> None:
    d = tmp_path / "p"
    d.mkdir()
    bundle.mount(destination="/p", type="bind", source=str(d), options=["rbind", "rprivate", "nodev"])
    bundle.sh("grep ' /p ' /proc/self/mountinfo | grep -c shared: || true")
    assert rt.run(bundle).stdout.strip() == "0"


def test_memory_and_pids_limits_in_cgroup_v1(rt: Runtime, bundle: Bundle) -> None:
    bundle.linux["resources"].update({"memory": {"limit": 64 * 1024 * 1024}, "pids": {"limit": 20},
                                      "cpu": {"quota": 50000, "period": 100000, "shares": 512}})
    bundle.sh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max "
              "/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares;"
              "cat /proc/self/cgroup | grep -E ':(memory|pids):'")
    bundle.write()
    if not os.path.isdir("/sys/fs/cgroup/memory"):
        pytest.skip("no cgroup v1 memory hierarchy on this kernel")
    out = rt.run(bundle).stdout.splitlines()
    assert out[:5] == [str(64 * 1024 * 1024), "20", "50000", "100000", "512"]
    assert all(line.endswith(":/") for line in out[5:])  # the cgroup namespace root is the container's


def test_pids_limit_is_enforced(rt: Runtime, bundle: Bundle) -> None:
    bundle.linux["resources"]["pids"] = {"limit": 5}
    # only builtins after the loop: at the limit even `cat` could not fork
    # a child shell forks until the limit (and dies of it); then only builtins: pid 1 + 3 sleeps remain
    bundle.sh("sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 60 & done'; "
              "read n < /sys/fs/cgroup/pids/pids.current; echo $n")
    res = rt.run(bundle.write(), check=False)
    assert res.stdout.strip() == "4"
    assert "fork" in res.stderr.lower() or "resource" in res.stderr.lower()


def test_cgroup_removed_after_run(rt: Runtime, bundle: Bundle) -> None:
    bundle.linux["resources"]["pids"] = {"limit": 50}
    bundle.sh("true")
    rt.run(bundle.write())
    assert cgroup_leaves(rt.ids[-1]) == []


def test_rlimit_above_hard_limit_fails_clearly(rt: Runtime, bundle: Bundle) -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("the NOFILE hard limit is unlimited here")
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": hard + 1, "hard": hard + 1}]
    res = rt.run(bundle.write(), check=False)
    if "CAP_SYS_RESOURCE" not in res.stderr and res.returncode == 0:
        pytest.skip("this root can raise rlimits (has CAP_SYS_RESOURCE)")
    assert res.returncode == 6
    assert res.stderr.startswith("matrixhell-runtime: error: process.rlimits[0]: RLIMIT_NOFILE hard limit")
    assert len(res.stderr.strip().splitlines()) == 1


def test_lower_rlimits_apply(rt: Runtime, bundle: Bundle) -> None:
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
                                 {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]
    bundle.sh("ulimit -n; ulimit -Hn; ulimit -c")
    assert rt.run(bundle.write()).stdout.split() == ["100", "200", "0"]


def test_joining_another_containers_network_namespace(rt: Runtime, bundle: Bundle, tmp_path) -> None:
    bundle.sh("ip addr add 10.9.9.9/32 dev lo; sleep 30")
    bundle.process["capabilities"]["bounding"].append("CAP_NET_ADMIN")
    bundle.process["capabilities"]["effective"].append("CAP_NET_ADMIN")
    bundle.process["capabilities"]["permitted"].append("CAP_NET_ADMIN")
    bundle.write()
    first = rt.new_id()
    rt.cmd("run", "--detach", "--bundle", str(bundle.path), first, check=True,
           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, capture_output=False)
    pid = int(__import__("json").loads(rt.cmd("state", first, check=True).stdout)["pid"])
    deadline = time.monotonic() + 30
    while "10.9.9.9" not in subprocess.run(["nsenter", "-t", str(pid), "-n", "ip", "addr"], capture_output=True,
                                           text=True, timeout=30).stdout:
        assert time.monotonic() < deadline, "the first container never added its address"
        time.sleep(0.05)
    other = tmp_path / "b2"
    other.mkdir()
    b2 = Bundle(other, bundle.config["root"]["path"])
    b2.linux["namespaces"] = [n if n["type"] != "network" else {"type": "network", "path": f"/proc/{pid}/ns/net"}
                              for n in b2.linux["namespaces"]]
    b2.sh("ip addr show lo | grep -c 10.9.9.9")
    assert rt.run(b2.write()).stdout.strip() == "1"
    rt.cmd("delete", "--force", first, check=True)


def test_terminal_run_relays_the_pty(rt: Runtime, bundle: Bundle) -> None:
    bundle.process["terminal"] = True
    bundle.sh("tty; echo in-term")
    res = rt.run(bundle.write(), stdin=subprocess.DEVNULL)
    lines = [line.strip() for line in res.stdout.splitlines()]
    assert lines[0] in ("/dev/console", "/dev/pts/0")
    assert lines[1] == "in-term"


def test_probe_output_is_complete(rt: Runtime, bundle: Bundle) -> None:
    r = parse_probe(rt.run(bundle).stdout)
    for key in ("pid", "hostname", "uid", "cwd", "CapEff", "CapBnd", "NoNewPrivs", "Seccomp", "uid_map", "fds",
                "interfaces", "mounts", "sid", "nofile"):
        assert key in r, key
