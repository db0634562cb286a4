"""The container's filesystem: propagation, rootfs bind, spec mounts, /dev, pivot_root with the old root
detached, masked and read-only paths, read-only root."""

from __future__ import annotations

import os
import stat

from . import _libc
from .cgroups import Layout
from .config import Config, Mount
from .devices import create_devices, create_symlinks
from .errors import RtError
from .mounts import (
    MS_BIND,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    fd_path,
    locked_flags,
    open_in_root,
    remount,
)

TYPE_CHECKING = False  # typing costs ~2 ms to import on the start path; mypy knows this name
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["check_procfs", "mask_and_protect", "pivot", "prepare"]

_MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 2, 4, 8
_MS_PRIVATE, _MS_SLAVE = 1 << 18, 1 << 19
_MNT_DETACH = 2
_O_PATH = 0o10000000
_PROP = {
    "private": _MS_PRIVATE, "rprivate": _MS_PRIVATE | MS_REC, "slave": _MS_SLAVE,
    "rslave": _MS_SLAVE | MS_REC, "shared": 1 << 20, "rshared": (1 << 20) | MS_REC,
    "unbindable": 1 << 17, "runbindable": (1 << 17) | MS_REC,
}


def _errno_name(e: OSError) -> str:
    return os.strerror(e.errno or 0)


def _dest(rootfd: int, m: Mount, create: str) -> int:
    """O_PATH fd of the mount point inside the rootfs, made if missing; errors name the field."""
    try:
        return open_in_root(rootfd, m.destination, create=create)
    except OSError as e:
        raise RtError(f"{m.field}.destination", f"{m.destination}: cannot make the mount point inside the "
                      f"rootfs: {_errno_name(e)}") from e


def _mount_one(rootfd: int, m: Mount, userns: bool, layout: Layout | None) -> None:
    if m.bind:
        assert m.source is not None
        src = m.source if m.source.startswith("/") else os.path.join(os.getcwd(), m.source)
        try:
            is_dir = stat.S_ISDIR(os.stat(src).st_mode)
        except OSError as e:
            raise RtError(f"{m.field}.source", f"{m.source}: {e.strerror}") from e
        _bind(rootfd, src, m, is_dir, m.flags)
        return
    kind = m.type or ""
    if kind == "cgroup":
        _mount_cgroup(rootfd, m, userns, layout)
        return
    flags = m.flags
    fd = _dest(rootfd, m, "dir")
    try:
        try:
            _libc.mount(m.source or kind, fd_path(fd), kind, flags, m.data or None)
            return
        except OSError as e:
            err = e
        if userns and kind == "sysfs" and err.errno == 1:
            # sysfs needs the network namespace owned by our user namespace: bind the host's instead
            _bind_fd(fd, "/sys", m, True, MS_BIND | MS_REC | (m.flags & ~MS_BIND))
            return
        if userns and kind == "mqueue" and err.errno == 1:
            _bind_fd(fd, "/dev/mqueue", m, True, MS_BIND | MS_REC | (m.flags & ~MS_BIND))
            return
        if kind == "devpts" and err.errno == 22 and "gid=" in (m.data or ""):
            data = ",".join(o for o in m.data.split(",") if not o.startswith("gid="))
            try:
                _libc.mount(m.source or kind, fd_path(fd), kind, flags, data or None)
                return
            except OSError as e2:
                err = e2
        raise RtError(f"{m.field}", f"mounting {kind} on {m.destination}: {_errno_name(err)}") from err
    finally:
        os.close(fd)


def _bind(rootfd: int, src: str, m: Mount, is_dir: bool, flags: int) -> None:
    fd = _dest(rootfd, m, "dir" if is_dir else "file")
    try:
        _bind_fd(fd, src, m, is_dir, flags, rootfd)
    finally:
        os.close(fd)


def _bind_fd(fd: int, src: str, m: Mount, is_dir: bool, flags: int, rootfd: int | None = None) -> None:
    try:
        _libc.mount(src, fd_path(fd), None, MS_BIND | (flags & MS_REC), None)
    except OSError as e:
        raise RtError(m.field, f"bind mount of {src} on {m.destination}: {_errno_name(e)}") from e
    extra = flags & ~(MS_BIND | MS_REC | MS_REMOUNT)
    # the fd still names the covered inode: look the destination up again to reach the new mount
    if extra or m.propagation:
        nfd = open_in_root(rootfd, m.destination) if rootfd is not None else None
        target = fd_path(nfd) if nfd is not None else fd_path(fd)
        try:
            if extra:
                remount(target, extra)
            if m.propagation:
                _libc.mount(None, target, None, m.propagation, None)
        except OSError as e:
            raise RtError(m.field, f"applying options to {m.destination}: {_errno_name(e)}") from e
        finally:
            if nfd is not None:
                os.close(nfd)


