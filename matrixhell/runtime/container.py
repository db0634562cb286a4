"""Starting a container: the runtime process (P) forks an intermediate (I) that joins or creates the
namespaces, and I forks the container process (J), pid 1 of the new pid namespace, then exits.

P                          I                                   J
fork I ───────────────────▶ setns(paths); unshare(user); "U"
write uid/gid maps, "M" ──▶ unshare(mnt uts ipc net pid)
                            fork J, "P<pid>", exit ───────────▶ hostname, lo, rlimits, mounts ...
add J to the cgroup, "C" ─────────────────────────────────────▶ (before the cgroupfs mount) unshare(cgroup)
reap I, read "R" ◀───────────────────────────────────────────── pivot_root, masks, caps, "R" (ready),
                                                                [wait on exec.fifo], exec

Joining a cgroup v1 costs an RCU grace period (1-15 ms here); J does its mounts meanwhile and only waits
for "C" when it needs to be in its cgroup (its cgroup namespace is made from there, by J itself).
P marks itself a child subreaper so J becomes P's child when I exits (run, supervisor). Errors travel back
over the close-on-exec pipe as "E<where>\\t<message>\\t<code>"; EOF after "R" means exec succeeded.
"""

from __future__ import annotations

import _signal as signal  # type: ignore[import-not-found]  # ints, without the enum of `signal`
import os

from . import _libc
from .cgroups import Cgroup, Layout, detect_layout
from .config import Config
from .errors import EXIT_CONFIG, EXIT_CONTAINER_FAILED, EXIT_SYSTEM, RtError
from .state import State, proc_starttime

__all__ = ["Launched", "destroy", "spawn", "wait_exec"]

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
_O_PATH = 0o10000000
_CLONE_NEWCGROUP = 0x02000000
_TIOCSPTLCK, _TIOCGPTN, _TIOCSCTTY = 0x40045431, 0x80045430, 0x540E  # not exported by termios
_layout: Layout | None = None
# MATRIXHELL_RUNTIME_TRACE=1 prints each start stage's time (ms since the first stage) on stderr.
_TRACE = bool(os.environ.get("MATRIXHELL_RUNTIME_TRACE"))
_T0 = [0.0]


def _t(stage: str) -> None:
    if _TRACE:
        import time

        now = time.perf_counter()
        if not _T0[0]:
            _T0[0] = now
        os.write(2, f"[{os.getpid()}] {(now - _T0[0]) * 1000:7.2f} ms {stage}\n".encode())


def _send(fd: int, msg: str) -> None:
    os.write(fd, (msg.replace("\n", " ") + "\n").encode())


