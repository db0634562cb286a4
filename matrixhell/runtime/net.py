"""Network namespace setup: a new netns has only lo, and lo starts down; bring it up."""

from __future__ import annotations

import ctypes
import fcntl
import struct

__all__ = ["loopback_up"]

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
_IFF_RUNNING = 0x40


def loopback_up() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(2, 2 | 0o2000000, 0)  # AF_INET, SOCK_DGRAM|SOCK_CLOEXEC
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, "socket(AF_INET) for bringing lo up")
    try:
        req = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(fd, _SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(fd, _SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | _IFF_UP | _IFF_RUNNING))
    finally:
        libc.close(fd)
