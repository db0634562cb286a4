"""config.json validation: every error names its JSON field path (no privileges needed)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from matrixhell.runtime.config import load_bundle, parse_config
from matrixhell.runtime.errors import EXIT_CONFIG, RtError
from matrixhell.runtime.spec import DEFAULT_CAPS, default_seccomp, default_spec


def _spec() -> dict:
    return copy.deepcopy(default_spec())


def _err(cfg: dict) -> str:
    with pytest.raises(RtError) as ei:
        parse_config(cfg, "/bundle")
    assert ei.value.code == EXIT_CONFIG
    return str(ei.value)


def test_default_spec_is_valid_and_like_runcs() -> None:
    c = parse_config(_spec(), "/bundle")
    assert c.root_path == "/bundle/rootfs"
    assert c.root_readonly
    assert c.process is not None and c.process.args == ("sh",)
    assert [n.type for n in c.namespaces] == ["pid", "network", "ipc", "uts", "mount", "cgroup"]
    assert c.seccomp is not None and c.seccomp.default_action == "SCMP_ACT_ERRNO"
    assert DEFAULT_CAPS == ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    assert c.process.permitted == (1 << 29) | (1 << 5) | (1 << 10)


def test_rootless_spec_maps_the_caller() -> None:
    c = parse_config(default_spec(rootless=True, uid=1234, gid=99), "/b")
    assert [(m.container_id, m.host_id, m.size) for m in c.uid_mappings] == [(0, 1234, 1)]
    assert [(m.container_id, m.host_id, m.size) for m in c.gid_mappings] == [(0, 99, 1)]
    assert c.namespace("user") is not None
    sysm = next(m for m in c.mounts if m.destination == "/sys")
    assert sysm.type == "sysfs" and sysm.flags & 1  # ro
    assert "gid=5" not in next(m for m in c.mounts if m.destination == "/dev/pts").data
    assert not c.resources.devices


def test_duplicate_rlimit_names_the_field() -> None:
    s = _spec()
    s["process"]["rlimits"].append({"type": "RLIMIT_NOFILE", "soft": 1, "hard": 2})
    assert _err(s).startswith("process.rlimits[1].type: duplicate RLIMIT_NOFILE")


def test_duplicate_namespace() -> None:
    s = _spec()
    s["linux"]["namespaces"].append({"type": "pid"})
    assert _err(s).startswith("linux.namespaces[6].type: duplicate namespace 'pid'")


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda s: s.pop("ociVersion"), "ociVersion: required field is missing"),
    (lambda s: s.update(ociVersion="2.0.0"), "ociVersion: unsupported version '2.0.0'"),
    (lambda s: s["root"].pop("path"), "root.path: required field is missing"),
    (lambda s: s.update(root="rootfs"), "root: must be an object, got a string"),
    (lambda s: s["process"].update(args=[]), "process.args: must name the program to run"),
    (lambda s: s["process"].update(args=["sh", 3]), "process.args[1]: must be a string, got an integer"),
    (lambda s: s["process"].update(cwd="tmp"), "process.cwd: must be an absolute path"),
    (lambda s: s["process"].update(env=["NOEQUALS"]), "process.env[0]: must be NAME=VALUE"),
    (lambda s: s["process"]["user"].update(uid="0"), "process.user.uid: must be an integer, got a string"),
    (lambda s: s["process"]["user"].update(uid=-1), "process.user.uid: must be >= 0"),
    (lambda s: s["process"]["user"].update(additionalGids=[1, True]), "process.user.additionalGids[1]"),
    (lambda s: s["process"]["capabilities"].update(bounding=["CAP_NOPE"]),
     "process.capabilities.bounding[0]: unknown capability 'CAP_NOPE'"),
    (lambda s: s["process"]["capabilities"].update(effective=["CAP_SYS_ADMIN"]),
     "process.capabilities.effective: holds capabilities that are not in the permitted set"),
    (lambda s: s["process"]["rlimits"].append({"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}),
     "process.rlimits[1].type: unknown rlimit 'RLIMIT_BOGUS'"),
    (lambda s: s["process"]["rlimits"][0].update(soft=5000, hard=10),
     "process.rlimits[0].soft: RLIMIT_NOFILE soft limit 5000 is above its hard limit 10"),
    (lambda s: s["process"].update(oomScoreAdj=5000), "process.oomScoreAdj: must be <= 1000"),
    (lambda s: s["linux"]["namespaces"].append({"type": "bogus"}),
     "linux.namespaces[6].type: unknown namespace type 'bogus'"),
    (lambda s: s["linux"]["namespaces"][0].update(path="relative"), "linux.namespaces[0].path: must be an absolute"),
    (lambda s: s["linux"]["namespaces"].append({"type": "user"}),
     "linux.uidMappings: a new user namespace needs uid mappings"),
    (lambda s: s["linux"].update(uidMappings=[{"containerID": 0, "hostID": 1000, "size": 1}]),
     "linux.uidMappings: id mappings given without a new user namespace"),
    (lambda s: s["mounts"].append({"destination": "rel", "type": "tmpfs"}),
     "mounts[7].destination: must be an absolute path"),
    (lambda s: s["mounts"].append({"destination": "/x", "type": "bind"}), "mounts[7].source: a bind mount needs"),
    (lambda s: s["mounts"].append({"destination": "/x", "source": "/y"}), "mounts[7].type: required"),
    (lambda s: s["mounts"].append({"destination": "/x", "type": "bind", "source": "/y", "options": ["idmap"]}),
     "mounts[7].options[0]: mount option 'idmap' is not supported"),
    (lambda s: s["linux"].update(sysctl={"kernel.panic": "1"}), "linux.sysctl.kernel.panic: only namespaced"),
    (lambda s: s["linux"].update(sysctl={"net.ipv4.ip_forward": 1}), "linux.sysctl.net.ipv4.ip_forward: must be"),
    (lambda s: s["linux"].update(rootfsPropagation="sideways"), "linux.rootfsPropagation: must be one of"),
    (lambda s: s["linux"].update(cgroupsPath="../escape"), "linux.cgroupsPath: must be a plain path"),
    (lambda s: s["linux"].update(maskedPaths=["proc/kcore"]), "linux.maskedPaths[0]: must be an absolute path"),
    (lambda s: s["linux"]["resources"].update(memory={"limit": 0}), "linux.resources.memory.limit: must be positive"),
    (lambda s: s["linux"]["resources"].update(cpu={"cpus": "0-1"}), "linux.resources.cpu.cpus: cpuset"),
    (lambda s: s["linux"]["resources"]["devices"].append({"allow": True, "type": "x"}),
     "linux.resources.devices[1].type: must be a, b or c"),
    (lambda s: s["linux"].update(devices=[{"path": "/dev/x", "type": "q", "major": 1, "minor": 1}]),
     "linux.devices[0].type: must be c, b, u or p"),
    (lambda s: s["linux"]["seccomp"].update(defaultAction="SCMP_ACT_NOTIFY"),
     "linux.seccomp.defaultAction: unknown or unsupported action 'SCMP_ACT_NOTIFY'"),
    (lambda s: s["linux"]["seccomp"]["syscalls"].append({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                                                        "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}),
     "linux.seccomp.syscalls[8].args[0].index: must be <= 5"),
    (lambda s: s["linux"]["seccomp"]["syscalls"].append({"names": ["read"], "action": "SCMP_ACT_ALLOW",
                                                        "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]}),
     "linux.seccomp.syscalls[8].args[0].op: unknown comparison 'SCMP_CMP_ALMOST'"),
    (lambda s: s["linux"]["seccomp"]["syscalls"].append({"names": [], "action": "SCMP_ACT_ALLOW"}),
     "linux.seccomp.syscalls[8].names: must name at least one syscall"),
    (lambda s: s.update(hostname="h", linux={**s["linux"], "namespaces": [{"type": "pid"}]}),
     "hostname: setting a hostname needs a uts namespace"),
    (lambda s: s.update(annotations={"a": 1}), "annotations.a: must be a string"),
])
def test_invalid_configs_name_the_field(mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    s = _spec()
    mutate(s)
    assert _err(s).startswith(expected)


def test_user_namespace_mappings_must_be_sane() -> None:
    s = _spec()
    s["linux"]["namespaces"].append({"type": "user"})
    s["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 10},
                                 {"containerID": 5, "hostID": 5000, "size": 10}]
    s["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    assert _err(s).startswith("linux.uidMappings[1].containerID: range overlaps linux.uidMappings[0]")
    s["linux"]["uidMappings"] = [{"containerID": 1, "hostID": 1000, "size": 1}]
    assert _err(s).startswith("process.user.uid: 0 is not mapped by linux.uidMappings")
    s["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 0}]
    assert _err(s).startswith("linux.uidMappings[0].size: must be >= 1")


def test_mount_options_become_flags_and_data() -> None:
    s = _spec()
    s["mounts"].append({"destination": "/x/../y", "type": "tmpfs", "source": "tmpfs",
                        "options": ["nosuid", "nodev", "noexec", "ro", "relatime", "size=1m", "mode=700", "rshared"]})
    m = parse_config(s, "/b").mounts[-1]
    assert m.destination == "/y"
    assert m.flags == 1 | 2 | 4 | 8 | (1 << 21)
    assert m.data == "size=1m,mode=700"
    assert m.propagation == (1 << 20) | 16384


def test_apparmor_and_selinux_are_ignored_with_a_note() -> None:
    s = _spec()
    s["process"]["apparmorProfile"] = "docker-default"
    s["process"]["selinuxLabel"] = "system_u:system_r:svirt_lxc_net_t:s0"
    notes = parse_config(s, "/b").notes
    assert any(n.startswith("process.apparmorProfile: ignored") for n in notes)
    assert any(n.startswith("process.selinuxLabel: ignored") for n in notes)


def test_sysctl_needs_its_namespace() -> None:
    s = _spec()
    s["linux"]["namespaces"] = [n for n in s["linux"]["namespaces"] if n["type"] != "network"]
    s["linux"]["sysctl"] = {"net.core.somaxconn": "1024"}
    assert _err(s).startswith("linux.sysctl.net.core.somaxconn: needs a new network namespace")


def test_load_bundle_reports_json_position(tmp_path: Path) -> None:
    (tmp_path / "rootfs").mkdir()
    (tmp_path / "config.json").write_text('{\n  "ociVersion": "1.0.2",\n  "root": {"path": "rootfs",}\n}\n')
    with pytest.raises(RtError) as ei:
        load_bundle(str(tmp_path))
    assert ei.value.where == f"{tmp_path}/config.json:3:29"


def test_load_bundle_missing_config_and_rootfs(tmp_path: Path) -> None:
    with pytest.raises(RtError, match=r"no config\.json in the bundle"):
        load_bundle(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps(default_spec()))
    with pytest.raises(RtError) as ei:
        load_bundle(str(tmp_path))
    assert ei.value.where == "root.path" and "is not a directory" in ei.value.message


def test_default_seccomp_denies_the_dangerous_calls() -> None:
    prof = default_seccomp()
    allowed = set(prof["syscalls"][0]["names"])
    for name in ("mount", "umount2", "ptrace", "init_module", "finit_module", "kexec_load", "bpf", "unshare",
                 "setns", "pivot_root", "keyctl", "add_key", "open_by_handle_at", "reboot", "swapon"):
        assert name not in allowed, name
    for name in ("read", "write", "openat", "execve", "mmap", "futex", "exit_group", "clock_gettime"):
        assert name in allowed, name
