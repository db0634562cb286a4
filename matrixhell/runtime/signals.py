"""The signals `run` and `exec` pass on to the process they wait for: held while it starts, delivered
once it runs, and the runtime's own handlers put back afterwards."""

from __future__ import annotations

import _signal as signal  # type: ignore[import-not-found]  # ints, without the enum of `signal` (start-up time)
import os

__all__ = ["FORWARDED", "SignalRelay"]

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
             signal.SIGWINCH, signal.SIGCONT)


class SignalRelay:
    """``with SignalRelay(active) as relay:`` installs the handlers (a detached start installs none);
    ``relay.to(pid)`` starts delivering, the signals held so far first."""

    __slots__ = ("_active", "_old", "_pending", "_target")

    def __init__(self, active: bool = True) -> None:
        self._active = active
        self._old: dict[int, object] = {}
        self._pending: list[int] = []
        self._target: int | None = None

    def __enter__(self) -> SignalRelay:
        if self._active:
            self._old = {s: signal.signal(s, self._forward) for s in FORWARDED}
        return self

    def __exit__(self, *_exc: object) -> None:
        for s, h in self._old.items():
            signal.signal(s, h)

    def _forward(self, signum: int, _frame: object) -> None:
        if self._target is None:
            self._pending.append(signum)
            return
        try:  # noqa: SIM105 (contextlib costs start-up time)
            os.kill(self._target, signum)
        except ProcessLookupError:
            pass

    def to(self, pid: int) -> None:
        self._target = pid
        held, self._pending = self._pending, []
        for signum in held:
            self._forward(signum, None)
