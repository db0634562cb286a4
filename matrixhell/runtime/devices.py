"""/dev contents: the default nodes, the spec's linux.devices, and the fd/stdio/ptmx symlinks.

With CAP_MKNOD in the initial user namespace nodes are created with mknod; inside a user namespace the
kernel refuses device nodes, so the host's node is bind-mounted onto an empty file instead.
"""

from __future__ import annotations

import os
import stat

from . import _libc
from .config import Config, Device
from .errors import RtError
from .mounts import MS_BIND, fd_path, open_in_root

__all__ = ["DEFAULT_DEVICES", "create_devices", "create_symlinks", "nodev_is_enough"]

DEFAULT_DEVICES = (
    Device(path="/dev/null", type="c", major=1, minor=3, file_mode=0o666, uid=0, gid=0),
    Device(path="/dev/zero", type="c", major=1, minor=5, file_mode=0o666, uid=0, gid=0),
    Device(path="/dev/full", type="c", major=1, minor=7, file_mode=0o666, uid=0, gid=0),
    Device(path="/dev/random", type="c", major=1, minor=8, file_mode=0o666, uid=0, gid=0),
    Device(path="/dev/urandom", type="c", major=1, minor=9, file_mode=0o666, uid=0, gid=0),
    Device(path="/dev/tty", type="c", major=5, minor=0, file_mode=0o666, uid=0, gid=0),
)
_KIND = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}


def _make(rootfd: int, dev: Device, bind: bool, field: str) -> None:
    parent, name = os.path.split(dev.path)
    pfd = open_in_root(rootfd, parent, create="dir")
    try:
        try:
            st = os.stat(name, dir_fd=pfd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISLNK(st.st_mode) and stat.S_ISCHR(st.st_mode) and not bind:
            return  # already there (a spec listing a default device twice)
        if st is not None:
            os.unlink(name, dir_fd=pfd)
        mode = dev.file_mode if dev.file_mode is not None else 0o666
        if bind and dev.type != "p":
            os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                             dir_fd=pfd))
            tfd = os.open(name, 0o10000000 | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=pfd)
            try:
                _libc.mount(dev.path, fd_path(tfd), None, MS_BIND, None)
            finally:
                os.close(tfd)
            return
        os.mknod(name, mode | _KIND[dev.type], os.makedev(dev.major, dev.minor), dir_fd=pfd)
        os.chmod(name, mode, dir_fd=pfd)  # mknod is subject to the umask
        if dev.uid or dev.gid:
            os.chown(name, dev.uid or 0, dev.gid or 0, dir_fd=pfd, follow_symlinks=False)
    except OSError as e:
        raise RtError(field, f"cannot create device {dev.path}: {e.strerror}") from e
    finally:
        os.close(pfd)


def create_devices(rootfd: int, devices: tuple[Device, ...], defaults: bool, bind: bool) -> None:
    if defaults:
        for dev in DEFAULT_DEVICES:
            _make(rootfd, dev, bind, "linux.devices")
    for i, dev in enumerate(devices):
        _make(rootfd, dev, bind, f"linux.devices[{i}]")


def create_symlinks(rootfd: int, with_ptmx: bool) -> None:
    links = [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
             ("stderr", "/proc/self/fd/2")]
    if with_ptmx:
        links.append(("ptmx", "pts/ptmx"))
    dfd = open_in_root(rootfd, "/dev", create="dir")
    try:
        for name, target in links:
            try:
                os.symlink(target, name, dir_fd=dfd)
            except FileExistsError:
                st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
                if not stat.S_ISLNK(st.st_mode) and name == "ptmx":
                    os.unlink(name, dir_fd=dfd)
                    os.symlink(target, name, dir_fd=dfd)
    finally:
        os.close(dfd)


_CAP_MKNOD = 27
_MS_NODEV = 4
# (type, major, minor) the default device policy lets a container use; None is a wildcard
_DEFAULT_ALLOWED = {("c", d.major, d.minor) for d in DEFAULT_DEVICES} | {("c", 5, 1), ("c", 5, 2),
                                                                          ("c", 136, None)}


def nodev_is_enough(cfg: Config) -> bool:
    """True when the spec's device policy is "deny everything but the default nodes" and mount flags
    alone can enforce it: no CAP_MKNOD, no extra linux.devices, every bind mount nodev, a tmpfs /dev
    that holds only the nodes we create, and the rootfs mounted nodev. Then the devices cgroup (whose
    join costs an RCU grace period on cgroup v1) adds nothing and is skipped."""
    rules = cfg.resources.devices
    p = cfg.process
    if not rules or p is None or p.bounding >> _CAP_MKNOD & 1 or cfg.devices:
        return False
    first = rules[0]
    if first.allow or first.type != "a":
        return False
    for r in rules[1:]:
        if r.allow and (r.type, r.major, r.minor) not in _DEFAULT_ALLOWED:
            return False
    dev_ok = False
    for m in cfg.mounts:
        if m.bind and not m.flags & _MS_NODEV:
            return False
        if m.destination == "/dev":
            dev_ok = m.type == "tmpfs" and not m.bind
    return dev_ok