class _Reader:
    """Line reader over a pipe fd."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = b""

    def line(self) -> str | None:
        while b"\n" not in self.buf:
            chunk = os.read(self.fd, 4096)
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode(errors="replace")


def _raise_from(msg: str | None, stage: str) -> None:
    if msg is None:
        raise RtError("container", f"the container process died during {stage}", EXIT_CONTAINER_FAILED)
    if msg.startswith("E"):
        where, message, code = [*msg[1:].split("\t"), "", "", ""][:3]
        raise RtError(where, message, int(code) if code.isdigit() else EXIT_SYSTEM)


def _error_msg(e: BaseException) -> str:
    if isinstance(e, RtError):
        return f"E{e.where}\t{e.message}\t{e.code}"
    if isinstance(e, OSError):
        where = e.filename if isinstance(e.filename, str) else "container"
        return f"E{where}\t{e.strerror or e}\t{EXIT_SYSTEM}"
    return f"Econtainer\t{type(e).__name__}: {e}\t{EXIT_SYSTEM}"


class Launched:
    """A started container process as seen by P."""

    __slots__ = ("cgroup", "console", "destroyed", "pid", "reader", "state")

    def __init__(self, pid: int, state: State, cgroup: Cgroup, reader: _Reader, console: int | None) -> None:
        self.pid = pid
        self.state = state
        self.cgroup = cgroup
        self.reader = reader
        self.console = console
        self.destroyed = False


def destroy(launched: Launched) -> None:
    """Remove what is left of an exited (or killed and reaped) container: cgroup, state directory; then
    its poststop hooks, as warnings. Once: later calls do nothing."""
    if launched.destroyed:
        return
    launched.destroyed = True
    launched.cgroup.remove()
    launched.state.remove_dir()
    poststop(launched.state)


def poststop(state: State) -> None:
    """The poststop hooks recorded with the state (runtime-spec: failures are warnings)."""
    if state.hooks.get("poststop"):
        from .hooks import from_json, run_hooks

        run_hooks(from_json(state.hooks, "poststop"), state.hook_json("stopped"), state.bundle, fatal=False)


def _sync_hooks(cfg: Config) -> bool:
    """Whether J stops before pivot_root for the create hooks (and gets the state JSON for its own)."""
    h = cfg.hooks
    return h is not None and bool(h.prestart or h.create_runtime or h.create_container or h.start_container)


def spawn(cfg: Config, cid: str, root: str, *, create: bool, stdio: tuple[int, int, int] | None = None,
          console_socket: str | None = None, subreaper: bool = True, one_shot: bool = False) -> Launched:
    """Set up the container up to its exec (create=True: blocked on exec.fifo until `start`).
    one_shot: the calling process starts no other child afterwards (the CLI), which allows it to
    unshare the pid namespace for its children itself."""
    global _layout
    p = cfg.process
    if p is None:
        raise RtError("process", "required to create a container", EXIT_CONFIG)
    _libc.prctl(_PR_SET_DUMPABLE, 0)  # no /proc/<pid>/mem or exe games against the runtime itself
    if subreaper:
        _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1)
    if _layout is None:
        _layout = detect_layout()
    _preload(cfg)
    rootless = os.geteuid() != 0
    prog = None
    if cfg.seccomp is not None:
        from .seccomp import cached_program

        prog = cached_program(cfg.seccomp, os.path.join(root, ".seccomp-cache"))
    _t("spawn")
    State.reserve(root, cid)
    state = State(root, cid, cfg.bundle, cfg.root_path, 0, 0, [], cfg.annotations)
    hooks = cfg.hooks
    if hooks is not None:
        state.hooks = {k: [h.to_json() for h in v] for k, v in (("poststart", hooks.poststart),
                                                                ("poststop", hooks.poststop)) if v}
    sync_hooks = _sync_hooks(cfg)
    hooks_ran = False
    cg: Cgroup | None = None
    pids: list[int] = []
    fds: list[int] = []
    try:
        if cfg.source:
            state.save_config(cfg.source)
        fifo = -1
        if create:
            os.mkfifo(state.fifo, 0o622)
            os.chmod(state.fifo, 0o622)  # past the umask: a mapped container root must open it for writing
            # opened here and inherited: J's (mapped) user may not be able to reach the state directory
            fifo = os.open(state.fifo, _O_PATH | os.O_CLOEXEC)
            fds.append(fifo)
        from .devices import nodev_is_enough

        nodev = nodev_is_enough(cfg)
        cg = Cgroup.create(_layout, cfg.cgroups_path, cid, cfg.resources, rootless, devices_by_nodev=nodev)
        _t("cgroup created")
        state.cgroups = cg.dirs
        p2c_r, p2c_w = os.pipe2(os.O_CLOEXEC)
        c2p_r, c2p_w = os.pipe2(os.O_CLOEXEC)
        fds += [p2c_r, p2c_w, c2p_r, c2p_w]
        console_pair = None
        if p.terminal:
            import socket

            console_pair = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        userns = cfg.namespace("user")
        # Direct mode (one-shot CLI, no user namespace, nothing joined by path): P itself unshares the
        # pid namespace for its next child and forks J straight away, saving I's fork and a round trip.
        # Not with hooks: P forks them later, and they must run in P's own pid namespace.
        direct = one_shot and userns is None and not any(n.path for n in cfg.namespaces) and cfg.hooks is None
        if direct:
            pidns = cfg.namespace("pid")
            if pidns is not None:
                from . import ns

                ns.unshare(ns.CLONE_NEWPID, "pid")
            pid_i = os.fork()
            if pid_i == 0:  # J
                _direct(cfg, state, p2c_r, c2p_w, console_pair, stdio, fifo, _layout, nodev, prog)
        else:
            pid_i = os.fork()
            if pid_i == 0:  # I
                _intermediate(cfg, state, p2c_r, c2p_w, console_pair, stdio, fifo, _layout, nodev, prog)
        pids.append(pid_i)
        if console_pair is not None:
            console_pair[1].close()
        os.close(p2c_r)
        os.close(c2p_w)
        if fifo >= 0:
            os.close(fifo)
        fds = [p2c_w, c2p_r]
        reader = _Reader(c2p_r)
        if direct:
            pid_j = pid_i
        else:
            if userns is not None and userns.path is None:
                msg = reader.line()
                if msg != "U":
                    _raise_from(msg, "user namespace setup")
                from .ns import write_id_maps

                denied = write_id_maps(cfg, pid_i)
                _send(p2c_w, "M1" if denied else "M0")
            msg = reader.line()
            if msg is None or not msg.startswith("P"):
                _raise_from(msg, "namespace setup")
                raise RtError("container", f"unexpected message {msg!r}")
            pid_j = int(msg[1:])
            pids.append(pid_j)
        _t("J forked")
        cg.add(pid_j)
        _t("cgroup joined")
        try:  # noqa: SIM105 (contextlib costs start-up time)
            _send(p2c_w, "C")
        except BrokenPipeError:
            pass  # J failed before it needed its cgroup: its error is waiting on c2p
        if not direct:
            os.waitpid(pid_i, 0)
            pids.remove(pid_i)
        if sync_hooks:
            assert hooks is not None
            msg = reader.line()
            if msg != "H":
                _raise_from(msg, "container setup")
                raise RtError("container", f"unexpected message {msg!r}")
            from .hooks import run_hooks

            hooks_ran = True
            creating = state.hook_json("creating", pid_j)
            run_hooks(hooks.prestart, creating, cfg.bundle)
            run_hooks(hooks.create_runtime, creating, cfg.bundle)
            _send(p2c_w, "h" + creating + "\t" + state.hook_json("created", pid_j))
            _t("create hooks run")
        console = None
        if console_pair is not None:
            console = _recv_console(console_pair[0], reader)
            if console_socket:
                _send_console(console_socket, console)
        msg = reader.line()
        if msg != "R":
            _raise_from(msg, "container setup")
        st = proc_starttime(pid_j)
        _t("J ready")
        state.pid = pid_j
        state.starttime = st[0] if st else 0
        state.save()
        os.close(p2c_w)
        return Launched(pid_j, state, cg, reader, console)
    except BaseException:
        for pid in pids:
            try:  # noqa: SIM105 (contextlib costs start-up time)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:  # noqa: SIM105 (contextlib costs start-up time)
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        for fd in fds:
            try:  # noqa: SIM105 (contextlib costs start-up time)
                os.close(fd)
            except OSError:
                pass
        if cg is not None:
            cg.remove()
        state.remove_dir()
        if hooks_ran:  # the lifecycle goes on at "destroy": the poststop hooks run
            poststop(state)
        raise


def _preload(cfg: Config) -> None:
    """Import now, as the host user, what I and J will need: in a user namespace J may not be able to
    read the host's Python library, and after pivot_root nobody can."""
    from . import caps, ns, process, rootfs  # noqa: F401

    if cfg.seccomp is not None:
        from . import seccomp  # noqa: F401
    if cfg.process is not None and cfg.process.rlimits:
        import resource  # noqa: F401
    net = cfg.namespace("network")
    if net is not None and net.path is None:
        from . import net as _net  # noqa: F401
    if cfg.process is not None and cfg.process.terminal:
        import fcntl  # noqa: F401
        import socket  # noqa: F401
        import struct  # noqa: F401
        import termios  # noqa: F401
    if cfg.hooks is not None:
        from . import hooks  # noqa: F401


