"""`matrixhell-runtime exec`: a new process inside a running (or created) container, as `runc exec` does.

P (runtime)                      E (intermediate)                         X (the new process)
open /proc/<pid>/ns/*, check
the container is still the one
its state names; fork E ───────▶ join the container's cgroups
                                 setns user (first), ipc uts net pid
                                 cgroup time, mnt (last: the root and
                                 cwd become the container's); fork X,
                                 "P<pid>", exit ─────────────────────────▶ close every other fd, rlimits,
                                                                          oomScoreAdj, setsid, terminal,
                                                                          umask, bounding set, seccomp,
reap E; X is ours (subreaper) ◀────────────────────────────────────────── user, caps, no_new_privs, cwd
EOF on the pipe: exec'd                                                   check, fds >= 3 close-on-exec,
wait, exit with its status                                                exec

The process settings default to the container's own process (config.json as it was at create, kept in
the state directory): capabilities, noNewPrivileges, rlimits, user, env, cwd, and the container's seccomp
filter. The command line replaces args and adds env, cwd, user and terminal; `--process FILE` replaces
any field of the process object it names. P and X are non-dumpable until the exec, so nothing in the
container can open X's /proc files (its fds) before then (the CVE-2016-9962 class).
"""

from __future__ import annotations

import _signal as signal  # type: ignore[import-not-found]  # ints, without the enum of `signal`
import os

from . import _libc
from .config import Config, Process, parse_config, parse_process
from .errors import EXIT_CONFIG, EXIT_CONTAINER_FAILED, EXIT_STATE, EXIT_SYSTEM, EXIT_USAGE, RtError
from .jsonio import JsonError, loads
from .signals import SignalRelay
from .state import State

__all__ = ["Execed", "exec_in", "spawn_exec"]

_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
_TIOCSPTLCK, _TIOCGPTN, _TIOCSCTTY = 0x40045431, 0x80045430, 0x540E
# /proc/<pid>/ns name -> CLONE_* flag, in the order they are joined: user first (it gives the rights for
# the others), mnt last (after it, the host's /proc and the cgroup files are out of reach)
_NAMESPACES = (("user", 0x10000000), ("ipc", 0x08000000), ("uts", 0x04000000), ("net", 0x40000000),
               ("pid", 0x20000000), ("cgroup", 0x02000000), ("time", 0x00000080), ("mnt", 0x00020000))


def _read_json(path: str, what: str) -> object:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise RtError(path, f"no {what}", EXIT_CONFIG) from None
    except (OSError, UnicodeDecodeError) as e:
        raise RtError(path, f"cannot read: {e}", EXIT_CONFIG) from e
    try:
        return loads(text)
    except JsonError as e:
        raise RtError(f"{path}:{e.line}:{e.col}", str(e).split(": ", 1)[1], EXIT_CONFIG) from e


def _process(raw_cfg: dict[str, object], args: list[str], env: list[str], cwd: str | None, user: str | None,
             tty: bool, given: object, given_name: str) -> Process:
    """The container's process object with the overrides: `given` (a process object from `given_name`,
    e.g. --process FILE) replaces the fields it names; otherwise args, terminal, env, cwd and user."""
    base = raw_cfg.get("process")
    merged: dict[str, object] = dict(base) if isinstance(base, dict) else {}
    if given is not None:
        if not isinstance(given, dict):
            raise RtError(given_name, "must hold a JSON object (a runtime-spec process)", EXIT_CONFIG)
        merged.update(given)
    else:
        merged["args"] = list(args)
        merged["terminal"] = tty
        if env:
            for item in env:
                if not isinstance(item, str) or "=" not in item or item.startswith("="):
                    raise RtError("--env", f"must be NAME=VALUE, got {item!r}", EXIT_USAGE)
            keys = {e.split("=", 1)[0] for e in env}
            old = merged.get("env")
            kept = [e for e in old if isinstance(e, str) and e.split("=", 1)[0] not in keys] \
                if isinstance(old, list) else []
            merged["env"] = kept + list(env)
        if cwd is not None:
            merged["cwd"] = cwd
        if user is not None:
            uid, _, gid = user.partition(":")
            if not uid.isdigit() or (gid and not gid.isdigit()):
                raise RtError("--user", f"must be UID[:GID] (numbers), got {user!r}", EXIT_USAGE)
            old_user = merged.get("user")
            u: dict[str, object] = dict(old_user) if isinstance(old_user, dict) else {}
            u["uid"] = int(uid)
            if gid:
                u["gid"] = int(gid)
            merged["user"] = u
    notes: list[str] = []
    try:
        return parse_process(merged, notes)
    except RtError as e:
        if given is None:
            raise
        raise RtError(f"{given_name}: {e.where}", e.message, e.code) from None


