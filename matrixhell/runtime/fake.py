"""An in-memory stand-in for SupervisorClient: same methods, no namespaces, no root needed.

For tests and dry runs of what drives containers (`up`, the image builder): bundles are still loaded and
validated, so a bad config.json fails here exactly as it would in the supervisor; nothing is executed,
and each container "exits" with the status `behaviour(config)` returns (0 by default).
"""

from __future__ import annotations

from collections.abc import Callable

from .config import Config, load_bundle
from .errors import EXIT_NOT_FOUND, EXIT_STATE, RtError
from .state import validate_id
from .supervisor import SupervisorError

__all__ = ["FakeSupervisorClient"]


class FakeSupervisorClient:
    def __init__(self, behaviour: Callable[[Config], int] | None = None) -> None:
        self.behaviour = behaviour or (lambda _cfg: 0)
        self.calls: list[tuple[str, str]] = []
        self._containers: dict[str, dict[str, object]] = {}
        self._next_pid = 1000
        self._execs: dict[int, int] = {}

    def _err(self, e: RtError) -> SupervisorError:
        return SupervisorError(e.where, e.message, e.code)

    def _get(self, cid: str) -> dict[str, object]:
        c = self._containers.get(cid)
        if c is None:
            raise SupervisorError("id", f"container {cid!r} does not exist", EXIT_NOT_FOUND)
        return c

    def start(self, bundle: str, cid: str, stdio: tuple[int, int, int] | None = None,
              remove: bool = False) -> int:
        self.calls.append(("start", cid))
        try:
            validate_id(cid)
            if cid in self._containers:
                raise RtError("id", f"container {cid!r} already exists", EXIT_STATE)
            cfg = load_bundle(bundle)
        except RtError as e:
            raise self._err(e) from e
        self._next_pid += 1
        self._containers[cid] = {"id": cid, "pid": self._next_pid, "status": "running", "exit": None,
                                 "config": cfg, "remove": remove}
        return self._next_pid

    def wait(self, cid: str) -> int:
        self.calls.append(("wait", cid))
        c = self._get(cid)
        if c["exit"] is None:
            cfg = c["config"]
            assert isinstance(cfg, Config)
            c["exit"], c["status"] = self.behaviour(cfg), "stopped"
        if c["remove"]:
            del self._containers[cid]
        code = c["exit"]
        assert isinstance(code, int)
        return code

    def run(self, bundle: str, cid: str, stdio: tuple[int, int, int] | None = None) -> int:
        self.start(bundle, cid, stdio, remove=True)
        return self.wait(cid)

    def exec(self, cid: str, args: list[str] | None = None, env: list[str] | None = None, cwd: str | None = None,
             user: str | None = None, process: dict[str, object] | None = None,
             stdio: tuple[int, int, int] | None = None) -> int:
        """A process "exec'd" into a running container; it exits 0 (see wait_exec)."""
        self.calls.append(("exec", cid))
        c = self._get(cid)
        if c["status"] != "running":
            raise SupervisorError("id", f"container {cid!r} is stopped: nothing to exec into", EXIT_STATE)
        if not args and process is None:
            raise SupervisorError("usage", "exec: expected a command after the ID (or --process FILE)", 2)
        self._next_pid += 1
        self._execs[self._next_pid] = 0
        return self._next_pid

    def wait_exec(self, pid: int) -> int:
        self.calls.append(("wait_exec", str(pid)))
        if pid not in self._execs:
            raise SupervisorError("pid", f"no process {pid!r} exec'd by this supervisor", EXIT_NOT_FOUND)
        return self._execs.pop(pid)

    def kill(self, cid: str, sig: int = 15) -> None:
        self.calls.append(("kill", cid))
        c = self._get(cid)
        if c["status"] != "running":
            raise SupervisorError("id", f"container {cid!r} is not running", EXIT_STATE)
        c["exit"], c["status"] = 128 + sig, "stopped"

    def delete(self, cid: str, force: bool = False) -> None:
        self.calls.append(("delete", cid))
        c = self._get(cid)
        if c["status"] == "running" and not force:
            raise SupervisorError("id", f"container {cid!r} is running (use force)", EXIT_STATE)
        del self._containers[cid]

    def list(self) -> list[dict[str, object]]:
        return [{k: v for k, v in c.items() if k in ("id", "pid", "status", "exit")}
                for c in self._containers.values()]

    def ping(self) -> None:
        pass

    def shutdown(self) -> None:
        self._containers.clear()

    def close(self) -> None:
        pass

    def __enter__(self) -> FakeSupervisorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
