"""One long-lived process that starts, watches and stops many containers by forking: the per-container
cost is a fork of a warm process, not an interpreter start.

Protocol: JSON lines over a unix stream socket, one reply line per request, in order.
  {"op": "start", "id": ID, "bundle": DIR, "stdio": true|false, "remove": true|false}
        -> {"ok": true, "pid": PID}        (stdio: the request carries 3 fds via SCM_RIGHTS)
  {"op": "wait", "id": ID}   -> {"ok": true, "status": N}   (replies when the container exits)
  {"op": "exec", "id": ID, "args": [...], "env": [K=V...], "cwd": D, "user": "UID[:GID]",
   "process": {...}, "stdio": bool} -> {"ok": true, "pid": PID}  (a new process in the container, as
        `matrixhell-runtime exec`; "process" replaces fields of the container's process instead)
  {"op": "wait", "pid": PID} -> {"ok": true, "status": N}   (replies when that exec'd process exits)
  {"op": "kill", "id": ID, "signal": N} -> {"ok": true}
  {"op": "delete", "id": ID, "force": bool} -> {"ok": true}
  {"op": "list"} -> {"ok": true, "containers": [{"id", "pid", "status", "exit", "waiters"}]}
  {"op": "ping"} -> {"ok": true}
  {"op": "shutdown"} -> {"ok": true}   (replies once every container is killed and removed)
Errors: {"ok": false, "where": FIELD, "error": MESSAGE, "code": EXIT_CODE}.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket

from .config import Config, load_bundle
from .container import Launched, destroy, spawn, wait_exec
from .errors import EXIT_NOT_FOUND, EXIT_STATE, EXIT_USAGE, RtError
from .jsonio import dumps, loads

__all__ = ["SupervisorClient", "SupervisorError", "serve"]


class _Container:
    __slots__ = ("id", "launched", "remove", "status", "waiters")

    def __init__(self, cid: str, launched: Launched, remove: bool) -> None:
        self.id = cid
        self.launched = launched
        self.remove = remove
        self.status: int | None = None
        self.waiters: list[_Conn] = []


class _Exec:
    __slots__ = ("status", "waiters")

    def __init__(self) -> None:
        self.status: int | None = None
        self.waiters: list[_Conn] = []


class _Conn:
    __slots__ = ("buf", "fds", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.fds: list[int] = []

    def reply(self, obj: dict[str, object]) -> None:
        try:  # noqa: SIM105 (contextlib costs start-up time)
            self.sock.sendall((dumps(obj) + "\n").encode())
        except OSError:
            pass


class _Server:
    def __init__(self, path: str, root: str) -> None:
        self.path = path
        self.root = root
        self.sel = selectors.DefaultSelector()
        self.containers: dict[str, _Container] = {}
        self.by_pid: dict[int, _Container] = {}
        self.execs: dict[int, _Exec] = {}
        self.configs: dict[str, tuple[tuple[int, int], Config]] = {}
        self.running = True
        self.shutdown_waiters: list[_Conn] = []

    def _config(self, bundle: str) -> Config:
        path = os.path.join(os.path.abspath(bundle), "config.json")
        try:
            st = os.stat(path)
            key = (st.st_mtime_ns, st.st_size)
        except OSError:
            key = (0, 0)
        hit = self.configs.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        cfg = load_bundle(bundle)
        self.configs[path] = (key, cfg)
        return cfg

    def op_start(self, conn: _Conn, req: dict[str, object]) -> dict[str, object] | None:
        cid = str(req.get("id", ""))
        if cid in self.containers:
            raise RtError("id", f"container {cid!r} already exists", EXIT_STATE)
        cfg = self._config(str(req.get("bundle", ".")))
        stdio = None
        if req.get("stdio"):
            if len(conn.fds) < 3:
                raise RtError("stdio", "the request must carry 3 file descriptors", EXIT_USAGE)
            stdio = (conn.fds[0], conn.fds[1], conn.fds[2])
        try:
            if stdio is None:
                null = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)
                stdio = (null, null, null)
            from .state import validate_id

            validate_id(cid)
            launched = spawn(cfg, cid, self.root, create=False, stdio=stdio)
            try:
                wait_exec(launched)
            except BaseException:  # a startContainer hook or the exec failed: nothing is kept
                try:  # noqa: SIM105 (contextlib costs start-up time)
                    os.kill(launched.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self._wait_for(launched.pid)
                destroy(launched)
                raise
            c = _Container(cid, launched, bool(req.get("remove")))
            self.containers[cid] = c
            self.by_pid[launched.pid] = c
            if launched.state.hooks.get("poststart"):
                from .hooks import from_json, run_hooks

                st = launched.state
                run_hooks(from_json(st.hooks, "poststart"), st.hook_json("running"), st.bundle, fatal=False)
        finally:
            for fd in set(stdio or ()) | set(conn.fds):
                os.close(fd)
            conn.fds = []
        return {"ok": True, "pid": launched.pid}

    def _stdio(self, conn: _Conn, req: dict[str, object]) -> tuple[int, int, int]:
        if req.get("stdio"):
            if len(conn.fds) < 3:
                raise RtError("stdio", "the request must carry 3 file descriptors", EXIT_USAGE)
            return (conn.fds[0], conn.fds[1], conn.fds[2])
        null = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)
        return (null, null, null)

    def op_exec(self, conn: _Conn, req: dict[str, object]) -> dict[str, object] | None:
        from .execute import spawn_exec

        def strs(key: str) -> list[str]:
            v = req.get(key) or []
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise RtError(key, "must be an array of strings", EXIT_USAGE)
            return v

        def opt(key: str) -> str | None:
            v = req.get(key)
            if v is not None and not isinstance(v, str):
                raise RtError(key, "must be a string", EXIT_USAGE)
            return v

        stdio = None
        try:
            stdio = self._stdio(conn, req)
            x = spawn_exec(self.root, str(req.get("id", "")), strs("args"), strs("env"), opt("cwd"), opt("user"),
                           process=req.get("process"), process_name="process", stdio=stdio)
        finally:
            for fd in set(stdio or ()) | set(conn.fds):
                os.close(fd)
            conn.fds = []
        if x.console is not None:
            os.close(x.console)
        self.execs[x.pid] = _Exec()
        return {"ok": True, "pid": x.pid}

    def op_wait(self, conn: _Conn, req: dict[str, object]) -> dict[str, object] | None:
        if "pid" in req:
            pid = req["pid"]
            e = self.execs.get(pid) if isinstance(pid, int) else None
            if e is None or not isinstance(pid, int):
                raise RtError("pid", f"no process {pid!r} exec'd by this supervisor", EXIT_NOT_FOUND)
            if e.status is not None:
                del self.execs[pid]
                return {"ok": True, "status": e.status}
            e.waiters.append(conn)
            return None
        c = self._get(req)
        if c.status is not None:
            if c.remove:  # its resources went at exit; the record only waited for this status
                self.containers.pop(c.id, None)
            return {"ok": True, "status": c.status}
        c.waiters.append(conn)
        return None

    def op_kill(self, conn: _Conn, req: dict[str, object]) -> dict[str, object] | None:
        c = self._get(req)
        if c.status is not None:
            raise RtError("id", f"container {c.id!r} is not running", EXIT_STATE)
        sig = req.get("signal", 15)
        os.kill(c.launched.pid, int(sig) if isinstance(sig, int) else 15)
        return {"ok": True}

    def op_delete(self, conn: _Conn, req: dict[str, object]) -> dict[str, object] | None:
        c = self._get(req)
        if c.status is None:
            if not req.get("force"):
                raise RtError("id", f"container {c.id!r} is running (use force)", EXIT_STATE)
            os.kill(c.launched.pid, signal.SIGKILL)
            self._exited(c, self._wait_for(c.launched.pid))
        self._forget(c)
        return {"ok": True}

    def op_list(self, conn: _Conn, req: dict[str, object]) -> dict[str, object] | None:
        return {"ok": True, "containers": [
            {"id": c.id, "pid": c.launched.pid, "status": "running" if c.status is None else "stopped",
             "exit": c.status, "waiters": len(c.waiters)} for c in self.containers.values()]}

    def op_ping(self, conn: _Conn, req: dict[str, object]) -> dict[str, object] | None:
        return {"ok": True}

    def op_shutdown(self, conn: _Conn, req: dict[str, object]) -> dict[str, object] | None:
        self.running = False
        self.shutdown_waiters.append(conn)  # answered after the clean-up, so "ok" means "all gone"
        return None

    def _get(self, req: dict[str, object]) -> _Container:
        cid = str(req.get("id", ""))
        c = self.containers.get(cid)
        if c is None:
            raise RtError("id", f"container {cid!r} does not exist", EXIT_NOT_FOUND)
        return c

    def _exited(self, c: _Container, status: int) -> None:
        code = os.waitstatus_to_exitcode(status)
        c.status = 128 - code if code < 0 else code
        self.by_pid.pop(c.launched.pid, None)
        waited = bool(c.waiters)
        if c.remove:  # gone before anyone hears of the exit
            destroy(c.launched)
            if waited:
                self.containers.pop(c.id, None)
        for w in c.waiters:
            w.reply({"ok": True, "status": c.status})
        c.waiters = []

    def _forget(self, c: _Container) -> None:
        self.containers.pop(c.id, None)
        destroy(c.launched)

    def _wait_for(self, pid: int) -> int:
        """Reap children until `pid` is reaped, and return its wait status. Never a blocking waitpid on
        one container alone: its dying pid 1 waits until every process of its pid namespace is reaped,
        and the processes exec'd into it are our children, so they must be reaped meanwhile."""
        while True:
            got, status = os.waitpid(-1, 0)
            if got == pid:
                return status
            self._dispatch(got, status)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._dispatch(pid, status)

    def _dispatch(self, pid: int, status: int) -> None:
        c = self.by_pid.get(pid)
        if c is not None:
            self._exited(c, status)
        e = self.execs.get(pid)
        if e is not None:
            code = os.waitstatus_to_exitcode(status)
            e.status = 128 - code if code < 0 else code
            for w in e.waiters:
                w.reply({"ok": True, "status": e.status})
            if e.waiters:
                del self.execs[pid]
            e.waiters = []

    def handle(self, conn: _Conn) -> None:
        try:
            data, fds, _flags, _addr = socket.recv_fds(conn.sock, 65536, 16)
        except OSError:
            data, fds = b"", []
        conn.fds += fds
        if not data:
            self.sel.unregister(conn.sock)
            conn.sock.close()
            for fd in conn.fds:
                os.close(fd)
            for c in self.containers.values():
                if conn in c.waiters:
                    c.waiters.remove(conn)
            for e in self.execs.values():
                if conn in e.waiters:
                    e.waiters.remove(conn)
            return
        conn.buf += data
        while b"\n" in conn.buf:
            line, _, conn.buf = conn.buf.partition(b"\n")
            try:
                req = loads(line.decode())
                if not isinstance(req, dict):
                    raise RtError("request", "must be a JSON object", EXIT_USAGE)
                fn = getattr(self, f"op_{req.get('op')}", None)
                if fn is None:
                    raise RtError("op", f"unknown operation {req.get('op')!r}", EXIT_USAGE)
                rep = fn(conn, req)
            except RtError as e:
                rep = {"ok": False, "where": e.where, "error": e.message, "code": e.code}
            except (OSError, ValueError) as e:
                rep = {"ok": False, "where": "supervisor", "error": str(e), "code": 6}
            if rep is not None:
                conn.reply(rep)

    def serve(self) -> None:
        from . import _libc

        _libc.prctl(36, 1)  # child subreaper: every container process ends up our child
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        try:  # noqa: SIM105 (contextlib costs start-up time)
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        tmp = f"{self.path}.{os.getpid()}.tmp"
        lsock.bind(tmp)
        os.chmod(tmp, 0o600)
        lsock.listen(64)
        os.rename(tmp, self.path)  # the path appears only once connections are accepted
        rfd, wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wfd)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, lambda *_: setattr(self, "running", False))
        self.sel.register(lsock, selectors.EVENT_READ, "listen")
        self.sel.register(rfd, selectors.EVENT_READ, "signal")
        try:
            while self.running:
                for key, _ in self.sel.select(1.0):
                    if key.data == "listen":
                        csock, _ = lsock.accept()
                        conn = _Conn(csock)
                        self.sel.register(csock, selectors.EVENT_READ, conn)
                    elif key.data == "signal":
                        try:  # noqa: SIM105 (contextlib costs start-up time)
                            os.read(rfd, 4096)
                        except BlockingIOError:
                            pass
                        self._reap()
                    else:
                        self.handle(key.data)
                self._reap()
        finally:
            for c in list(self.containers.values()):
                if c.status is None:
                    try:
                        os.kill(c.launched.pid, signal.SIGKILL)
                        self._exited(c, self._wait_for(c.launched.pid))
                    except (ProcessLookupError, ChildProcessError):
                        pass
                self._forget(c)
            lsock.close()
            try:  # noqa: SIM105 (contextlib costs start-up time)
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            for conn in self.shutdown_waiters:
                conn.reply({"ok": True})


