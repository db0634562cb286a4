"""Mounting inside the rootfs without ever following a symlink out of it.

Every destination is opened as an O_PATH fd relative to the rootfs fd — with openat2(RESOLVE_IN_ROOT)
when the kernel has it, else by a component-by-component walk that treats symlinks as if the rootfs were
`/` — and the mount goes onto /proc/self/fd/N, so nothing can swap a path component between the check and
the mount (the CVE-2021-30465 class).
"""

from __future__ import annotations

import os
import stat

from . import _libc

__all__ = [
    "MS_BIND", "MS_RDONLY", "MS_REC", "MS_REMOUNT", "fd_path", "locked_flags", "mount_fd", "open_in_root",
    "remount",
]

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 1 << 21, 1 << 24
_O_PATH = 0o10000000
_RESOLVE_NO_MAGICLINKS = 0x02
_RESOLVE_IN_ROOT = 0x10
_have_openat2: bool | None = None


def fd_path(fd: int) -> str:
    return f"/proc/self/fd/{fd}"


def _walk(rootfd: int, path: str, create: str | None, mode: int) -> int:
    """Resolve `path` under rootfd as if rootfd were /, creating missing components when asked
    ('dir' or 'file' for the last one). Returns an O_PATH fd."""
    parts = [p for p in path.split("/") if p]
    parts.reverse()  # a stack: pop() yields the next component
    stack = [os.dup(rootfd)]
    links = 0
    try:
        while parts:
            name = parts.pop()
            if name == ".":
                continue
            if name == "..":
                if len(stack) > 1:
                    os.close(stack.pop())
                continue
            try:
                fd = os.open(name, _O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=stack[-1])
            except FileNotFoundError:
                if create is None:
                    raise
                if not parts and create == "file":
                    os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_WRONLY | os.O_CLOEXEC,
                                     mode & 0o777 or 0o644, dir_fd=stack[-1]))
                else:
                    os.mkdir(name, 0o755, dir_fd=stack[-1])
                fd = os.open(name, _O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=stack[-1])
            st = os.fstat(fd)
            if stat.S_ISLNK(st.st_mode):
                links += 1
                if links > 40:
                    os.close(fd)
                    raise OSError(40, "too many levels of symbolic links", path)
                target = os.readlink(name, dir_fd=stack[-1])
                os.close(fd)
                if target.startswith("/"):
                    while len(stack) > 1:
                        os.close(stack.pop())
                parts.extend(reversed([p for p in target.split("/") if p]))
                continue
            if parts and not stat.S_ISDIR(st.st_mode):
                os.close(fd)
                raise NotADirectoryError(20, "not a directory", path)
            stack.append(fd)
        result = stack.pop() if len(stack) > 1 else os.dup(stack[0])
        return result
    finally:
        for fd in stack:
            os.close(fd)


def open_in_root(rootfd: int, path: str, create: str | None = None, mode: int = 0) -> int:
    """O_PATH fd of `path` inside the root; with create='dir'|'file' missing components are made."""
    global _have_openat2
    if _have_openat2 is not False:
        try:
            return _libc.openat2(rootfd, path.lstrip("/") or ".", _O_PATH | os.O_CLOEXEC,
                                 _RESOLVE_IN_ROOT | _RESOLVE_NO_MAGICLINKS)
        except OSError as e:
            if e.errno in (38, 1):  # ENOSYS (old kernel) or EPERM (a seccomp filter): walk instead
                _have_openat2 = False
            elif e.errno != 2 or create is None:
                raise
        # fall through: create what is missing, by the walk (which is equally confined)
    return _walk(rootfd, path, create, mode)


_ST_TO_MS = ((1, MS_RDONLY), (2, MS_NOSUID), (4, MS_NODEV), (8, MS_NOEXEC), (1024, MS_NOATIME),
             (2048, MS_NODIRATIME), (4096, MS_RELATIME))


def locked_flags(target: str) -> int:
    """Flags of the mount at `target` that a remount inside a user namespace must keep."""
    f = os.statvfs(target).f_flag
    flags = 0
    for st, ms in _ST_TO_MS:
        if f & st:
            flags |= ms
    return flags & ~MS_RDONLY


def mount_fd(source: str | None, fd: int, fstype: str | None, flags: int, data: str | None) -> None:
    _libc.mount(source, fd_path(fd), fstype, flags, data or None)


def remount(target: str, flags: int) -> None:
    """Bind-remount with `flags` (ro, nosuid, ...) keeping the flags the kernel locks."""
    _libc.mount(None, target, None, MS_BIND | MS_REMOUNT | flags | locked_flags(target), None)