def _mount_cgroup(rootfd: int, m: Mount, userns: bool, layout: Layout | None) -> None:
    ro = m.flags & MS_RDONLY
    base = (m.flags & ~(MS_RDONLY | MS_BIND | MS_REC)) | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    if layout is None or (not layout.v1 and not layout.v2):
        return
    if userns and not layout.v1:
        # cgroup2 may be mounted in a user namespace, but only with a cgroup namespace of its own:
        # bind the host's hierarchy read-only instead, which works either way
        _bind(rootfd, layout.v2 or "/sys/fs/cgroup", m, True, MS_BIND | base | MS_RDONLY)
        return
    fd = _dest(rootfd, m, "dir")
    try:
        if not layout.v1 and layout.v2:
            _libc.mount("cgroup2", fd_path(fd), "cgroup2", base | ro, None)
            return
        _libc.mount("tmpfs", fd_path(fd), "tmpfs", base, "mode=755")
    except OSError as e:
        raise RtError(m.field, f"mounting cgroup on {m.destination}: {_errno_name(e)}") from e
    finally:
        os.close(fd)
    for mp, sopts in layout.v1_all:
        name = os.path.basename(mp)
        opts = ",".join(o for o in sopts.split(",") if o not in ("rw", "ro"))
        sub = open_in_root(rootfd, f"{m.destination}/{name}", create="dir")
        try:
            if userns:  # v1 cannot be mounted from a user namespace: each host hierarchy bound read-only
                _libc.mount(mp, fd_path(sub), None, MS_BIND, None)
                target = open_in_root(rootfd, f"{m.destination}/{name}")  # the new mount, not the covered dir
                try:
                    remount(fd_path(target), MS_RDONLY)
                finally:
                    os.close(target)
            else:
                _libc.mount("cgroup", fd_path(sub), "cgroup", base | ro, opts)
        except OSError as e:
            raise RtError(m.field, f"mounting cgroup {opts} on {m.destination}/{name}: {_errno_name(e)}") \
                from e
        finally:
            os.close(sub)
    # the hybrid layout's empty cgroup2 hierarchy is left out, as runc and crun do
    if ro:
        dfd = open_in_root(rootfd, m.destination)
        try:
            _libc.mount(None, fd_path(dfd), None, MS_REMOUNT | MS_BIND | MS_RDONLY | base, None)
        finally:
            os.close(dfd)


