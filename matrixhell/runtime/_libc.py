"""Thin ctypes bindings to the libc calls and syscalls the runtime needs; errno becomes OSError."""

from __future__ import annotations

import ctypes
import os

__all__ = [
    "ARCH",
    "capget",
    "capset",
    "close_range",
    "mount",
    "openat2",
    "pivot_root",
    "prctl",
    "seccomp_set_filter",
    "sethostname",
    "setns",
    "umount2",
    "unshare",
]

ARCH = os.uname().machine

# Syscall numbers for calls glibc 2.36 does not wrap (x86_64, aarch64).
_NR = {
    "x86_64": {"pivot_root": 155, "capget": 125, "capset": 126, "seccomp": 317, "openat2": 437,
               "close_range": 436},
    "aarch64": {"pivot_root": 41, "capget": 90, "capset": 91, "seccomp": 277, "openat2": 437,
                "close_range": 436},
}.get(ARCH, {})

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_c_char_p = ctypes.c_char_p
_c_ulong = ctypes.c_ulong
_c_int = ctypes.c_int
_c_long = ctypes.c_long


def _fail(what: str, path: str | None = None) -> OSError:
    err = ctypes.get_errno()
    if path is None:
        return OSError(err, f"{what}: {os.strerror(err)}")
    return OSError(err, f"{what}: {os.strerror(err)}", path)


def _b(s: str | None) -> bytes | None:
    return None if s is None else os.fsencode(s)


def _nr(name: str) -> int:
    try:
        return _NR[name]
    except KeyError:
        raise OSError(38, f"{name}: no syscall number known for {ARCH}") from None


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    if _libc.mount(_b(source), _b(target), _b(fstype), _c_ulong(flags), _b(data)) != 0:
        raise _fail(f"mount {fstype or ''} {source or ''} on {target}".replace("  ", " "), target)


def fs_type(path: str) -> int:
    """statfs(2)'s f_type (the first field of struct statfs on x86_64 and aarch64)."""
    buf = ctypes.create_string_buffer(120)
    if _libc.statfs(_b(path), buf) != 0:
        raise _fail(f"statfs {path}", path)
    return ctypes.c_long.from_buffer(buf).value


def umount2(target: str, flags: int) -> None:
    if _libc.umount2(_b(target), _c_int(flags)) != 0:
        raise _fail(f"umount {target}", target)


def unshare(flags: int) -> None:
    if _libc.unshare(_c_int(flags)) != 0:
        raise _fail(f"unshare {flags:#x}")


def setns(fd: int, nstype: int) -> None:
    if _libc.setns(_c_int(fd), _c_int(nstype)) != 0:
        raise _fail("setns")


def sethostname(name: str) -> None:
    raw = name.encode()
    if _libc.sethostname(raw, ctypes.c_size_t(len(raw))) != 0:
        raise _fail("sethostname")


def pivot_root(new_root: str, put_old: str) -> None:
    if _syscall(_c_long(_nr("pivot_root")), _b(new_root), _b(put_old)) != 0:
        raise _fail("pivot_root")


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    ret = _libc.prctl(_c_int(option), _c_ulong(arg2), _c_ulong(arg3), _c_ulong(arg4), _c_ulong(arg5))
    if ret < 0:
        raise _fail(f"prctl {option}")
    return int(ret)



class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def openat2(dirfd: int, path: str, flags: int, resolve: int, mode: int = 0) -> int:
    how = _OpenHow(flags, mode, resolve)
    fd = _syscall(_c_long(_nr("openat2")), _c_int(dirfd), _b(path), ctypes.byref(how),
                  ctypes.c_size_t(ctypes.sizeof(how)))
    if fd < 0:
        raise _fail("openat2", path)
    return int(fd)


def close_range(first: int, last: int, flags: int) -> None:
    if _syscall(_c_long(_nr("close_range")), ctypes.c_uint(first), ctypes.c_uint(last),
                ctypes.c_uint(flags)) != 0:
        raise _fail("close_range")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


_CAP_V3 = 0x20080522


def capget() -> tuple[int, int, int]:
    """(effective, permitted, inheritable) of the calling thread as 64-bit masks."""
    hdr = _CapHeader(_CAP_V3, 0)
    data = (_CapData * 2)()
    if _syscall(_c_long(_nr("capget")), ctypes.byref(hdr), data) != 0:
        raise _fail("capget")
    return (data[0].effective | data[1].effective << 32, data[0].permitted | data[1].permitted << 32,
            data[0].inheritable | data[1].inheritable << 32)


def capset(effective: int, permitted: int, inheritable: int) -> None:
    hdr = _CapHeader(_CAP_V3, 0)
    data = (_CapData * 2)()
    m = 0xFFFFFFFF
    data[0].effective, data[1].effective = effective & m, effective >> 32
    data[0].permitted, data[1].permitted = permitted & m, permitted >> 32
    data[0].inheritable, data[1].inheritable = inheritable & m, inheritable >> 32
    if _syscall(_c_long(_nr("capset")), ctypes.byref(hdr), data) != 0:
        raise _fail("capset")


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


_SECCOMP_SET_MODE_FILTER = 1


def seccomp_set_filter(prog: bytes, flags: int = 0) -> None:
    """Load a classic BPF program (struct sock_filter[] in native byte order) as a seccomp filter
    (needs no_new_privs or CAP_SYS_ADMIN)."""
    n = len(prog) // 8
    arr = (_SockFilter * n).from_buffer_copy(prog)
    fprog = _SockFprog(n, ctypes.cast(arr, ctypes.POINTER(_SockFilter)))
    if _syscall(_c_long(_nr("seccomp")), ctypes.c_uint(_SECCOMP_SET_MODE_FILTER), ctypes.c_uint(flags),
                ctypes.byref(fprog)) != 0:
        raise _fail("seccomp(SECCOMP_SET_MODE_FILTER)")