def wait_exec(launched: Launched) -> None:
    """After "R": EOF on the pipe means the exec happened; an "E" line means it failed."""
    try:
        msg = launched.reader.line()
        if msg is not None:
            _raise_from(msg, "exec")
    finally:
        os.close(launched.reader.fd)


def _recv_console(sock: object, reader: _Reader) -> int:
    import socket

    assert isinstance(sock, socket.socket)
    _msg, fds, _flags, _addr = socket.recv_fds(sock, 16, 1)
    sock.close()
    if not fds:
        _raise_from(reader.line(), "terminal setup")
        raise RtError("process.terminal", "no console received from the container")
    return fds[0]


def _send_console(path: str, fd: int) -> None:
    import socket

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        socket.send_fds(s, [b"console"], [fd])
    except OSError as e:
        raise RtError("--console-socket", f"{path}: {e.strerror}") from e
    finally:
        s.close()


# --------------------------------------------------------------------------------------------- I and J


def _intermediate(cfg: Config, state: State, rfd: int, wfd: int, console_pair: object,
                  stdio: tuple[int, int, int] | None, fifo: int, layout: Layout, nodev: bool,
                  prog: bytes | None) -> None:
    code = EXIT_SYSTEM
    try:
        from . import ns

        reader = _Reader(rfd)
        ns.join_paths(cfg, user_phase=True)
        userns = cfg.namespace("user")
        denied = False
        if userns is not None and userns.path is None:
            ns.unshare(ns.CLONE_NEWUSER, "user")
            rootless = os.geteuid() != 0
            if rootless:  # an unprivileged P can only write the maps of a dumpable process
                _libc.prctl(_PR_SET_DUMPABLE, 1)
            _send(wfd, "U")
            msg = reader.line()
            if rootless:
                _libc.prctl(_PR_SET_DUMPABLE, 0)
            if msg is None or not msg.startswith("M"):
                os._exit(code)
            denied = msg == "M1"
            uid0 = any(m.container_id == 0 for m in cfg.uid_mappings)
            gid0 = any(m.container_id == 0 for m in cfg.gid_mappings)
            if gid0:
                os.setresgid(0, 0, 0)
            if uid0:
                os.setresuid(0, 0, 0)
        if userns is not None and userns.path is not None:
            denied = _setgroups_denied()
        ns.join_paths(cfg, user_phase=False)
        ns.unshare(ns.new_flags(cfg) & ~_CLONE_NEWCGROUP, "the container's")
        _t("I unshared")
        pid = os.fork()
        if pid == 0:
            _container(cfg, state, reader, wfd, console_pair, stdio, fifo, layout, userns is not None,
                       denied, nodev, prog)
        _t("I forked J")
        _send(wfd, f"P{pid}")
        os._exit(0)
    except BaseException as e:
        try:
            _send(wfd, _error_msg(e))
        finally:
            os._exit(code)


