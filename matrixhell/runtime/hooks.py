"""OCI lifecycle hooks (runtime-spec config.md "POSIX-platform Hooks", runtime.md "Lifecycle").

Where and when each kind runs here:

  prestart, createRuntime   the runtime (P), in its own namespaces, during create: the container's
                            namespaces and mounts exist, pivot_root has not happened yet
  createContainer           the container process (J), in the container's namespaces, right before
                            pivot_root (the path resolves in the runtime's filesystem, still reachable)
  startContainer            J, inside the container (the path resolves in it), at start, right before
                            the exec of process.args
  poststart                 the runtime, after the exec, before `start`/`run` returns
  poststop                  the runtime, after the container is destroyed (delete, the end of `run`, the
                            supervisor removing it, or a failed create/start once hooks have run)

Each hook gets the container's state JSON on stdin, runs with exactly its `env` and is killed after its
`timeout`. A failing prestart, createRuntime, createContainer or startContainer hook fails the operation
and the container is torn down (then the poststop hooks run); poststart and poststop failures are
warnings. Hooks run in the runtime's namespace start in the bundle directory, as under runc.
Everything here is imported before the fork of J: after pivot_root nothing more can be imported.
"""

from __future__ import annotations

import _signal as signal  # type: ignore[import-not-found]  # ints, without the enum of `signal`
import os
import select
import time

from . import _libc
from .config import Hook
from .errors import EXIT_CONTAINER_FAILED, RtError

__all__ = ["from_json", "run_hooks", "warn"]

_CLOSE_RANGE_CLOEXEC = 4
_OUTPUT_KEPT = 4096


def warn(message: str) -> None:
    try:  # noqa: SIM105 (contextlib costs start-up time)
        os.write(2, f"matrixhell-runtime: warning: {message}\n".encode())
    except OSError:
        pass


def from_json(recorded: dict[str, list[dict[str, object]]], kind: str) -> tuple[Hook, ...]:
    """Hooks of `kind` as the state recorded them (Hook.to_json) at create."""
    out = []
    for i, d in enumerate(recorded.get(kind, [])):
        args, env, timeout = d.get("args"), d.get("env"), d.get("timeout")
        out.append(Hook(path=str(d["path"]), args=tuple(args) if isinstance(args, list) else (str(d["path"]),),
                        env=tuple(env) if isinstance(env, list) else (),
                        timeout=timeout if isinstance(timeout, int) else None, where=f"hooks.{kind}[{i}]"))
    return tuple(out)


def run_hooks(hooks: tuple[Hook, ...], state_json: str, cwd: str | None = None, fatal: bool = True) -> None:
    """Run `hooks` in order. fatal: the first failure raises RtError naming the hook's field; otherwise
    each failure is a warning and the next hook still runs."""
    for h in hooks:
        try:
            _run(h, state_json.encode(), cwd)
        except RtError as e:
            if fatal:
                raise
            warn(f"{e.where}: {e.message}")


def _run(h: Hook, payload: bytes, cwd: str | None) -> None:
    in_r, in_w = os.pipe2(os.O_CLOEXEC)
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:  # the hook
        try:
            os.setsid()  # its own process group: a timeout ends what it started too
            os.dup2(in_r, 0)
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            try:  # noqa: SIM105 (nothing of the runtime's beyond stdio reaches the hook)
                _libc.close_range(3, 0xFFFFFFFF, _CLOSE_RANGE_CLOEXEC)
            except OSError:
                pass
            if cwd:
                os.chdir(cwd)
            env = dict(e.split("=", 1) for e in h.env)
            os.execve(h.path, list(h.args), env)
        except BaseException as e:
            try:  # noqa: SIM105 (contextlib costs start-up time)
                os.write(2, f"cannot execute: {getattr(e, 'strerror', None) or e}\n".encode())
            except OSError:
                pass
        os._exit(127)
    os.close(in_r)
    os.close(out_w)
    try:
        try:  # noqa: SIM105 (a hook that does not read its stdin is fine)
            os.write(in_w, payload)
        except OSError:
            pass
        os.close(in_w)
        out, status = _wait(pid, out_r, h)
    finally:
        os.close(out_r)
    if status is None:
        raise RtError(h.where, f"{h.path}: timed out after {h.timeout} s", EXIT_CONTAINER_FAILED)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        what = f"killed by signal {-code}" if code < 0 else f"exited with status {code}"
        last = [line.strip() for line in out.decode(errors="replace").splitlines() if line.strip()]
        detail = f": {last[-1][:300]}" if last else ""
        raise RtError(h.where, f"{h.path} {what}{detail}", EXIT_CONTAINER_FAILED)


def _wait(pid: int, out_r: int, h: Hook) -> tuple[bytes, int | None]:
    """Collect the hook's output until it exits (a daemon it leaves behind may keep the pipe open), or
    kill it at its timeout (status None)."""
    deadline = time.monotonic() + h.timeout if h.timeout is not None else None
    os.set_blocking(out_r, False)
    poller = select.poll()
    poller.register(out_r, select.POLLIN)
    out = b""
    eof = False
    pause = 0.0005
    while True:
        if not eof:
            for _fd, _ev in poller.poll(50):
                out, eof = _drain(out_r, out)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if not eof:
                out, _ = _drain(out_r, out)
            return out, status
        if deadline is not None and time.monotonic() > deadline:
            try:  # the whole group: `sh -c "sleep 10"` must not leave its sleep behind
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return out, None
        if eof:
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


def _drain(fd: int, out: bytes) -> tuple[bytes, bool]:
    """Read what is there without blocking; (kept output, EOF seen)."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return out, False
        if not chunk:
            return out, True
        out = (out + chunk)[-_OUTPUT_KEPT:]