def prepare(cfg: Config, userns: bool, layout: Layout | None, before_cgroupfs: Callable[[], None],
            nodev_root: bool = False) -> None:
    """Everything before pivot_root (runs in the container's new mount namespace); `before_cgroupfs` is
    called before a cgroup filesystem is mounted (it must show the container's own cgroup)."""
    prop = _PROP.get(cfg.rootfs_propagation or "", _MS_SLAVE | MS_REC)
    # never let our mounts propagate back to the host
    _libc.mount(None, "/", None, (prop if prop & (_MS_SLAVE | _MS_PRIVATE) else _MS_SLAVE) | MS_REC, None)
    root = cfg.root_path
    try:
        _libc.mount(root, root, None, MS_BIND | MS_REC, None)
    except OSError as e:
        raise RtError("root.path", f"cannot bind {root} onto itself: {_errno_name(e)}") from e
    if nodev_root:  # device nodes shipped in the image stay inert (see devices.nodev_is_enough)
        remount(root, _MS_NODEV)
    rootfd = os.open(root, _O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        has_dev = False
        has_pts = False
        for m in cfg.mounts:
            if m.type == "cgroup" or m.type == "cgroup2":
                before_cgroupfs()
            _mount_one(rootfd, m, userns, layout)
            if m.destination == "/dev" and not m.bind:
                has_dev = True
            if m.destination == "/dev/pts":
                has_pts = True
        if has_dev or cfg.devices:
            create_devices(rootfd, cfg.devices, defaults=has_dev, bind=userns)
        if has_dev:
            create_symlinks(rootfd, with_ptmx=has_pts)
        if cfg.process is not None:
            # runc creates a missing cwd; doing it here, confined, is what keeps it inside the root
            # (magic links such as /proc/self/fd/N are refused: the CVE-2024-21626 class)
            try:
                os.close(open_in_root(rootfd, cfg.process.cwd, create="dir"))
            except OSError as e:
                raise RtError("process.cwd", f"{cfg.process.cwd}: cannot be resolved inside the rootfs: "
                              f"{_errno_name(e)}") from e
    finally:
        os.close(rootfd)
    if prop & (1 << 20):  # rootfsPropagation shared: the rootfs mount itself
        _libc.mount(None, root, None, prop, None)


def pivot(root: str) -> None:
    """pivot_root(".", ".") with the old root detached at once (runc's way; no put_old directory)."""
    oldroot = os.open("/", os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    newroot = os.open(root, os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fchdir(newroot)
        _libc.pivot_root(".", ".")
        os.fchdir(oldroot)
        _libc.mount(None, ".", None, _MS_SLAVE | MS_REC, None)
        _libc.umount2(".", _MNT_DETACH)
        os.chdir("/")
    except OSError as e:
        raise RtError("root.path", f"pivot_root into {root}: {_errno_name(e)}") from e
    finally:
        os.close(oldroot)
        os.close(newroot)


_PROC_SUPER_MAGIC = 0x9FA0


def check_procfs() -> None:
    """After pivot_root every /proc/self/fd/N path (masks, read-only paths, the exec fifo, the console,
    sysctls under /proc/sys) must reach the kernel's procfs, not files the image put at /proc: a fake
    /proc/self/fd/N could turn a mask into a writable bind of a sysfs knob (the CVE-2025-52881 class)."""
    try:
        kind = _libc.fs_type("/proc/self/fd")
    except OSError as e:
        if e.errno == 2 and not os.path.lexists("/proc"):
            return  # no /proc at all: every /proc path fails on its own, nothing can be redirected
        raise RtError("mounts", f"/proc/self/fd in the container: {_errno_name(e)}") from e
    if kind != _PROC_SUPER_MAGIC:
        raise RtError("mounts", "/proc/self/fd in the container is not procfs (mount proc at /proc)")


def _devnull() -> int:
    """The container's own /dev/null (a node from the detached host root cannot be bound any more)."""
    try:
        fd = os.open("/dev/null", _O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        raise RtError("linux.maskedPaths", f"masking files needs /dev/null in the container: {e.strerror}") \
            from e
    st = os.fstat(fd)
    if not stat.S_ISCHR(st.st_mode) or st.st_rdev != os.makedev(1, 3):
        os.close(fd)
        raise RtError("linux.maskedPaths", "the container's /dev/null is not the null device")
    return fd


def mask_and_protect(cfg: Config) -> None:
    """After pivot_root: maskedPaths (ENOENT tolerated: /proc/kcore may not exist), readonlyPaths,
    read-only root."""
    devnull_fd = -1
    for i, p in enumerate(cfg.masked_paths):
        try:
            fd = os.open(p, _O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        except OSError as e:
            raise RtError(f"linux.maskedPaths[{i}]", f"{p}: {e.strerror}") from e
        try:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                _libc.mount("tmpfs", fd_path(fd), "tmpfs", MS_RDONLY, "size=0k")
            else:
                if devnull_fd < 0:
                    devnull_fd = _devnull()
                _libc.mount(fd_path(devnull_fd), fd_path(fd), None, MS_BIND, None)
        except OSError as e:
            raise RtError(f"linux.maskedPaths[{i}]", f"masking {p}: {_errno_name(e)}") from e
        finally:
            os.close(fd)
    if devnull_fd >= 0:
        os.close(devnull_fd)
    for i, p in enumerate(cfg.readonly_paths):
        try:
            fd = os.open(p, _O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        except OSError as e:
            raise RtError(f"linux.readonlyPaths[{i}]", f"{p}: {e.strerror}") from e
        try:
            _libc.mount(fd_path(fd), fd_path(fd), None, MS_BIND | MS_REC, None)
            remount(p, MS_RDONLY)
        except OSError as e:
            raise RtError(f"linux.readonlyPaths[{i}]", f"making {p} read-only: {_errno_name(e)}") from e
        finally:
            os.close(fd)
    if cfg.root_readonly:
        try:
            _libc.mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), None)
        except OSError as e:
            raise RtError("root.readonly", f"remounting / read-only: {_errno_name(e)}") from e