def _direct(cfg: Config, state: State, rfd: int, wfd: int, console_pair: object,
            stdio: tuple[int, int, int] | None, fifo: int, layout: Layout, nodev: bool,
            prog: bytes | None) -> None:
    """J forked straight from P: make the remaining namespaces, then go on as usual."""
    try:
        from . import ns

        ns.unshare(ns.new_flags(cfg) & ~(_CLONE_NEWCGROUP | ns.CLONE_NEWPID), "the container's")
        _t("J unshared")
    except BaseException as e:
        try:
            _send(wfd, _error_msg(e))
        finally:
            os._exit(EXIT_SYSTEM)
    _container(cfg, state, _Reader(rfd), wfd, console_pair, stdio, fifo, layout, False, False, nodev, prog)


def _setgroups_denied() -> bool:
    try:
        with open("/proc/self/setgroups") as f:
            return f.read().strip() == "deny"
    except OSError:
        return False


def _container(cfg: Config, state: State, reader: _Reader, wfd: int, console_pair: object,
               stdio: tuple[int, int, int] | None, fifo: int, layout: Layout, userns: bool,
               setgroups_denied: bool, nodev: bool, prog: bytes | None) -> None:
    """J: runs in the new namespaces, never returns."""
    reported_ready = False
    joined = [False]
    started = -1  # the exec fifo opened for writing at start: errors from then on go there too

    def in_cgroup() -> None:
        """Wait until P has moved us into the container's cgroup, then make the cgroup namespace."""
        if joined[0]:
            return
        if reader.line() != "C":
            os._exit(EXIT_SYSTEM)
        cgns = cfg.namespace("cgroup")
        if cgns is not None and cgns.path is None:
            from . import ns

            ns.unshare(_CLONE_NEWCGROUP, "cgroup")
        joined[0] = True

    try:
        # Everything is imported now: after pivot_root the host's Python library is out of reach.
        from . import caps, process, rootfs

        if console_pair is not None:
            import fcntl  # noqa: F401
            import socket  # noqa: F401
            import struct  # noqa: F401
            import termios  # noqa: F401
        if prog is not None:
            from . import seccomp
        p = cfg.process
        assert p is not None
        if stdio is not None:
            for i, fd in enumerate(stdio):
                if fd != i:
                    os.dup2(fd, i)
        if cfg.hostname:
            _libc.sethostname(cfg.hostname)
        net = cfg.namespace("network")
        if net is not None and net.path is None:
            from .net import loopback_up

            loopback_up()
        if p.rlimits:
            process.apply_rlimits(p)
        if p.oom_score_adj is not None:
            try:
                with open("/proc/self/oom_score_adj", "w") as f:
                    f.write(str(p.oom_score_adj))
            except OSError as e:
                raise RtError("process.oomScoreAdj", f"cannot set {p.oom_score_adj}: {e.strerror}") from e
        last_cap = caps.read_last_cap()
        rootfs.prepare(cfg, userns, layout, in_cgroup, nodev)
        in_cgroup()
        _t("J mounted")
        created_json = ""
        if _sync_hooks(cfg):  # P runs prestart and createRuntime now; createContainer is ours
            from .hooks import run_hooks

            assert cfg.hooks is not None
            _send(wfd, "H")
            msg = reader.line()
            if msg is None or not msg.startswith("h"):
                os._exit(EXIT_SYSTEM)
            creating_json, _, created_json = msg[1:].partition("\t")
            run_hooks(cfg.hooks.create_container, creating_json, cfg.bundle)
        rootfs.pivot(cfg.root_path)
        rootfs.check_procfs()
        _t("J pivoted")
        for key, value in cfg.sysctl:
            try:
                with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
                    f.write(value)
            except OSError as e:
                raise RtError(f"linux.sysctl.{key}", f"cannot set: {e.strerror}") from e
        rootfs.mask_and_protect(cfg)
        _t("J masked")
        os.setsid()  # a new session: no controlling terminal to inject into (TIOCSTI)
        if console_pair is not None:
            _setup_terminal(console_pair, p)
        if p.umask is not None:
            os.umask(p.umask)
        env = process.environment(cfg, p)
        caps.drop_bounding(p, last_cap)
        if prog is not None and not p.no_new_privileges:
            assert cfg.seccomp is not None
            seccomp.load(prog, cfg.seccomp)  # while CAP_SYS_ADMIN still allows it without NNP
        process.switch_user(p, setgroups_denied)
        if p.no_new_privileges:
            process.set_no_new_privs()
        process.check_cwd(p)
        _t("J user+caps")
        exe = process.find_executable(p, env)
        process.close_fds()
        _send(wfd, "R")
        reported_ready = True
        if fifo >= 0:  # created: block until `start` opens the fifo; it reads on until the exec (EOF)
            started = os.open(f"/proc/self/fd/{fifo}", os.O_WRONLY | os.O_CLOEXEC)
            os.write(started, b"0")
        if cfg.hooks is not None and cfg.hooks.start_container:
            run_hooks(cfg.hooks.start_container, created_json)
        if prog is not None and p.no_new_privileges:
            assert cfg.seccomp is not None
            seccomp.load(prog, cfg.seccomp)
        os.execve(exe, list(p.args), env)
    except BaseException as e:  # reported to P (run, supervisor) or to `start` through the fifo
        msg = _error_msg(e)
        for fd in (wfd, started):
            try:
                if fd >= 0:
                    _send(fd, msg)
            except OSError:
                pass
    os._exit(EXIT_CONTAINER_FAILED if reported_ready else EXIT_SYSTEM)