def _check_mapped(cfg: Config, p: Process) -> None:
    userns = cfg.namespace("user")
    if userns is None or userns.path is not None:
        return
    for what, ident, maps in (("uid", p.uid, cfg.uid_mappings), ("gid", p.gid, cfg.gid_mappings)):
        if not any(m.container_id <= ident < m.container_id + m.size for m in maps):
            raise RtError(f"process.user.{what}", f"{ident} is not mapped in the container's user namespace",
                          EXIT_CONFIG)


def _open_namespaces(pid: int) -> list[tuple[str, int, int]]:
    """fds of the container's namespaces that differ from ours (joining one's own is pointless, and
    refused for the user namespace)."""
    out: list[tuple[str, int, int]] = []
    try:
        for name, flag in _NAMESPACES:
            path = f"/proc/{pid}/ns/{name}"
            try:
                theirs = os.stat(path)
            except FileNotFoundError:
                if name in ("time", "cgroup"):
                    continue  # the kernel has no such namespace
                if os.path.exists(f"/proc/{pid}"):
                    # the process is exiting: the kernel drops its namespaces before it is reaped
                    for _n, _f, fd in out:
                        os.close(fd)
                    raise RtError("id", "the container's process is exiting: nothing to exec into",
                                  EXIT_STATE) from None
                raise
            mine = os.stat(f"/proc/self/ns/{name}")
            if (theirs.st_dev, theirs.st_ino) == (mine.st_dev, mine.st_ino):
                continue
            out.append((name, flag, os.open(path, os.O_RDONLY | os.O_CLOEXEC)))
    except OSError as e:
        for _n, _f, fd in out:
            os.close(fd)
        raise RtError("id", f"cannot open the container's namespaces: {e.strerror}", EXIT_SYSTEM) from e
    return out


class Execed:
    """A process exec'd into a container, as seen by the runtime that started it (its parent)."""

    __slots__ = ("console", "pid")

    def __init__(self, pid: int, console: int | None) -> None:
        self.pid = pid
        self.console = console


