"""cgroups v1, v2 and the hybrid layout (v1 controllers plus an empty cgroup2 at /sys/fs/cgroup/unified).

A container gets one leaf per v1 controller it has limits or rules for (memory, pids, cpu, devices), or one
v2 leaf; limits are written before the first process joins; delete kills what is left and removes the
leaves. Joining a v1 hierarchy costs an RCU grace period, so hierarchies with nothing to enforce are skipped.
"""

from __future__ import annotations

import os
import time

from .config import Resources
from .errors import RtError

__all__ = ["Cgroup", "Layout", "detect_layout"]

_MANAGED_V1 = ("memory", "pids", "cpu", "devices")
# Device nodes every container gets (runc's default allow list): null zero full random urandom tty
# console ptmx, the pts slaves, and mknod of anything (creating a node is harmless without access).
_DEFAULT_DEVICE_RULES = ("c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",
                         "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm")


class Layout:
    """Where the hierarchies are: v2 mount point (or None) and v1 controller -> (mount point, root)."""

    __slots__ = ("v1", "v1_all", "v2")

    def __init__(self, v2: str | None, v1: dict[str, str], v1_all: list[tuple[str, str]]) -> None:
        self.v2 = v2
        self.v1 = v1
        self.v1_all = v1_all  # every v1 hierarchy: (mount point, super options)

    @property
    def mode(self) -> str:
        if self.v1:
            return "hybrid" if self.v2 else "v1"
        return "v2" if self.v2 else "none"


def _unescape(s: str) -> str:
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def detect_layout() -> Layout:
    v2 = None
    v1: dict[str, str] = {}
    v1_all: list[tuple[str, str]] = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = left.split()
            fstype, _src, sopts = [*right.split(), "", ""][:3]
            mp = _unescape(fields[4])
            if fstype == "cgroup2":
                if v2 is None or mp == "/sys/fs/cgroup":
                    v2 = mp
            elif fstype == "cgroup":
                v1_all.append((mp, sopts))
                for opt in sopts.split(","):
                    if opt in _MANAGED_V1 and opt not in v1:
                        v1[opt] = mp
    return Layout(v2, v1, v1_all)


def _own_cgroups() -> dict[str, str]:
    """controller (or '' for v2) -> our own cgroup path, from /proc/self/cgroup."""
    own: dict[str, str] = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _hid, ctrls, path = line.rstrip("\n").split(":", 2)
            for c in ctrls.split(",") if ctrls else [""]:
                own[c] = path
    return own


def _write(path: str, value: str, field: str) -> None:
    try:
        with open(path, "w") as f:
            f.write(value)
    except OSError as e:
        raise RtError(field, f"writing {value!r} to {path} failed: {e.strerror}") from e