def _setup_terminal(console_pair: object, p: object) -> None:
    import fcntl
    import socket
    import struct
    import termios

    assert isinstance(console_pair, tuple)
    master = os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    fcntl.ioctl(master, _TIOCSPTLCK, struct.pack("i", 0))  # unlockpt
    n = struct.unpack("I", fcntl.ioctl(master, _TIOCGPTN, struct.pack("I", 0)))[0]  # ptsname
    slave = os.open(f"/dev/pts/{n}", os.O_RDWR | os.O_NOCTTY)
    size = getattr(p, "console_size", None)
    if size:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    _bind_console(slave)
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


def _bind_console(slave: int) -> None:
    """/dev/console is the terminal, as in runc. The mount goes onto an O_NOFOLLOW fd of /dev/console
    from the slave's own fd: an image's /dev/console symlink (or a swapped /dev/pts/N) cannot redirect it
    (the CVE-2025-52565 class). A /dev that cannot hold the node is tolerated, a symlink is refused."""
    import stat

    flags = _O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open("/dev/console", flags)
    except FileNotFoundError:
        try:
            os.close(os.open("/dev/console", os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_WRONLY
                             | os.O_CLOEXEC, 0o600))
            fd = os.open("/dev/console", flags)
        except OSError:
            return  # a read-only image /dev without a console: the terminal is still on fds 0-2
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode)):
            raise RtError("process.terminal", "/dev/console in the container is a symlink or not a file; "
                          "refusing to mount the terminal through it", EXIT_SYSTEM)
        _libc.mount(f"/proc/self/fd/{slave}", f"/proc/self/fd/{fd}", None, 4096, None)
    except OSError as e:
        raise RtError("process.terminal", f"binding the terminal on /dev/console: {e.strerror}") from e
    finally:
        os.close(fd)
