"""Relaying a container's pty master to our own stdin/stdout (`run` with process.terminal)."""

from __future__ import annotations

import os
import select

__all__ = ["relay"]


def relay(master: int, pid: int) -> None:
    """Copy stdin -> master and master -> stdout until the pty closes (the container exited)."""
    import termios
    import tty

    saved = None
    if os.isatty(0):
        saved = termios.tcgetattr(0)
        tty.setraw(0)
        try:
            import fcntl

            size = fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8)
            fcntl.ioctl(master, termios.TIOCSWINSZ, size)
        except OSError:
            pass
    watch = [master, 0]
    try:
        while True:
            try:
                ready, _, _ = select.select(watch, [], [])
            except InterruptedError:
                continue
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every slave fd is closed
                    break
                if not data:
                    break
                os.write(1, data)
            if 0 in ready:
                data = os.read(0, 65536)
                if not data:
                    watch.remove(0)  # stdin at EOF: send the terminal's EOF character
                    os.write(master, b"\x04")
                else:
                    os.write(master, data)
    finally:
        if saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)
        os.close(master)
