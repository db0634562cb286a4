"""Container state on disk: <root>/<id>/state.json (written atomically) and exec.fifo while created."""

from __future__ import annotations

import os
import time

from .errors import EXIT_NOT_FOUND, EXIT_STATE, EXIT_USAGE, RtError
from .jsonio import dumps, loads

__all__ = ["State", "default_root", "list_ids", "proc_starttime", "validate_id"]

_ID_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.")


def default_root() -> str:
    if os.geteuid() == 0:
        return "/run/matrixhell-runtime"
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return os.path.join(xdg, "matrixhell-runtime")
    return f"/tmp/matrixhell-runtime-{os.geteuid()}"


def validate_id(cid: str) -> str:
    if not cid or len(cid) > 1024 or not set(cid) <= _ID_OK or cid in (".", ".."):
        raise RtError("id", f"invalid container id {cid!r} (letters, digits, _ + - . only)", EXIT_USAGE)
    return cid


def proc_starttime(pid: int) -> tuple[int, str] | None:
    """(start time in clock ticks, state letter) of pid, or None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(b")") + 2:].split()
    return int(rest[19]), rest[0].decode()


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e9):09d}Z"


class State:
    __slots__ = ("annotations", "bundle", "cgroups", "created", "dir", "hooks", "id", "pid", "rootfs",
                 "starttime")

    def __init__(self, root: str, cid: str, bundle: str, rootfs: str, pid: int, starttime: int,
                 cgroups: list[str], annotations: dict[str, str], created: str | None = None,
                 hooks: dict[str, list[dict[str, object]]] | None = None) -> None:
        self.dir = os.path.join(root, cid)
        self.id = cid
        self.bundle = bundle
        self.rootfs = rootfs
        self.pid = pid
        self.starttime = starttime
        self.cgroups = cgroups
        self.annotations = annotations
        self.created = created or _now()
        # the poststart and poststop hooks as config.json had them at create (run by start and delete)
        self.hooks = hooks or {}

    @staticmethod
    def reserve(root: str, cid: str) -> str:
        """Create the container's state directory; fails if the id is taken."""
        os.makedirs(root, mode=0o711, exist_ok=True)
        d = os.path.join(root, cid)
        try:
            os.mkdir(d, 0o711)
        except FileExistsError:
            raise RtError("id", f"container {cid!r} already exists", EXIT_STATE) from None
        return d

    @property
    def fifo(self) -> str:
        return os.path.join(self.dir, "exec.fifo")

    @property
    def config_copy(self) -> str:
        """config.json as it was at create: `exec` takes the container's process settings from it."""
        return os.path.join(self.dir, "config.json")

    def save_config(self, text: str) -> None:
        fd = os.open(self.config_copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)

    def hook_json(self, status: str, pid: int | None = None) -> str:
        """The state hooks get on stdin (runtime-spec: ociVersion id status pid bundle annotations)."""
        data: dict[str, object] = {"ociVersion": "1.0.2", "id": self.id, "status": status}
        if status != "stopped":
            data["pid"] = self.pid if pid is None else pid
        data["bundle"] = self.bundle
        data["annotations"] = self.annotations
        return dumps(data)

    def save(self) -> None:
        data = {"ociVersion": "1.0.2", "id": self.id, "pid": self.pid, "bundle": self.bundle,
                "rootfs": self.rootfs, "created": self.created, "annotations": self.annotations,
                "starttime": self.starttime, "cgroups": self.cgroups}
        if self.hooks:
            data["hooks"] = self.hooks
        tmp = os.path.join(self.dir, ".state.json.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, dumps(data).encode())
        finally:
            os.close(fd)
        os.rename(tmp, os.path.join(self.dir, "state.json"))

    @classmethod
    def load(cls, root: str, cid: str) -> State:
        validate_id(cid)
        path = os.path.join(root, cid, "state.json")
        try:
            with open(path) as f:
                d = loads(f.read())
        except FileNotFoundError:
            raise RtError("id", f"container {cid!r} does not exist", EXIT_NOT_FOUND) from None
        except (OSError, ValueError) as e:
            raise RtError(path, f"unreadable state: {e}", EXIT_STATE) from e
        assert isinstance(d, dict)
        return cls(root, cid, d["bundle"], d.get("rootfs", ""), d["pid"], d["starttime"], d["cgroups"],
                   d.get("annotations", {}), d.get("created"), d.get("hooks"))

    def alive(self) -> bool:
        st = proc_starttime(self.pid)
        return st is not None and st[0] == self.starttime and st[1] not in ("Z", "X")

    def status(self) -> str:
        if not self.alive():
            return "stopped"
        return "created" if os.path.exists(self.fifo) else "running"

    def to_json(self) -> dict[str, object]:
        status = self.status()
        return {"ociVersion": "1.0.2", "id": self.id, "status": status,
                "pid": self.pid if status != "stopped" else 0, "bundle": self.bundle, "rootfs": self.rootfs,
                "created": self.created, "annotations": self.annotations}

    def remove_dir(self) -> None:
        for name in ("exec.fifo", "state.json", ".state.json.tmp", "config.json"):
            try:  # noqa: SIM105 (contextlib costs start-up time)
                os.unlink(os.path.join(self.dir, name))
            except FileNotFoundError:
                pass
        try:  # noqa: SIM105 (contextlib costs start-up time)
            os.rmdir(self.dir)
        except FileNotFoundError:
            pass


def list_ids(root: str) -> list[str]:
    try:
        return sorted(n for n in os.listdir(root) if os.path.exists(os.path.join(root, n, "state.json")))
    except FileNotFoundError:
        return []
