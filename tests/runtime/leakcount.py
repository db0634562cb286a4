"""Counting what a container could leave behind on the host (shared by the leak test and the bench)."""

from __future__ import annotations

import os
from pathlib import Path


def _ours(pid: str, rootfs: str, marker: bytes) -> bool:
    try:
        root = os.readlink(f"/proc/{pid}/root")
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return root.startswith(rootfs) or (b"matrixhell.runtime" in cmd and marker in cmd and b"supervisor" not in cmd)


def snapshot(rootfs: str, fd_pid: int | None = None, marker: str = "", cgroup_prefix: str = "") -> dict[str, int]:
    """mounts and nsfs mounts in the host's table, cgroup leaves (named `cgroup_prefix`...), processes
    running in (or starting) a container of `rootfs` (runtime commands only when their command line holds
    `marker`, e.g. the state root), network namespaces those processes hold, open fds of `fd_pid`.
    The filters keep runtimes that run beside the measured one out of the counts."""
    info = Path("/proc/self/mountinfo").read_text().splitlines()
    leaves = 0
    for base in Path("/sys/fs/cgroup").iterdir():
        d = base / "matrixhell-runtime"
        if d.is_dir():
            leaves += sum(1 for c in d.iterdir() if c.is_dir() and c.name.startswith(cgroup_prefix))
    host_net = os.readlink("/proc/self/ns/net")
    procs = [p for p in os.listdir("/proc") if p.isdigit() and _ours(p, rootfs, marker.encode())]
    nets = set()
    for p in procs:
        try:
            n = os.readlink(f"/proc/{p}/ns/net")
        except OSError:
            continue
        if n != host_net:
            nets.add(n)
    return {
        "mounts": len(info),
        "nsfs_mounts": sum(1 for line in info if " - nsfs " in line),
        "cgroups": leaves,
        "processes": len(procs),
        "netns": len(nets),
        "fds": len(os.listdir(f"/proc/{fd_pid or os.getpid()}/fd")),
    }
