"""The default config.json written by `matrixhell-runtime spec` (like `runc spec`), and a default seccomp
profile in the spirit of Docker's: an allow-list, everything else fails with EPERM."""

from __future__ import annotations

__all__ = ["DEFAULT_CAPS", "default_seccomp", "default_spec"]

DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]

# Syscalls Docker's default profile does not allow without extra capabilities: kernel modules, keyrings,
# mount and namespace changes, tracing, clock changes, reboot, swap, BPF, perf, NUMA policy, handles.
_DENIED = frozenset({
    "acct", "add_key", "afs_syscall", "bpf", "clock_adjtime", "clock_settime", "create_module",
    "delete_module", "fanotify_init", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick",
    "get_kernel_syms", "get_mempolicy", "getpmsg", "init_module", "ioperm", "iopl", "kcmp",
    "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount", "mount_setattr",
    "move_mount", "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at", "open_tree",
    "perf_event_open", "pidfd_getfd", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace",
    "putpmsg", "query_module", "quotactl", "quotactl_fd", "reboot", "request_key", "security",
    "set_mempolicy", "set_mempolicy_home_node", "setns", "settimeofday", "stime", "swapoff", "swapon",
    "sysfs", "_sysctl", "syslog", "tuxcall", "umount", "umount2", "unshare", "uselib", "userfaultfd",
    "ustat", "vm86", "vm86old", "vserver",
    # allowed below only with argument checks
    "personality", "clone", "clone3",
})
# CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: clone may not create namespaces.
_CLONE_NS_MASK = 0x7E020000


def default_seccomp() -> dict[str, object]:
    from ._syscalls import AARCH64, X86_64

    allowed = sorted((set(X86_64) | set(AARCH64)) - _DENIED)
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64",
                          "SCMP_ARCH_ARM"],
        "syscalls": [
            {"names": allowed, "action": "SCMP_ACT_ALLOW"},
            *[{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
               "args": [{"index": 0, "value": v, "op": "SCMP_CMP_EQ"}]}
              for v in (0, 0x0008, 0x20000, 0x20008, 0xFFFFFFFF)],
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": _CLONE_NS_MASK, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
            # ENOSYS makes libc fall back to clone(2), whose flags the filter can inspect.
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
        ],
    }


def default_spec(rootless: bool = False, uid: int = 0, gid: int = 0, seccomp: bool = True) -> dict[str, object]:
    caps = list(DEFAULT_CAPS)
    mounts: list[dict[str, object]] = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    ]
    namespaces: list[dict[str, object]] = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount",
                                                                  "cgroup")]
    linux: dict[str, object] = {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": namespaces,
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                        "/proc/scsi"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    }
    if seccomp:
        linux["seccomp"] = default_seccomp()
    if rootless:
        # What `runc spec --rootless` changes: a user namespace mapping the caller to root, no cgroup
        # limits, no gid=5 on devpts (gid 5 is not mapped). Unlike runc, /sys stays a sysfs of the
        # container's own network namespace (the runtime binds the host's read-only only if the kernel
        # refuses), and the cgroup mount stays (bound read-only from the host inside a user namespace).
        namespaces.append({"type": "user"})
        linux["uidMappings"] = [{"containerID": 0, "hostID": uid, "size": 1}]
        linux["gidMappings"] = [{"containerID": 0, "hostID": gid, "size": 1}]
        del linux["resources"]
        for m in mounts:
            if m["destination"] == "/dev/pts":
                m["options"] = [o for o in m["options"] if o != "gid=5"]  # type: ignore[attr-defined]
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": True,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            "cwd": "/",
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps, "ambient": caps},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "matrixhell",
        "mounts": mounts,
        "linux": linux,
    }