def serve(path: str, root: str) -> None:
    """Run the supervisor until SIGTERM/SIGINT or a "shutdown" request; containers still running
    then are killed and removed."""
    _Server(path, root).serve()


class SupervisorError(Exception):
    def __init__(self, where: str, message: str, code: int) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
        self.code = code


def _as_int(v: object) -> int:
    if not isinstance(v, int):
        raise SupervisorError("supervisor", f"expected an integer in the reply, got {v!r}", 6)
    return v


class SupervisorClient:
    """A blocking client for one connection (use one client per waiting thread)."""

    def __init__(self, path: str, timeout: float | None = None) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    def _call(self, req: dict[str, object], fds: list[int] | None = None) -> dict[str, object]:
        data = (dumps(req) + "\n").encode()
        if fds:
            socket.send_fds(self.sock, [data], fds)
        else:
            self.sock.sendall(data)
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SupervisorError("supervisor", "connection closed", 6)
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        rep = loads(line.decode())
        assert isinstance(rep, dict)
        if not rep.get("ok"):
            raise SupervisorError(str(rep.get("where")), str(rep.get("error")), int(rep.get("code", 6)))
        return rep

    def start(self, bundle: str, cid: str, stdio: tuple[int, int, int] | None = None,
              remove: bool = False) -> int:
        rep = self._call({"op": "start", "id": cid, "bundle": os.path.abspath(bundle),
                          "stdio": stdio is not None, "remove": remove}, list(stdio) if stdio else None)
        return _as_int(rep["pid"])

    def wait(self, cid: str) -> int:
        return _as_int(self._call({"op": "wait", "id": cid})["status"])

    def exec(self, cid: str, args: list[str] | None = None, env: list[str] | None = None, cwd: str | None = None,
             user: str | None = None, process: dict[str, object] | None = None,
             stdio: tuple[int, int, int] | None = None) -> int:
        """Start a process in container `cid` (see `matrixhell-runtime exec`); returns its pid."""
        req: dict[str, object] = {"op": "exec", "id": cid, "args": list(args or []), "env": list(env or []),
                                  "stdio": stdio is not None}
        for key, val in (("cwd", cwd), ("user", user), ("process", process)):
            if val is not None:
                req[key] = val
        return _as_int(self._call(req, list(stdio) if stdio else None)["pid"])

    def wait_exec(self, pid: int) -> int:
        """The exit status of a process started by `exec` (128+N when killed by signal N)."""
        return _as_int(self._call({"op": "wait", "pid": pid})["status"])

    def run(self, bundle: str, cid: str, stdio: tuple[int, int, int] | None = None) -> int:
        """start + wait, the container removed afterwards."""
        self.start(bundle, cid, stdio, remove=True)
        return self.wait(cid)

    def kill(self, cid: str, sig: int = 15) -> None:
        self._call({"op": "kill", "id": cid, "signal": sig})

    def delete(self, cid: str, force: bool = False) -> None:
        self._call({"op": "delete", "id": cid, "force": force})

    def list(self) -> list[dict[str, object]]:
        items = self._call({"op": "list"})["containers"]
        assert isinstance(items, list)
        return items

    def ping(self) -> None:
        self._call({"op": "ping"})

    def shutdown(self) -> None:
        self._call({"op": "shutdown"})

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> SupervisorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
