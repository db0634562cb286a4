"""The runc-style operations on containers by id: create, start, run, state, kill, delete, list."""

from __future__ import annotations

# _signal, not signal: the signal module's enum import costs ~1 ms of every start
import _signal as signal  # type: ignore[import-not-found]
import os
import time

from .config import load_bundle
from .container import Launched, _t, destroy, poststop, spawn, wait_exec
from .errors import EXIT_STATE, EXIT_USAGE, RtError
from .signals import SignalRelay
from .state import State, list_ids, validate_id

__all__ = ["create", "delete", "kill", "list_states", "parse_signal", "run", "start", "state"]


def _note(cfg_notes: tuple[str, ...]) -> None:
    for n in cfg_notes:
        os.write(2, f"matrixhell-runtime: note: {n}\n".encode())


def create(root: str, cid: str, bundle: str, pid_file: str | None = None,
           console_socket: str | None = None) -> State:
    validate_id(cid)
    cfg = load_bundle(bundle)
    _note(cfg.notes)
    if cfg.process is not None and cfg.process.terminal and not console_socket:
        raise RtError("process.terminal", "a terminal needs --console-socket with create (or use run)",
                      EXIT_USAGE)
    launched = spawn(cfg, cid, root, create=True, console_socket=console_socket, subreaper=False,
                     one_shot=True)
    os.close(launched.reader.fd)
    if launched.console is not None:
        os.close(launched.console)
    if pid_file:
        _write_pid_file(pid_file, launched.pid)
    return launched.state


def _write_pid_file(path: str, pid: int) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(str(pid))
    os.rename(tmp, path)


def start(root: str, cid: str) -> None:
    st = State.load(root, cid)
    status = st.status()
    if status != "created":
        raise RtError("id", f"container {cid!r} is {status}, not created", EXIT_STATE)
    # The container writes "0" once it is released, then runs its startContainer hooks and execs; the
    # fifo reaches EOF at the exec (close-on-exec), or carries the error that stopped it.
    fd = os.open(st.fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    data = b""
    try:
        import select

        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            if poller.poll(50):
                try:
                    chunk = os.read(fd, 4096)
                except BlockingIOError:
                    chunk = None
                if chunk == b"" and data:
                    break
                data += chunk or b""
            if not data and not st.alive():
                raise RtError("id", f"container {cid!r} died before it was started", EXIT_STATE)
    finally:
        os.close(fd)
    os.unlink(st.fifo)
    if data[1:].startswith(b"E"):  # a startContainer hook or the exec failed: the container goes
        where, message, code = [*data[2:].decode(errors="replace").strip().split("\t"), "", "", ""][:3]
        _destroy_state(st)
        raise RtError(where, message, int(code) if code.isdigit() else EXIT_STATE)
    _poststart(st)


def _poststart(st: State) -> None:
    if st.hooks.get("poststart"):
        from .hooks import from_json, run_hooks

        run_hooks(from_json(st.hooks, "poststart"), st.hook_json("running"), st.bundle, fatal=False)


def _destroy_state(st: State) -> None:
    """Kill what is left of the container, remove its cgroup and state, run its poststop hooks."""
    from .cgroups import Cgroup

    if st.alive():
        try:  # noqa: SIM105 (contextlib costs start-up time)
            os.kill(st.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _wait_gone(st)
    Cgroup(st.cgroups, "").remove()
    st.remove_dir()
    poststop(st)


def state(root: str, cid: str) -> dict[str, object]:
    return State.load(root, cid).to_json()


def list_states(root: str) -> list[dict[str, object]]:
    out = []
    for cid in list_ids(root):
        try:
            out.append(State.load(root, cid).to_json())
        except RtError:
            continue
    return out


def parse_signal(text: str) -> int:
    if text.isdigit():
        n = int(text)
        if 0 < n < 65:
            return n
    else:
        name = text.upper()
        name = name if name.startswith("SIG") else "SIG" + name
        sig = getattr(signal, name, None) if not name.startswith("SIG_") else None
        if isinstance(sig, int):
            return sig
    raise RtError("signal", f"unknown signal {text!r}", EXIT_USAGE)


def kill(root: str, cid: str, sig: int, all_: bool = False) -> None:
    st = State.load(root, cid)
    if not st.alive():
        raise RtError("id", f"container {cid!r} is not running", EXIT_STATE)
    if all_:
        from .cgroups import Cgroup

        Cgroup(st.cgroups, "").kill_all(sig)
    os.kill(st.pid, sig)


def _wait_gone(st: State, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while st.alive():
        if time.monotonic() > deadline:
            raise RtError("id", f"container {st.id!r} (pid {st.pid}) did not die", EXIT_STATE)
        time.sleep(0.0005)


def delete(root: str, cid: str, force: bool = False) -> None:
    st = State.load(root, cid)
    if st.status() == "running" and not force:
        raise RtError("id", f"container {cid!r} is running (stop it first or use --force)", EXIT_STATE)
    _destroy_state(st)




def run(root: str, cid: str, bundle: str, detach: bool = False, pid_file: str | None = None,
        console_socket: str | None = None) -> int:
    """Create and start in one step; in the foreground wait and return the container's exit status
    (128+N when killed by signal N, like runc)."""
    validate_id(cid)
    cfg = load_bundle(bundle)
    _note(cfg.notes)
    if detach and cfg.process is not None and cfg.process.terminal and not console_socket:
        raise RtError("process.terminal", "a detached terminal needs --console-socket", EXIT_USAGE)
    # Signals arriving while the container starts are held and delivered once it runs.
    with SignalRelay(active=not detach) as signals:
        launched = spawn(cfg, cid, root, create=False, console_socket=console_socket if detach else None,
                         subreaper=not detach, one_shot=True)
        try:
            wait_exec(launched)
            _t("exec'd")
        except BaseException:
            _cleanup(launched)
            raise
        _poststart(launched.state)
        if pid_file:
            _write_pid_file(pid_file, launched.pid)
        if detach:
            if launched.console is not None:
                os.close(launched.console)
            return 0
        signals.to(launched.pid)
        return _foreground(launched)


def _foreground(launched: Launched) -> int:
    pid = launched.pid
    try:
        if launched.console is not None:
            from .terminal import relay

            relay(launched.console, pid)
        _, status = os.waitpid(pid, 0)
        _t("exited")
    finally:
        _cleanup(launched)
        _t("cleaned up")
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _cleanup(launched: Launched) -> None:
    try:
        os.kill(launched.pid, signal.SIGKILL)
        os.waitpid(launched.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    destroy(launched)
