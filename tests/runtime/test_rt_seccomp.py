"""The hand-written BPF compiler, checked by loading each filter in a forked child and making real
syscalls (getpid ignores its arguments, but the filter sees them: a precise probe for comparisons)."""

from __future__ import annotations

import ctypes
import os
import signal

import pytest

from matrixhell.runtime import _libc, seccomp
from matrixhell.runtime.config import parse_config
from matrixhell.runtime.errors import RtError
from matrixhell.runtime.spec import default_spec

_libc_so = ctypes.CDLL(None, use_errno=True)
_libc_so.syscall.restype = ctypes.c_long
NR = {"x86_64": {"getpid": 39, "getppid": 110, "mount": 165, "clone": 56, "clone3": 435, "personality": 135,
                 "unshare": 272},
      "aarch64": {"getpid": 172, "getppid": 173, "mount": 40, "clone": 220, "clone3": 435, "personality": 92,
                  "unshare": 97}}.get(_libc.ARCH)
pytestmark = pytest.mark.skipif(NR is None, reason=f"no syscall table for {_libc.ARCH}")


def _sc(profile: dict):  # type: ignore[no-untyped-def]
    spec = default_spec()
    spec["linux"]["seccomp"] = profile
    return parse_config(spec, "/b").seccomp


def _in_child(profile: dict, calls: list[tuple[str, tuple[int, ...]]]) -> tuple[list[str], int]:
    """Load the filter in a child, make `calls`, return what each returned ('ok' or errno) and the
    child's wait status."""
    sc = _sc(profile)
    prog, _ = seccomp.compile_filter(sc)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            _libc.prctl(38, 1)  # no_new_privs: an unprivileged load
            seccomp.load(prog, sc)
            out = []
            for name, args in calls:
                ret = _libc_so.syscall(ctypes.c_long(NR[name]), *[ctypes.c_ulong(a) for a in args])
                out.append("ok" if ret >= 0 else str(ctypes.get_errno()))
                os.write(w, (out[-1] + "\n").encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 4096):
        data += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return data.decode().split(), status


def _rule(op: str, value: int, value_two: int = 0, index: int = 0) -> dict:
    return {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 99,
         "args": [{"index": index, "value": value, "valueTwo": value_two, "op": op}]}]}


HI = 1 << 40


@pytest.mark.parametrize(("op", "value", "hits", "misses"), [
    ("SCMP_CMP_EQ", 7, [7], [6, 8, 7 + HI]),
    ("SCMP_CMP_EQ", HI + 3, [HI + 3], [3, HI]),
    ("SCMP_CMP_NE", 7, [6, 8, 7 + HI], [7]),
    ("SCMP_CMP_GT", 100, [101, HI], [100, 99, 0]),
    ("SCMP_CMP_GE", 100, [100, 101, HI], [99, 0]),
    ("SCMP_CMP_LT", 100, [99, 0], [100, 101, HI]),
    ("SCMP_CMP_LE", 100, [100, 99, 0], [101, HI]),
    ("SCMP_CMP_GT", HI, [HI + 1, 2 * HI], [HI, HI - 1, 5]),
    ("SCMP_CMP_LT", HI, [HI - 1, 5], [HI, HI + 1]),
])
def test_argument_comparisons(op: str, value: int, hits: list[int], misses: list[int]) -> None:
    calls = [("getpid", (v,)) for v in hits + misses]
    out, status = _in_child(_rule(op, value), calls)
    assert os.WIFEXITED(status)
    assert out == ["99"] * len(hits) + ["ok"] * len(misses)


def test_masked_eq_and_other_argument_index() -> None:
    out, _ = _in_child(_rule("SCMP_CMP_MASKED_EQ", 0xF0, 0x30, index=2),
                       [("getpid", (0, 0, 0x35)), ("getpid", (0, 0, 0x3F)), ("getpid", (0, 0, 0x45)),
                        ("getpid", (0x30, 0, 0))])
    assert out == ["99", "99", "ok", "ok"]


def test_all_argument_checks_of_a_rule_must_hold() -> None:
    prof = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42,
         "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]}]}
    out, _ = _in_child(prof, [("getpid", (1, 2)), ("getpid", (1, 3)), ("getpid", (0, 2))])
    assert out == ["42", "ok", "ok"]


def test_first_matching_rule_wins_and_default_applies() -> None:
    prof = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13, "syscalls": [
        {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7,
         "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_EQ"}]},
        {"names": ["getpid", "write", "exit_group", "exit"], "action": "SCMP_ACT_ALLOW"}]}
    out, _ = _in_child(prof, [("getpid", (5,)), ("getpid", (4,)), ("getppid", ())])
    assert out == ["7", "ok", "13"]


def test_errno_default_is_eperm() -> None:
    prof = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]}
    assert _in_child(prof, [("getppid", ())])[0] == ["1"]


@pytest.mark.parametrize("action", ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_TRAP"])
def test_kill_and_trap_actions_end_the_process(action: str) -> None:
    prof = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": action}]}
    out, status = _in_child(prof, [("getpid", ()), ("getppid", ())])
    assert out == ["ok"]
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSYS


def test_log_action_allows() -> None:
    prof = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_LOG"}]}
    assert _in_child(prof, [("getppid", ())])[0] == ["ok"]


def test_default_profile_blocks_namespaces_and_mount() -> None:
    prof = default_spec()["linux"]["seccomp"]
    clone_newuser = 0x10000000 | signal.SIGCHLD
    out, status = _in_child(prof, [("mount", (0, 0, 0, 0, 0)), ("unshare", (0x10000000,)),
                                   ("clone", (clone_newuser, 0, 0, 0, 0)), ("clone3", (0, 0)),
                                   ("personality", (0xFFFFFFFF,)), ("personality", (0x0400000,)),
                                   ("getpid", ())])
    assert out == ["1", "1", "1", "38", "ok", "1", "ok"]
    assert os.WIFEXITED(status)


def test_unknown_syscall_names_are_skipped_not_fatal() -> None:
    prog, skipped = seccomp.compile_filter(_sc({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["no_such_call", "getppid"], "action": "SCMP_ACT_ERRNO"}]}))
    assert skipped == ["no_such_call"]
    assert len(prog) > 5


def test_foreign_architecture_list_is_refused() -> None:
    with pytest.raises(RtError, match="does not list this machine's"):
        seccomp.compile_filter(_sc({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PPC64LE"]}))


def test_filter_for_the_other_architecture_compiles() -> None:
    other = "aarch64" if _libc.ARCH == "x86_64" else "x86_64"
    prof = default_spec()["linux"]["seccomp"]
    prog, _ = seccomp.compile_filter(_sc(prof), arch=other)
    assert prog[1][3] == {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}[other]  # the arch check