def spawn_exec(root: str, cid: str, args: list[str], env: list[str] | None = None, cwd: str | None = None,
               user: str | None = None, tty: bool = False, process: object = None, process_name: str = "",
               stdio: tuple[int, int, int] | None = None) -> Execed:
    """Start a process in container `cid` and return once it has exec'd. The caller must be a child
    subreaper (the process becomes its child) and reaps it. `process`: a process object (from
    `process_name`) replacing fields of the container's; `stdio`: fds for 0-2 instead of ours."""
    st = State.load(root, cid)
    if st.status() == "stopped":
        raise RtError("id", f"container {cid!r} is stopped: nothing to exec into", EXIT_STATE)
    if process is None and not args:
        raise RtError("usage", "exec: expected a command after the ID (or --process FILE)", EXIT_USAGE)
    raw = _read_json(st.config_copy, "config.json of the container (was it created by this runtime?)")
    if not isinstance(raw, dict):
        raise RtError(st.config_copy, "must hold a JSON object", EXIT_CONFIG)
    cfg = parse_config(raw, st.bundle)
    p = _process(raw, args, env or [], cwd, user, tty, process, process_name)
    _check_mapped(cfg, p)
    prog = None
    if cfg.seccomp is not None:
        from .seccomp import cached_program

        prog = cached_program(cfg.seccomp, os.path.join(root, ".seccomp-cache"))
    # everything X needs, imported while the host's library is reachable
    from . import caps  # noqa: F401
    from .process import check_cwd as _loaded  # noqa: F401  (the module X uses)

    if prog is not None:
        from . import seccomp  # noqa: F401
    if p.rlimits:
        import resource  # noqa: F401
    console_pair = None
    if p.terminal:
        import fcntl  # noqa: F401
        import socket
        import struct  # noqa: F401
        import termios  # noqa: F401

        console_pair = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    _libc.prctl(_PR_SET_DUMPABLE, 0)
    nss = _open_namespaces(st.pid)
    pids: list[int] = []
    try:
        if not st.alive():  # the namespaces opened are those of the process the state names
            raise RtError("id", f"container {cid!r} stopped", EXIT_STATE)
        r, w = os.pipe2(os.O_CLOEXEC)
        pid_e = os.fork()
        if pid_e == 0:
            os.close(r)
            _intermediate(st, nss, p, cfg, prog, w, console_pair, stdio)
        pids.append(pid_e)
        os.close(w)
        for _n, _f, fd in nss:
            os.close(fd)
        nss = []
        from .container import _raise_from, _Reader

        reader = _Reader(r)
        try:
            msg = reader.line()
            if msg is None or not msg.startswith("P"):
                _raise_from(msg, "joining the container")
                raise RtError("exec", f"unexpected message {msg!r}")
            pid_x = int(msg[1:])
            pids.append(pid_x)
            os.waitpid(pid_e, 0)
            pids.remove(pid_e)
            console = None
            if console_pair is not None:
                from .container import _recv_console

                console_pair[1].close()
                console = _recv_console(console_pair[0], reader)
            msg = reader.line()  # EOF: the exec happened
            if msg is not None:
                _raise_from(msg, "exec")
        finally:
            os.close(r)
        return Execed(pid_x, console)
    except BaseException:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        raise
    finally:
        for _n, _f, fd in nss:
            os.close(fd)
        if console_pair is not None:
            for sock in console_pair:
                sock.close()


