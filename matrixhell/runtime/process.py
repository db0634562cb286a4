"""The container process's last steps: rlimits, user and groups, capabilities, no_new_privs, cwd check,
closing inherited fds, seccomp, exec."""

from __future__ import annotations

import os

from . import _libc, caps
from .config import Config, Process
from .errors import EXIT_CONTAINER_FAILED, RtError

__all__ = ["apply_rlimits", "check_cwd", "close_fds", "find_executable", "switch_user"]

_PR_SET_KEEPCAPS = 8
_PR_SET_NO_NEW_PRIVS = 38
_CLOSE_RANGE_CLOEXEC = 4


def apply_rlimits(p: Process) -> None:
    import resource

    for i, r in enumerate(p.rlimits):
        _soft, cur_hard = resource.getrlimit(r.resource)
        unlimited = resource.RLIM_INFINITY
        want_hard = unlimited if r.hard >= 2**64 - 1 else r.hard
        want_soft = unlimited if r.soft >= 2**64 - 1 else r.soft
        try:
            resource.setrlimit(r.resource, (want_soft, want_hard))
        except (OSError, ValueError) as e:
            above = cur_hard != unlimited and (want_hard == unlimited or want_hard > cur_hard)
            if above:
                raise RtError(f"process.rlimits[{i}]", f"{r.type} hard limit {r.hard} is above the current "
                              f"hard limit {cur_hard} and the runtime lacks CAP_SYS_RESOURCE to raise it") \
                    from e
            raise RtError(f"process.rlimits[{i}]", f"setting {r.type} to {r.soft}/{r.hard}: {e}") from e


def switch_user(p: Process, setgroups_denied: bool) -> None:
    """setgroups/setresgid/setresuid keeping the permitted capabilities for caps.apply."""
    _libc.prctl(_PR_SET_KEEPCAPS, 1)
    try:
        if p.additional_gids or not setgroups_denied:
            try:
                os.setgroups(list(p.additional_gids))
            except OSError as e:
                raise RtError("process.user.additionalGids", f"setgroups: {e.strerror}"
                              + (" (setgroups is denied in this user namespace)" if setgroups_denied else "")
                              ) from e
        try:
            os.setresgid(p.gid, p.gid, p.gid)
        except OSError as e:
            raise RtError("process.user.gid", f"setresgid({p.gid}): {e.strerror}") from e
        try:
            os.setresuid(p.uid, p.uid, p.uid)
        except OSError as e:
            raise RtError("process.user.uid", f"setresuid({p.uid}): {e.strerror}") from e
    finally:
        _libc.prctl(_PR_SET_KEEPCAPS, 0)
    caps.apply(p)


def set_no_new_privs() -> None:
    _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1)


def check_cwd(p: Process) -> None:
    """chdir to process.cwd and prove we are inside the new root (the CVE-2024-21626 class: a leaked
    directory fd or a cwd outside the root shows up as '(unreachable)' or fails getcwd)."""
    try:
        os.chdir(p.cwd)
    except OSError as e:
        raise RtError("process.cwd", f"{p.cwd}: {e.strerror}", EXIT_CONTAINER_FAILED) from e
    try:
        here = os.getcwd()
        link = os.readlink("/proc/self/cwd")
    except OSError as e:
        raise RtError("process.cwd", f"{p.cwd} is not inside the container's root", EXIT_CONTAINER_FAILED) \
            from e
    if not here.startswith("/") or not link.startswith("/") or here != link:
        raise RtError("process.cwd", f"{p.cwd} resolves outside the container's root ({link})",
                      EXIT_CONTAINER_FAILED)


def close_fds(keep: tuple[int, ...] = ()) -> None:
    """Mark every fd >= 3 close-on-exec (close_range CLOEXEC; /proc/self/fd otherwise), so nothing the
    runtime holds survives into the container; `keep` fds stay inheritable."""
    try:
        _libc.close_range(3, 0xFFFFFFFF, _CLOSE_RANGE_CLOEXEC)
    except OSError:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd >= 3:
                try:  # noqa: SIM105 (contextlib costs start-up time)
                    os.set_inheritable(fd, False)
                except OSError:
                    pass
    for fd in keep:
        os.set_inheritable(fd, True)


def find_executable(p: Process, env: dict[str, str]) -> str:
    prog = p.args[0]
    if "/" in prog:
        candidates = [prog]
    else:
        candidates = [os.path.join(d or ".", prog) for d in env.get("PATH", "/usr/bin:/bin").split(":")]
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise RtError("process.args[0]", f"{prog}: executable file not found in the container"
                  + ("" if "/" in prog else " ($PATH)"), EXIT_CONTAINER_FAILED)


def environment(cfg: Config, p: Process) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in p.env:
        k, _, v = item.partition("=")
        env[k] = v
    if "HOME" not in env:
        env["HOME"] = _home(p.uid)
    return env


def _home(uid: int) -> str:
    try:
        with open("/etc/passwd") as f:
            for line in f:
                parts = line.rstrip("\n").split(":")
                if len(parts) >= 6 and parts[2] == str(uid):
                    return parts[5] or "/"
    except OSError:
        pass
    return "/"
