"""Capabilities: bounding set via prctl, the other four sets via capset(2), ambient via prctl."""

from __future__ import annotations

from . import _libc
from .config import CAPS, Process
from .errors import RtError

__all__ = ["apply", "drop_bounding", "names", "read_last_cap"]

_PR_CAPBSET_READ = 23
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_RAISE = 2
_PR_CAP_AMBIENT_CLEAR_ALL = 4


def read_last_cap() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap", "rb") as f:
            return int(f.read())
    except OSError:
        return len(CAPS) - 1


def names(mask: int) -> list[str]:
    return [CAPS[i] if i < len(CAPS) else f"CAP_{i}" for i in range(64) if mask >> i & 1]


def drop_bounding(p: Process, last_cap: int) -> None:
    """Drop every capability not in the spec's bounding set (needs CAP_SETPCAP, so before the user
    switch). Capabilities the runtime itself lacks are simply absent: the set can only shrink."""
    for cap in range(last_cap + 1):
        if not p.bounding >> cap & 1 and _libc.prctl(_PR_CAPBSET_READ, cap) == 1:
            _libc.prctl(_PR_CAPBSET_DROP, cap)


def apply(p: Process) -> None:
    """Set effective, permitted, inheritable and ambient to exactly the spec's sets (after the user switch,
    with PR_SET_KEEPCAPS having kept the permitted set)."""
    _eff, held, _inh = _libc.capget()
    missing = p.permitted & ~held
    if missing:
        raise RtError("process.capabilities.permitted",
                      f"{', '.join(names(missing))} not held by the runtime (not in its bounding set)")
    try:
        _libc.capset(p.effective, p.permitted, p.inheritable)
    except OSError as e:
        raise RtError("process.capabilities", f"capset failed: {e.strerror}") from e
    _libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL)
    for cap in range(64):
        if p.ambient >> cap & 1:
            if not (p.permitted >> cap & 1 and p.inheritable >> cap & 1):
                # The kernel only raises ambient capabilities that are permitted and inheritable;
                # runc's default spec lists ambient caps without inheritable ones and skips them too.
                continue
            try:
                _libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_RAISE, cap)
            except OSError as e:
                raise RtError("process.capabilities.ambient", f"cannot raise {names(1 << cap)[0]}: "
                              f"{e.strerror}") from e
