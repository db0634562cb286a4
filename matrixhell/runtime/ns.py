"""Namespaces: join by path (setns), create (unshare), and write user-namespace id maps."""

from __future__ import annotations

import os

from . import _libc
from .config import Config, IdMap
from .errors import EXIT_CONFIG, RtError

__all__ = ["CLONE_NEWPID", "CLONE_NEWUSER", "join_paths", "new_flags", "unshare", "write_id_maps"]

CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000


def new_flags(cfg: Config) -> int:
    """CLONE_* flags of the namespaces to create (those without a path), user excluded."""
    flags = 0
    for ns in cfg.namespaces:
        if ns.path is None and ns.type != "user":
            flags |= ns.flag
    return flags


def join_paths(cfg: Config, user_phase: bool) -> None:
    """setns into every namespace given by path; the user namespace first (user_phase=True)."""
    for i, ns in enumerate(cfg.namespaces):
        if ns.path is None or (ns.type == "user") != user_phase:
            continue
        try:
            fd = os.open(ns.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as e:
            raise RtError(f"linux.namespaces[{i}].path", f"cannot open {ns.path}: {e.strerror}",
                          EXIT_CONFIG) from e
        try:
            _libc.setns(fd, ns.flag)
        except OSError as e:
            raise RtError(f"linux.namespaces[{i}].path", f"cannot join {ns.type} namespace {ns.path}: "
                          f"{os.strerror(e.errno or 0)}") from e
        finally:
            os.close(fd)


def unshare(flags: int, what: str) -> None:
    try:
        _libc.unshare(flags)
    except OSError as e:
        raise RtError("linux.namespaces", f"cannot create {what} namespaces: {os.strerror(e.errno or 0)}") \
            from e


def _lines(maps: tuple[IdMap, ...]) -> str:
    return "".join(f"{m.container_id} {m.host_id} {m.size}\n" for m in maps)


def _single_self(maps: tuple[IdMap, ...], own: int) -> bool:
    return len(maps) == 1 and maps[0].host_id == own and maps[0].size == 1


def write_id_maps(cfg: Config, pid: int) -> bool:
    """Write uid_map/gid_map of `pid`. Root writes them directly. An unprivileged user writes a single
    mapping of its own ids directly (after setgroups=deny, as the kernel requires) and anything wider
    through the setuid helpers newuidmap/newgidmap, which check /etc/subuid and /etc/subgid.
    Returns True when setgroups was denied."""
    denied = False
    for kind, maps, own, helper in (("uid", cfg.uid_mappings, os.geteuid(), "newuidmap"),
                                    ("gid", cfg.gid_mappings, os.getegid(), "newgidmap")):
        field = f"linux.{kind}Mappings"
        if os.geteuid() == 0 or _single_self(maps, own):
            if kind == "gid" and os.geteuid() != 0:
                with open(f"/proc/{pid}/setgroups", "w") as f:
                    f.write("deny")
                denied = True
            try:
                with open(f"/proc/{pid}/{kind}_map", "w") as f:
                    f.write(_lines(maps))
            except OSError as e:
                raise RtError(field, f"writing /proc/{pid}/{kind}_map failed: {e.strerror}") from e
            continue
        import shutil
        import subprocess

        exe = shutil.which(helper)
        if exe is None:
            raise RtError(field, f"mapping more than your own {kind} needs {helper} (package uidmap)",
                          EXIT_CONFIG)
        argv = [exe, str(pid)]
        for m in maps:
            argv += [str(m.container_id), str(m.host_id), str(m.size)]
        res = subprocess.run(argv, capture_output=True, text=True)
        if res.returncode != 0:
            raise RtError(field, f"{helper} refused the mapping (check /etc/sub{kind}): "
                          f"{res.stderr.strip() or res.returncode}")
    return denied
