"""linux.seccomp compiled to a classic BPF program by hand (no libseccomp), and loaded with seccomp(2).

Layout: check the architecture (anything but the native one is killed), reject the x32 ABI on x86_64, then
one block per (rule, syscall): ``JEQ nr`` -> argument checks -> ``RET action``; the first matching rule
wins; the default action ends the program. 64-bit argument comparisons are done on the two 32-bit halves.
"""

from __future__ import annotations

from . import _libc
from .config import Seccomp, SeccompArg
from .errors import EXIT_CONFIG, RtError

__all__ = ["Program", "cached_program", "compile_filter", "encode", "load"]

Program = list[tuple[int, int, int, int]]

_LD_W_ABS = 0x20
_JEQ, _JGT, _JGE = 0x15, 0x25, 0x35
_AND_K = 0x54
_RET_K = 0x06

_RET = {
    "SCMP_ACT_KILL": 0x00000000, "SCMP_ACT_KILL_THREAD": 0x00000000, "SCMP_ACT_KILL_PROCESS": 0x80000000,
    "SCMP_ACT_TRAP": 0x00030000, "SCMP_ACT_ERRNO": 0x00050000, "SCMP_ACT_TRACE": 0x7FF00000,
    "SCMP_ACT_LOG": 0x7FFC0000, "SCMP_ACT_ALLOW": 0x7FFF0000,
}
_AUDIT_ARCH = {"x86_64": (0xC000003E, "SCMP_ARCH_X86_64"), "aarch64": (0xC00000B7, "SCMP_ARCH_AARCH64")}
_FLAGS = {"SECCOMP_FILTER_FLAG_TSYNC": 1, "SECCOMP_FILTER_FLAG_LOG": 2, "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 4}
_X32_BIT = 0x40000000
_OFF_NR, _OFF_ARCH = 0, 4


def _ret(action: str, errno: int | None) -> int:
    base = _RET[action]
    if action == "SCMP_ACT_ERRNO":
        return base | ((1 if errno is None else errno) & 0xFFFF)
    if action == "SCMP_ACT_TRACE":
        return base | ((errno or 0) & 0xFFFF)
    return base


class _Asm:
    """Forward-only jumps to labels, resolved when the label is placed."""

    def __init__(self) -> None:
        self.code: list[list[int]] = []
        self.pending: dict[str, list[tuple[int, int]]] = {}
        self.n = 0

    def emit(self, code: int, jt: int | str = 0, jf: int | str = 0, k: int = 0) -> None:
        idx = len(self.code)
        ins = [code, 0, 0, k & 0xFFFFFFFF]
        for slot, target in ((1, jt), (2, jf)):
            if isinstance(target, str):
                self.pending.setdefault(target, []).append((idx, slot))
            else:
                ins[slot] = target
        self.code.append(ins)

    def label(self) -> str:
        self.n += 1
        return f"L{self.n}"

    def place(self, name: str) -> None:
        here = len(self.code)
        for idx, slot in self.pending.pop(name, []):
            off = here - idx - 1
            if off > 255:
                raise RtError("linux.seccomp", "a rule's argument checks are too long for one BPF jump",
                              EXIT_CONFIG)
            self.code[idx][slot] = off


def _arg_check(a: _Asm, arg: SeccompArg, fail: str) -> None:
    """Fall through when the comparison holds, jump to `fail` otherwise."""
    lo_off = 16 + 8 * arg.index
    hi_off = lo_off + 4
    v, v2 = arg.value, arg.value_two
    vh, vl = v >> 32, v & 0xFFFFFFFF
    op = arg.op
    ok = a.label()
    if op == "SCMP_CMP_MASKED_EQ":
        a.emit(_LD_W_ABS, k=hi_off)
        a.emit(_AND_K, k=vh)
        a.emit(_JEQ, 0, fail, k=v2 >> 32)
        a.emit(_LD_W_ABS, k=lo_off)
        a.emit(_AND_K, k=vl)
        a.emit(_JEQ, 0, fail, k=v2 & 0xFFFFFFFF)
    elif op == "SCMP_CMP_EQ":
        a.emit(_LD_W_ABS, k=hi_off)
        a.emit(_JEQ, 0, fail, k=vh)
        a.emit(_LD_W_ABS, k=lo_off)
        a.emit(_JEQ, 0, fail, k=vl)
    elif op == "SCMP_CMP_NE":
        a.emit(_LD_W_ABS, k=hi_off)
        a.emit(_JEQ, 0, ok, k=vh)
        a.emit(_LD_W_ABS, k=lo_off)
        a.emit(_JEQ, fail, 0, k=vl)
    elif op in ("SCMP_CMP_GT", "SCMP_CMP_GE"):
        a.emit(_LD_W_ABS, k=hi_off)
        a.emit(_JGT, ok, 0, k=vh)
        a.emit(_JEQ, 0, fail, k=vh)
        a.emit(_LD_W_ABS, k=lo_off)
        a.emit(_JGT if op == "SCMP_CMP_GT" else _JGE, 0, fail, k=vl)
    elif op in ("SCMP_CMP_LT", "SCMP_CMP_LE"):
        a.emit(_LD_W_ABS, k=hi_off)
        a.emit(_JGT, fail, 0, k=vh)
        a.emit(_JEQ, 0, ok, k=vh)
        a.emit(_LD_W_ABS, k=lo_off)
        a.emit(_JGE if op == "SCMP_CMP_LT" else _JGT, fail, 0, k=vl)
    else:  # validated in config.py
        raise AssertionError(op)
    a.place(ok)


def compile_filter(sc: Seccomp, arch: str | None = None) -> tuple[Program, list[str]]:
    """BPF program for `sc` on `arch` (default: this machine), and the syscall names it had to skip
    because this architecture has no such syscall (libseccomp skips them too)."""
    arch = arch or _libc.ARCH
    if arch not in _AUDIT_ARCH:
        raise RtError("linux.seccomp", f"seccomp filters are not supported on {arch}", EXIT_CONFIG)
    audit, scmp_name = _AUDIT_ARCH[arch]
    if sc.architectures and scmp_name not in sc.architectures:
        raise RtError("linux.seccomp.architectures", f"does not list this machine's {scmp_name}",
                      EXIT_CONFIG)
    from . import _syscalls

    table: dict[str, int] = _syscalls.X86_64 if arch == "x86_64" else _syscalls.AARCH64
    a = _Asm()
    kill = _RET["SCMP_ACT_KILL_PROCESS"]
    a.emit(_LD_W_ABS, k=_OFF_ARCH)
    a.emit(_JEQ, 1, 0, k=audit)
    a.emit(_RET_K, k=kill)  # foreign architectures (i386, x32 via int 0x80 ...) have other numbers
    a.emit(_LD_W_ABS, k=_OFF_NR)
    if arch == "x86_64":
        a.emit(_JGE, 0, 1, k=_X32_BIT)
        a.emit(_RET_K, k=kill)
    skipped: list[str] = []
    for rule in sc.rules:
        ret = _ret(rule.action, rule.errno_ret)
        for name in rule.names:
            nr = table.get(name)
            if nr is None:
                skipped.append(name)
                continue
            nxt = a.label()
            if not rule.args:
                a.emit(_JEQ, 0, 1, k=nr)
                a.emit(_RET_K, k=ret)
                continue
            reload = a.label()
            a.emit(_JEQ, 0, nxt, k=nr)
            for arg in rule.args:
                _arg_check(a, arg, reload)
            a.emit(_RET_K, k=ret)
            a.place(reload)
            a.emit(_LD_W_ABS, k=_OFF_NR)
            a.place(nxt)
    a.emit(_RET_K, k=_ret(sc.default_action, sc.default_errno_ret))
    if len(a.code) > 4096:
        raise RtError("linux.seccomp", f"the filter needs {len(a.code)} BPF instructions, the kernel "
                      "allows 4096", EXIT_CONFIG)
    return [(c, jt, jf, k) for c, jt, jf, k in a.code], skipped


def encode(prog: Program) -> bytes:
    """struct sock_filter[] as the kernel takes it."""
    import struct

    return b"".join(struct.pack("=HBBI", *ins) for ins in prog)


# Bump when the generated code changes, so cached programs of an older compiler are not reused.
_COMPILER_VERSION = "1"


def cached_program(sc: Seccomp, cache_dir: str | None) -> bytes:
    """The encoded program for `sc`, from <cache_dir>/<sha256 of the rules>.bpf when compiled before:
    compiling the default profile costs ~2 ms of every start, reading it back ~0.1 ms. The cache lives
    in the state directory, which only its owner can write."""
    import os

    if cache_dir is None:
        return encode(compile_filter(sc)[0])
    from _sha256 import sha256  # type: ignore[import-not-found]  # hashlib would load OpenSSL

    key = sha256(f"{_COMPILER_VERSION}|{_libc.ARCH}|{sc!r}".encode()).hexdigest()
    path = os.path.join(cache_dir, key + ".bpf")
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data and len(data) % 8 == 0:
            return data
    except OSError:
        pass
    data = encode(compile_filter(sc)[0])
    try:
        os.makedirs(cache_dir, mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, path)
    except OSError:
        pass  # a read-only state directory only costs the compile next time
    return data


def load(prog: Program | bytes, sc: Seccomp) -> None:
    if not isinstance(prog, bytes):
        prog = encode(prog)
    flags = 0
    for i, f in enumerate(sc.flags):
        if f not in _FLAGS:
            raise RtError(f"linux.seccomp.flags[{i}]", f"unknown flag {f!r}", EXIT_CONFIG)
        flags |= _FLAGS[f]
    _libc.seccomp_set_filter(prog, flags)