class Cgroup:
    """The container's cgroup leaves (possibly none when rootless without delegation)."""

    __slots__ = ("dirs", "mode")

    def __init__(self, dirs: list[str], mode: str) -> None:
        self.dirs = dirs
        self.mode = mode

    @classmethod
    def create(cls, layout: Layout, cgroups_path: str | None, cid: str, res: Resources,
               rootless: bool, devices_by_nodev: bool = False) -> Cgroup:
        rel = cgroups_path or f"/matrixhell-runtime/{cid}"
        own = _own_cgroups() if not rel.startswith("/") else {}
        if layout.v1:
            # only the hierarchies with something to enforce: joining each costs the start time
            wanted = {"memory": res.memory_limit is not None or res.memory_reservation is not None
                      or res.memory_swap is not None, "pids": res.pids_limit is not None,
                      "cpu": res.cpu_shares is not None or res.cpu_quota is not None
                      or res.cpu_period is not None, "devices": bool(res.devices) and not devices_by_nodev}
            targets = [(c, mp) for c, mp in layout.v1.items() if wanted.get(c)]
        elif layout.v2:
            targets = [("", layout.v2)]
        else:
            targets = []
        dirs: list[str] = []
        try:
            for ctrl, mp in targets:
                base = own.get(ctrl, "/") if not rel.startswith("/") else "/"
                d = os.path.normpath(os.path.join(mp, base.lstrip("/"), rel.lstrip("/")))
                try:
                    os.makedirs(d)
                except FileExistsError:
                    raise RtError("linux.cgroupsPath", f"{d} already exists (another container?)") from None
                except OSError as e:
                    if rootless and not res.any_limit():
                        continue  # no delegated cgroup for this user and no limit asked: run without
                    raise RtError("linux.resources" if rootless else "linux.cgroupsPath",
                                  f"cannot create cgroup {d}: {e.strerror}") from e
                dirs.append(d)
                cls._limit(ctrl, d, res, mp)
        except BaseException:
            cls(dirs, layout.mode).remove()
            raise
        return cls(dirs, layout.mode)

    @staticmethod
    def _limit(ctrl: str, d: str, res: Resources, mp: str) -> None:
        f = "linux.resources"
        if ctrl == "memory":
            if res.memory_limit is not None:
                _write(f"{d}/memory.limit_in_bytes", str(res.memory_limit), f"{f}.memory.limit")
            if res.memory_reservation is not None:
                _write(f"{d}/memory.soft_limit_in_bytes", str(res.memory_reservation),
                       f"{f}.memory.reservation")
            if res.memory_swap is not None:
                _write(f"{d}/memory.memsw.limit_in_bytes", str(res.memory_swap), f"{f}.memory.swap")
        elif ctrl == "pids":
            if res.pids_limit is not None:
                _write(f"{d}/pids.max", "max" if res.pids_limit < 0 else str(res.pids_limit),
                       f"{f}.pids.limit")
        elif ctrl == "cpu":
            if res.cpu_shares is not None:
                _write(f"{d}/cpu.shares", str(res.cpu_shares), f"{f}.cpu.shares")
            if res.cpu_period is not None:
                _write(f"{d}/cpu.cfs_period_us", str(res.cpu_period), f"{f}.cpu.period")
            if res.cpu_quota is not None:
                _write(f"{d}/cpu.cfs_quota_us", str(res.cpu_quota), f"{f}.cpu.quota")
        elif ctrl == "devices":
            for i, r in enumerate(res.devices):
                node = "*" if r.major is None else str(r.major)
                minor = "*" if r.minor is None else str(r.minor)
                rule = "a" if r.type == "a" else f"{r.type} {node}:{minor} {r.access}"
                _write(f"{d}/devices.{'allow' if r.allow else 'deny'}", rule, f"{f}.devices[{i}]")
            if res.devices:
                for rule in _DEFAULT_DEVICE_RULES:
                    _write(f"{d}/devices.allow", rule, f"{f}.devices")
        elif ctrl == "":
            Cgroup._limit_v2(d, res, mp)

    @staticmethod
    def _limit_v2(d: str, res: Resources, mp: str) -> None:
        f = "linux.resources"
        wanted = []
        if res.memory_limit is not None or res.memory_reservation is not None or res.memory_swap is not None:
            wanted.append("memory")
        if res.pids_limit is not None:
            wanted.append("pids")
        if res.cpu_shares is not None or res.cpu_quota is not None or res.cpu_period is not None:
            wanted.append("cpu")
        if wanted:
            # enable the controllers on every ancestor below the mount point
            parts = os.path.relpath(d, mp).split("/")
            cur = mp
            for part in parts:
                _write(f"{cur}/cgroup.subtree_control", " ".join("+" + c for c in wanted), f)
                cur = f"{cur}/{part}"
        if res.memory_limit is not None:
            _write(f"{d}/memory.max", "max" if res.memory_limit < 0 else str(res.memory_limit),
                   f"{f}.memory.limit")
        if res.memory_reservation is not None:
            _write(f"{d}/memory.low", str(max(res.memory_reservation, 0)), f"{f}.memory.reservation")
        if res.memory_swap is not None:
            swap = "max" if res.memory_swap < 0 else str(max(res.memory_swap - (res.memory_limit or 0), 0))
            _write(f"{d}/memory.swap.max", swap, f"{f}.memory.swap")
        if res.pids_limit is not None:
            _write(f"{d}/pids.max", "max" if res.pids_limit < 0 else str(res.pids_limit), f"{f}.pids.limit")
        if res.cpu_shares is not None:
            weight = 1 + ((max(res.cpu_shares, 2) - 2) * 9999) // 262142
            _write(f"{d}/cpu.weight", str(weight), f"{f}.cpu.shares")
        if res.cpu_quota is not None or res.cpu_period is not None:
            quota = "max" if res.cpu_quota is None or res.cpu_quota < 0 else str(res.cpu_quota)
            _write(f"{d}/cpu.max", f"{quota} {res.cpu_period or 100000}", f"{f}.cpu")

    def add(self, pid: int) -> None:
        for d in self.dirs:
            _write(f"{d}/cgroup.procs", str(pid), "linux.cgroupsPath")

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in self.dirs:
            try:
                with open(f"{d}/cgroup.procs") as f:
                    found.update(int(x) for x in f.read().split())
            except FileNotFoundError:
                pass
        return found

    def kill_all(self, sig: int = 9) -> None:
        for pid in self.pids():
            try:  # noqa: SIM105 (contextlib costs start-up time)
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def remove(self, timeout: float = 30.0) -> None:
        """Kill anything left and remove the leaves; tolerate leaves already gone."""
        deadline = time.monotonic() + timeout
        for d in self.dirs:
            while True:
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError as e:
                    if e.errno != 16 or time.monotonic() > deadline:  # EBUSY: processes still exiting
                        raise RtError("cgroup", f"cannot remove {d}: {e.strerror}") from e
                    self.kill_all()
                    time.sleep(0.001)