def exec_in(root: str, cid: str, args: list[str], env: list[str] | None = None, cwd: str | None = None,
            user: str | None = None, tty: bool = False, process_file: str | None = None, detach: bool = False,
            pid_file: str | None = None) -> int:
    """The `exec` command: run a process in container `cid`; returns its exit status (128+N when killed
    by signal N), or 0 once it runs with detach."""
    given = _read_json(process_file, "process file") if process_file is not None else None
    if detach and (tty or (isinstance(given, dict) and given.get("terminal"))):
        raise RtError("--tty", "a detached exec cannot relay a terminal", EXIT_USAGE)
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1)
    with SignalRelay(active=not detach) as signals:
        x = spawn_exec(root, cid, args, env, cwd, user, tty, given, process_file or "")
        if pid_file:
            from .lifecycle import _write_pid_file

            _write_pid_file(pid_file, x.pid)
        if detach:
            return 0
        signals.to(x.pid)
        try:
            if x.console is not None:
                from .terminal import relay

                relay(x.console, x.pid)
            _, wstatus = os.waitpid(x.pid, 0)
        except BaseException:
            try:
                os.kill(x.pid, signal.SIGKILL)
                os.waitpid(x.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            raise
        code = os.waitstatus_to_exitcode(wstatus)
        return 128 - code if code < 0 else code


def _intermediate(st: State, nss: list[tuple[str, int, int]], p: Process, cfg: Config, prog: bytes | None,
                  wfd: int, console_pair: object, stdio: tuple[int, int, int] | None) -> None:
    from .container import _error_msg, _send

    try:
        for d in st.cgroups:  # while the host's cgroup files are reachable; X inherits the membership
            try:
                with open(os.path.join(d, "cgroup.procs"), "w") as f:
                    f.write("0")
            except OSError as e:
                raise RtError("cgroup", f"joining {d}: {e.strerror}") from e
        denied = False
        for name, flag, fd in nss:
            try:
                _libc.setns(fd, flag)
            except OSError as e:
                raise RtError("id", f"cannot join the container's {name} namespace: "
                              f"{os.strerror(e.errno or 0)}") from e
            if name == "user":
                from .container import _setgroups_denied

                denied = _setgroups_denied()
        for _n, _f, fd in nss:
            os.close(fd)
        from . import caps

        last_cap = caps.read_last_cap()
        pid = os.fork()
        if pid == 0:
            _process_x(p, cfg, prog, wfd, console_pair, denied, last_cap, stdio)
        _send(wfd, f"P{pid}")
        os._exit(0)
    except BaseException as e:
        try:
            _send(wfd, _error_msg(e))
        finally:
            os._exit(EXIT_SYSTEM)


def _process_x(p: Process, cfg: Config, prog: bytes | None, wfd: int, console_pair: object, denied: bool,
               last_cap: int, stdio: tuple[int, int, int] | None) -> None:
    from . import caps, process
    from .container import _error_msg, _send

    try:
        if stdio is not None:
            for i, fd in enumerate(stdio):
                if fd != i:
                    os.dup2(fd, i)
        keep = [wfd]
        if console_pair is not None:
            assert isinstance(console_pair, tuple)
            console_pair[0].close()
            keep.append(console_pair[1].fileno())
        _close_others(keep)  # no fd of the runtime's can serve as a way out (cwd through /proc/self/fd)
        if p.rlimits:
            process.apply_rlimits(p)
        if p.oom_score_adj is not None:
            try:
                with open("/proc/self/oom_score_adj", "w") as f:
                    f.write(str(p.oom_score_adj))
            except OSError as e:
                raise RtError("process.oomScoreAdj", f"cannot set {p.oom_score_adj}: {e.strerror}") from e
        os.setsid()
        if console_pair is not None:
            _terminal(console_pair, p)
        if p.umask is not None:
            os.umask(p.umask)
        env = process.environment(cfg, p)
        caps.drop_bounding(p, last_cap)
        if prog is not None and not p.no_new_privileges:
            from . import seccomp

            assert cfg.seccomp is not None
            seccomp.load(prog, cfg.seccomp)
        process.switch_user(p, denied)
        if p.no_new_privileges:
            process.set_no_new_privs()
        process.check_cwd(p)
        exe = process.find_executable(p, env)
        process.close_fds()
        if prog is not None and p.no_new_privileges:
            from . import seccomp

            assert cfg.seccomp is not None
            seccomp.load(prog, cfg.seccomp)
        os.execve(exe, list(p.args), env)
    except BaseException as e:
        try:  # noqa: SIM105 (contextlib costs start-up time)
            _send(wfd, _error_msg(e))
        except OSError:
            pass
    os._exit(EXIT_CONTAINER_FAILED)


def _close_others(keep: list[int]) -> None:
    lo = 3
    for fd in sorted(keep):
        if fd >= lo:
            os.closerange(lo, fd)
            lo = fd + 1
    os.closerange(lo, 65536)


def _terminal(console_pair: object, p: Process) -> None:
    """A pty of the container's own devpts as the controlling terminal and stdio; the master goes to P."""
    import fcntl
    import socket
    import struct
    import termios

    assert isinstance(console_pair, tuple)
    try:
        master = os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        fcntl.ioctl(master, _TIOCSPTLCK, struct.pack("i", 0))
        n = struct.unpack("I", fcntl.ioctl(master, _TIOCGPTN, struct.pack("I", 0)))[0]
        slave = os.open(f"/dev/pts/{n}", os.O_RDWR | os.O_NOCTTY)
    except OSError as e:
        raise RtError("process.terminal", f"cannot open a pty in the container: {e.strerror}") from e
    if p.console_size:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", p.console_size[0], p.console_size[1], 0, 0))
    fcntl.ioctl(slave, _TIOCSCTTY, 0)
    for i in range(3):
        os.dup2(slave, i)
    if slave > 2:
        os.close(slave)
    sock = console_pair[1]
    assert isinstance(sock, socket.socket)
    socket.send_fds(sock, [b"c"], [master])
    sock.close()
    os.close(master)
