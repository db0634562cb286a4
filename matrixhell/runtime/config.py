"""config.json (OCI runtime-spec 1.x) parsed at the boundary into immutable values.

Every validation error names the JSON field path, e.g. ``process.rlimits[1].type: duplicate RLIMIT_NOFILE``.
Plain slotted classes instead of dataclasses: importing dataclasses (inspect, re, ...) would cost several
milliseconds on the start path.
"""

from __future__ import annotations

import os

from .errors import EXIT_CONFIG, RtError

__all__ = [
    "CAPS",
    "HOOK_KINDS",
    "NAMESPACES",
    "RLIMITS",
    "Config",
    "Device",
    "DeviceRule",
    "Hook",
    "Hooks",
    "IdMap",
    "Mount",
    "Namespace",
    "Process",
    "Resources",
    "Rlimit",
    "Seccomp",
    "SeccompArg",
    "SeccompRule",
    "load_bundle",
    "parse_config",
    "parse_process",
]

CAPS = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
    "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)
_CAP_BIT = {name: i for i, name in enumerate(CAPS)}

RLIMITS = {
    "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
    "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
    "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
    "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
}

# OCI namespace type -> CLONE_* flag.
NAMESPACES = {
    "mount": 0x00020000, "uts": 0x04000000, "ipc": 0x08000000, "user": 0x10000000, "pid": 0x20000000,
    "network": 0x40000000, "cgroup": 0x02000000, "time": 0x00000080,
}

SECCOMP_ACTIONS = (
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
)
SECCOMP_OPS = (
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
)
SECCOMP_ARCHES = (
    "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
)
# runtime-spec hook kinds, in the order of the lifecycle (config.json key -> Hooks attribute)
HOOK_KINDS = {
    "prestart": "prestart", "createRuntime": "create_runtime", "createContainer": "create_container",
    "startContainer": "start_container", "poststart": "poststart", "poststop": "poststop",
}
PROPAGATIONS = ("private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable")


class _Frozen:
    __slots__: tuple[str, ...] = ()

    def __init__(self, **kw: object) -> None:
        for k, v in kw.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__
        )

    def __hash__(self) -> int:
        return hash(tuple(repr(getattr(self, k)) for k in self.__slots__))


class Rlimit(_Frozen):
    __slots__ = ("hard", "resource", "soft", "type")
    type: str
    resource: int
    soft: int
    hard: int


class Process(_Frozen):
    __slots__ = (
        "additional_gids",
        "ambient",
        "args",
        "bounding",
        "console_size",
        "cwd",
        "effective",
        "env",
        "gid",
        "inheritable",
        "no_new_privileges",
        "oom_score_adj",
        "permitted",
        "rlimits",
        "terminal",
        "uid",
        "umask",
    )
    terminal: bool
    uid: int
    gid: int
    additional_gids: tuple[int, ...]
    umask: int | None
    args: tuple[str, ...]
    env: tuple[str, ...]
    cwd: str
    bounding: int
    effective: int
    inheritable: int
    permitted: int
    ambient: int
    rlimits: tuple[Rlimit, ...]
    no_new_privileges: bool
    oom_score_adj: int | None
    console_size: tuple[int, int] | None


class Mount(_Frozen):
    __slots__ = (
        "bind",
        "clear_flags",
        "data",
        "destination",
        "field",
        "flags",
        "options",
        "propagation",
        "source",
        "type",
    )
    destination: str
    type: str | None
    source: str | None
    options: tuple[str, ...]
    flags: int
    clear_flags: int
    propagation: int
    data: str
    bind: bool
    field: str


class Namespace(_Frozen):
    __slots__ = ("flag", "path", "type")
    type: str
    flag: int
    path: str | None


class IdMap(_Frozen):
    __slots__ = ("container_id", "host_id", "size")
    container_id: int
    host_id: int
    size: int


class DeviceRule(_Frozen):
    __slots__ = ("access", "allow", "major", "minor", "type")
    allow: bool
    type: str
    major: int | None
    minor: int | None
    access: str


class Resources(_Frozen):
    __slots__ = (
        "cpu_period",
        "cpu_quota",
        "cpu_shares",
        "devices",
        "memory_limit",
        "memory_reservation",
        "memory_swap",
        "pids_limit",
    )
    memory_limit: int | None
    memory_reservation: int | None
    memory_swap: int | None
    pids_limit: int | None
    cpu_shares: int | None
    cpu_quota: int | None
    cpu_period: int | None
    devices: tuple[DeviceRule, ...]

    def any_limit(self) -> bool:
        return any(getattr(self, k) is not None for k in self.__slots__ if k != "devices")


class SeccompArg(_Frozen):
    __slots__ = ("index", "op", "value", "value_two")
    index: int
    value: int
    value_two: int
    op: str


class SeccompRule(_Frozen):
    __slots__ = ("action", "args", "errno_ret", "names")
    names: tuple[str, ...]
    action: str
    errno_ret: int | None
    args: tuple[SeccompArg, ...]


class Seccomp(_Frozen):
    __slots__ = ("architectures", "default_action", "default_errno_ret", "flags", "rules")
    default_action: str
    default_errno_ret: int | None
    architectures: tuple[str, ...]
    rules: tuple[SeccompRule, ...]
    flags: tuple[str, ...]


class Device(_Frozen):
    __slots__ = ("file_mode", "gid", "major", "minor", "path", "type", "uid")
    path: str
    type: str
    major: int
    minor: int
    file_mode: int | None
    uid: int | None
    gid: int | None


class Hook(_Frozen):
    """One hook: `path` run with `args` (argv, argv[0] included) and exactly `env`, killed after `timeout`
    seconds when set. `where` is its field path (hooks.createRuntime[0]) for error messages."""

    __slots__ = ("args", "env", "path", "timeout", "where")
    path: str
    args: tuple[str, ...]
    env: tuple[str, ...]
    timeout: int | None
    where: str

    def to_json(self) -> dict[str, object]:
        d: dict[str, object] = {"path": self.path, "args": list(self.args), "env": list(self.env)}
        if self.timeout is not None:
            d["timeout"] = self.timeout
        return d


class Hooks(_Frozen):
    __slots__ = ("create_container", "create_runtime", "poststart", "poststop", "prestart", "start_container")
    prestart: tuple[Hook, ...]
    create_runtime: tuple[Hook, ...]
    create_container: tuple[Hook, ...]
    start_container: tuple[Hook, ...]
    poststart: tuple[Hook, ...]
    poststop: tuple[Hook, ...]


class Config(_Frozen):
    __slots__ = (
        "annotations",
        "bundle",
        "cgroups_path",
        "devices",
        "gid_mappings",
        "hooks",
        "hostname",
        "masked_paths",
        "mounts",
        "namespaces",
        "notes",
        "oci_version",
        "process",
        "readonly_paths",
        "resources",
        "root_path",
        "root_readonly",
        "rootfs_propagation",
        "seccomp",
        "source",
        "sysctl",
        "uid_mappings",
    )
    oci_version: str
    bundle: str
    root_path: str
    root_readonly: bool
    hostname: str | None
    process: Process | None
    mounts: tuple[Mount, ...]
    namespaces: tuple[Namespace, ...]
    uid_mappings: tuple[IdMap, ...]
    gid_mappings: tuple[IdMap, ...]
    resources: Resources
    cgroups_path: str | None
    masked_paths: tuple[str, ...]
    readonly_paths: tuple[str, ...]
    seccomp: Seccomp | None
    sysctl: tuple[tuple[str, str], ...]
    devices: tuple[Device, ...]
    rootfs_propagation: str | None
    annotations: dict[str, str]
    notes: tuple[str, ...]
    hooks: Hooks | None  # None when config.json has no hook at all
    source: str  # the config.json text as read at create (kept with the state for `exec`)

    def namespace(self, kind: str) -> Namespace | None:
        for ns in self.namespaces:
            if ns.type == kind:
                return ns
        return None


# ---------------------------------------------------------------------------------------------------------
# field readers: each takes the parent object and the path prefix, raises RtError naming the full path


def _err(path: str, msg: str) -> RtError:
    return RtError(path, msg, EXIT_CONFIG)


def _tname(v: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number", type(None): "null"}.get(type(v), type(v).__name__)


def _obj(v: object, path: str) -> dict[str, object]:
    if not isinstance(v, dict):
        raise _err(path, f"must be an object, got {_tname(v)}")
    return v


def _get(d: dict[str, object], key: str, path: str, kind: type, required: bool = False) -> object:
    full = f"{path}.{key}" if path else key
    if key not in d or d[key] is None:
        if required:
            raise _err(full, "required field is missing")
        return None
    v = d[key]
    if kind is int and (isinstance(v, bool) or not isinstance(v, int)):
        raise _err(full, f"must be an integer, got {_tname(v)}")
    if kind is not int and not isinstance(v, kind):
        raise _err(full, f"must be {_tname(kind())}, got {_tname(v)}")
    return v


def _str(d: dict[str, object], key: str, path: str, required: bool = False) -> str | None:
    return _get(d, key, path, str, required)  # type: ignore[return-value]


def _int(d: dict[str, object], key: str, path: str, required: bool = False,
         lo: int | None = None, hi: int | None = None) -> int | None:
    v = _get(d, key, path, int, required)
    if v is not None:
        assert isinstance(v, int)
        full = f"{path}.{key}" if path else key
        if lo is not None and v < lo:
            raise _err(full, f"must be >= {lo}, got {v}")
        if hi is not None and v > hi:
            raise _err(full, f"must be <= {hi}, got {v}")
        return v
    return None


def _bool(d: dict[str, object], key: str, path: str) -> bool:
    return bool(_get(d, key, path, bool))


def _list(d: dict[str, object], key: str, path: str, required: bool = False) -> list[object]:
    v = _get(d, key, path, list, required)
    return v if v is not None else []  # type: ignore[return-value]


def _strlist(d: dict[str, object], key: str, path: str, required: bool = False) -> tuple[str, ...]:
    items = _list(d, key, path, required)
    for i, s in enumerate(items):
        if not isinstance(s, str):
            raise _err(f"{path}.{key}[{i}]", f"must be a string, got {_tname(s)}")
    return tuple(items)  # type: ignore[arg-type]


def _abs(p: str, path: str) -> str:
    if not p.startswith("/"):
        raise _err(path, f"must be an absolute path, got {p!r}")
    if "\0" in p:
        raise _err(path, "must not contain NUL")
    return p


def _caps(d: dict[str, object], key: str, path: str) -> int:
    mask = 0
    for i, name in enumerate(_strlist(d, key, path)):
        bit = _CAP_BIT.get(name.upper() if name.upper().startswith("CAP_") else "CAP_" + name.upper())
        if bit is None:
            raise _err(f"{path}.{key}[{i}]", f"unknown capability {name!r}")
        mask |= 1 << bit
    return mask


def parse_process(v: object, notes: list[str], p: str = "process") -> Process:
    """A process object (config.json's `process`, or `exec --process FILE` with p naming the file)."""
    return _process(v, notes, p)


def _process(v: object, notes: list[str], p: str = "process") -> Process:
    d = _obj(v, p)
    user = _obj(_get(d, "user", p, dict, required=True), f"{p}.user")
    uid = _int(user, "uid", f"{p}.user", required=True, lo=0, hi=0xFFFFFFFE)
    gid = _int(user, "gid", f"{p}.user", required=True, lo=0, hi=0xFFFFFFFE)
    gids = []
    for i, g in enumerate(_list(user, "additionalGids", f"{p}.user")):
        if isinstance(g, bool) or not isinstance(g, int) or g < 0:
            raise _err(f"{p}.user.additionalGids[{i}]", f"must be a non-negative integer, got {g!r}")
        gids.append(g)
    if _get(user, "username", f"{p}.user", str) is not None:
        notes.append("process.user.username: ignored (Windows only)")
    umask = _int(user, "umask", f"{p}.user", lo=0, hi=0o777)
    args = _strlist(d, "args", p, required=True)
    if not args:
        raise _err(f"{p}.args", "must name the program to run (empty array)")
    env = _strlist(d, "env", p)
    for i, e in enumerate(env):
        if "=" not in e or e.startswith("="):
            raise _err(f"{p}.env[{i}]", f"must be NAME=VALUE, got {e!r}")
    cwd = _abs(_str(d, "cwd", p, required=True) or "", f"{p}.cwd")
    caps = _obj(_get(d, "capabilities", p, dict) or {}, f"{p}.capabilities")
    cp = f"{p}.capabilities"
    bounding, effective = _caps(caps, "bounding", cp), _caps(caps, "effective", cp)
    inheritable, permitted, ambient = _caps(caps, "inheritable", cp), _caps(caps, "permitted", cp), \
        _caps(caps, "ambient", cp)
    if effective & ~permitted:
        raise _err(f"{cp}.effective", "holds capabilities that are not in the permitted set")
    rlimits: list[Rlimit] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(_list(d, "rlimits", p)):
        rp = f"{p}.rlimits[{i}]"
        rd = _obj(r, rp)
        kind = _str(rd, "type", rp, required=True) or ""
        if kind not in RLIMITS:
            raise _err(f"{rp}.type", f"unknown rlimit {kind!r}")
        if kind in seen:
            raise _err(f"{rp}.type", f"duplicate {kind} (first at process.rlimits[{seen[kind]}])")
        seen[kind] = i
        soft = _int(rd, "soft", rp, required=True, lo=0)
        hard = _int(rd, "hard", rp, required=True, lo=0)
        assert soft is not None and hard is not None
        if soft > hard:
            raise _err(f"{rp}.soft", f"{kind} soft limit {soft} is above its hard limit {hard}")
        rlimits.append(Rlimit(type=kind, resource=RLIMITS[kind], soft=soft, hard=hard))
    for key in ("apparmorProfile", "selinuxLabel"):
        if _get(d, key, p, str):
            notes.append(f"process.{key}: ignored (this runtime applies no LSM profile)")
    cs = _get(d, "consoleSize", p, dict)
    console = None
    if cs is not None:
        assert isinstance(cs, dict)
        h = _int(cs, "height", f"{p}.consoleSize", required=True, lo=0)
        w = _int(cs, "width", f"{p}.consoleSize", required=True, lo=0)
        console = (h or 0, w or 0)
    return Process(
        terminal=_bool(d, "terminal", p), uid=uid, gid=gid, additional_gids=tuple(gids), umask=umask,
        args=args, env=env, cwd=cwd, bounding=bounding, effective=effective, inheritable=inheritable,
        permitted=permitted, ambient=ambient, rlimits=tuple(rlimits),
        no_new_privileges=_bool(d, "noNewPrivileges", p),
        oom_score_adj=_int(d, "oomScoreAdj", p, lo=-1000, hi=1000), console_size=console,
    )


# mount option -> (set flags, clear flags)
_MS = {
    "ro": (1, 0), "rw": (0, 1), "nosuid": (2, 0), "suid": (0, 2), "nodev": (4, 0), "dev": (0, 4),
    "noexec": (8, 0), "exec": (0, 8), "sync": (16, 0), "async": (0, 16), "remount": (32, 0),
    "mand": (64, 0), "nomand": (0, 64), "dirsync": (128, 0), "nosymfollow": (256, 0),
    "noatime": (1024, 0), "atime": (0, 1024), "nodiratime": (2048, 0), "diratime": (0, 2048),
    "bind": (4096, 0), "rbind": (4096 | 16384, 0), "relatime": (1 << 21, 0), "norelatime": (0, 1 << 21),
    "strictatime": (1 << 24, 0), "nostrictatime": (0, 1 << 24), "lazytime": (1 << 25, 0),
    "nolazytime": (0, 1 << 25), "defaults": (0, 0),
}
_PROP = {
    "private": 1 << 18, "rprivate": (1 << 18) | 16384, "slave": 1 << 19, "rslave": (1 << 19) | 16384,
    "shared": 1 << 20, "rshared": (1 << 20) | 16384, "unbindable": 1 << 17,
    "runbindable": (1 << 17) | 16384,
}
_UNSUPPORTED_OPTS = {"idmap", "ridmap", "tmpcopyup", "copy-symlink", "src-nofollow", "rro", "rrw"}


def _mount(v: object, i: int) -> Mount:
    mp = f"mounts[{i}]"
    d = _obj(v, mp)
    dest = _abs(_str(d, "destination", mp, required=True) or "", f"{mp}.destination")
    kind = _str(d, "type", mp)
    source = _str(d, "source", mp)
    opts = _strlist(d, "options", mp)
    flags = clear = prop = 0
    data: list[str] = []
    for j, o in enumerate(opts):
        if o in _MS:
            s, c = _MS[o]
            flags = (flags | s) & ~c
            clear = (clear | c) & ~s
        elif o in _PROP:
            prop = _PROP[o]
        elif o in _UNSUPPORTED_OPTS:
            raise _err(f"{mp}.options[{j}]", f"mount option {o!r} is not supported by this runtime")
        else:
            data.append(o)  # filesystem-specific (size=, mode=, newinstance, ptmxmode=, gid=, ...)
    bind = bool(flags & 4096) or kind == "bind"
    if bind:
        flags |= 4096
        if not source:
            raise _err(f"{mp}.source", "a bind mount needs a source")
    elif not kind:
        raise _err(f"{mp}.type", "required for a mount that is not a bind mount")
    return Mount(destination=os.path.normpath(dest), type=kind, source=source, options=opts, flags=flags,
                 clear_flags=clear, propagation=prop, data=",".join(data), bind=bind, field=mp)


def _idmaps(items: list[object], path: str) -> tuple[IdMap, ...]:
    maps: list[IdMap] = []
    for i, m in enumerate(items):
        ip = f"{path}[{i}]"
        d = _obj(m, ip)
        c = _int(d, "containerID", ip, required=True, lo=0, hi=0xFFFFFFFE)
        h = _int(d, "hostID", ip, required=True, lo=0, hi=0xFFFFFFFE)
        s = _int(d, "size", ip, required=True, lo=1, hi=0xFFFFFFFF)
        assert c is not None and h is not None and s is not None
        for j, o in enumerate(maps):
            if c < o.container_id + o.size and o.container_id < c + s:
                raise _err(f"{ip}.containerID", f"range overlaps {path}[{j}]")
            if h < o.host_id + o.size and o.host_id < h + s:
                raise _err(f"{ip}.hostID", f"range overlaps {path}[{j}]")
        maps.append(IdMap(container_id=c, host_id=h, size=s))
    if len(maps) > 340:
        raise _err(path, "at most 340 ranges are supported by the kernel")
    return tuple(maps)


def _resources(v: object) -> Resources:
    rp = "linux.resources"
    d = _obj(v or {}, rp)
    mem = _obj(_get(d, "memory", rp, dict) or {}, f"{rp}.memory")
    pids = _obj(_get(d, "pids", rp, dict) or {}, f"{rp}.pids")
    cpu = _obj(_get(d, "cpu", rp, dict) or {}, f"{rp}.cpu")
    rules = []
    for i, r in enumerate(_list(d, "devices", rp)):
        dp = f"{rp}.devices[{i}]"
        rd = _obj(r, dp)
        allow = _get(rd, "allow", dp, bool, required=True)
        kind = _str(rd, "type", dp) or "a"
        if kind not in ("a", "b", "c"):
            raise _err(f"{dp}.type", f"must be a, b or c, got {kind!r}")
        access = _str(rd, "access", dp) or "rwm"
        if not access or set(access) - set("rwm"):
            raise _err(f"{dp}.access", f"must be made of r, w, m, got {access!r}")
        rules.append(DeviceRule(allow=bool(allow), type=kind, major=_int(rd, "major", dp),
                                minor=_int(rd, "minor", dp), access=access))
    limit = _int(mem, "limit", f"{rp}.memory", lo=-1)
    if limit == 0:
        raise _err(f"{rp}.memory.limit", "must be positive (or -1 for unlimited)")
    for key in ("cpus", "mems"):
        if _get(cpu, key, f"{rp}.cpu", str):
            raise _err(f"{rp}.cpu.{key}", "cpuset limits are not supported by this runtime")
    plimit = _int(pids, "limit", f"{rp}.pids", required=bool(pids))
    if plimit == 0:
        raise _err(f"{rp}.pids.limit", "must be positive (or -1 or less for unlimited)")
    return Resources(
        memory_limit=limit, memory_reservation=_int(mem, "reservation", f"{rp}.memory", lo=-1),
        memory_swap=_int(mem, "swap", f"{rp}.memory", lo=-1), pids_limit=plimit,
        cpu_shares=_int(cpu, "shares", f"{rp}.cpu", lo=0), cpu_quota=_int(cpu, "quota", f"{rp}.cpu"),
        cpu_period=_int(cpu, "period", f"{rp}.cpu", lo=0), devices=tuple(rules),
    )


def _seccomp(v: object) -> Seccomp:
    sp = "linux.seccomp"
    d = _obj(v, sp)
    default = _str(d, "defaultAction", sp, required=True) or ""
    if default not in SECCOMP_ACTIONS:
        raise _err(f"{sp}.defaultAction", f"unknown or unsupported action {default!r}")
    arches = _strlist(d, "architectures", sp)
    for i, a in enumerate(arches):
        if a not in SECCOMP_ARCHES:
            raise _err(f"{sp}.architectures[{i}]", f"unknown architecture {a!r}")
    rules = []
    for i, r in enumerate(_list(d, "syscalls", sp)):
        rp = f"{sp}.syscalls[{i}]"
        rd = _obj(r, rp)
        names = _strlist(rd, "names", rp, required=True)
        if not names:
            raise _err(f"{rp}.names", "must name at least one syscall")
        action = _str(rd, "action", rp, required=True) or ""
        if action not in SECCOMP_ACTIONS:
            raise _err(f"{rp}.action", f"unknown or unsupported action {action!r}")
        args: list[SeccompArg] = []
        for j, arg in enumerate(_list(rd, "args", rp)):
            ap = f"{rp}.args[{j}]"
            ad = _obj(arg, ap)
            op = _str(ad, "op", ap, required=True) or ""
            if op not in SECCOMP_OPS:
                raise _err(f"{ap}.op", f"unknown comparison {op!r}")
            args.append(SeccompArg(index=_int(ad, "index", ap, required=True, lo=0, hi=5),
                                   value=_int(ad, "value", ap, required=True, lo=0, hi=2**64 - 1),
                                   value_two=_int(ad, "valueTwo", ap, lo=0, hi=2**64 - 1) or 0, op=op))
        rules.append(SeccompRule(names=names, action=action, errno_ret=_int(rd, "errnoRet", rp, lo=0),
                                 args=tuple(args)))
    flags = _strlist(d, "flags", sp)
    return Seccomp(default_action=default, default_errno_ret=_int(d, "defaultErrnoRet", sp, lo=0),
                   architectures=arches, rules=tuple(rules), flags=flags)


def _sysctl_needs(name: str) -> str | None:
    if name.startswith("net."):
        return "network"
    if name.startswith(("fs.mqueue.", "kernel.msg", "kernel.sem", "kernel.shm")):
        return "ipc"
    if name in ("kernel.hostname", "kernel.domainname"):
        return "uts"
    return None


def parse_config(raw: object, bundle: str, source: str = "") -> Config:
    """Validate a decoded config.json; `bundle` is the absolute bundle directory, `source` its text."""
    notes: list[str] = []
    d = _obj(raw, "config.json")
    version = _str(d, "ociVersion", "", required=True) or ""
    if not version.startswith("1."):
        raise _err("ociVersion", f"unsupported version {version!r} (1.x expected)")
    root = _obj(_get(d, "root", "", dict, required=True), "root")
    root_path = _str(root, "path", "root", required=True) or ""
    if not root_path:
        raise _err("root.path", "must not be empty")
    root_path = os.path.normpath(os.path.join(bundle, root_path))
    process = _process(d["process"], notes) if d.get("process") is not None else None
    hostname = _str(d, "hostname", "")
    mounts = tuple(_mount(m, i) for i, m in enumerate(_list(d, "mounts", "")))
    linux = _obj(_get(d, "linux", "", dict) or {}, "linux")
    nss: list[Namespace] = []
    for i, n in enumerate(_list(linux, "namespaces", "linux")):
        np_ = f"linux.namespaces[{i}]"
        nd = _obj(n, np_)
        kind = _str(nd, "type", np_, required=True) or ""
        if kind not in NAMESPACES:
            raise _err(f"{np_}.type", f"unknown namespace type {kind!r}")
        for j, o in enumerate(nss):
            if o.type == kind:
                raise _err(f"{np_}.type", f"duplicate namespace {kind!r} (first at linux.namespaces[{j}])")
        path = _str(nd, "path", np_)
        if path is not None:
            _abs(path, f"{np_}.path")
        nss.append(Namespace(type=kind, flag=NAMESPACES[kind], path=path))
    uidm = _idmaps(_list(linux, "uidMappings", "linux"), "linux.uidMappings")
    gidm = _idmaps(_list(linux, "gidMappings", "linux"), "linux.gidMappings")
    userns = next((n for n in nss if n.type == "user"), None)
    if userns is not None and userns.path is None:
        if not uidm:
            raise _err("linux.uidMappings", "a new user namespace needs uid mappings")
        if not gidm:
            raise _err("linux.gidMappings", "a new user namespace needs gid mappings")
        if process is not None:
            for what, ident, maps in (("uid", process.uid, uidm), ("gid", process.gid, gidm)):
                if not any(m.container_id <= ident < m.container_id + m.size for m in maps):
                    raise _err(f"process.user.{what}", f"{ident} is not mapped by linux.{what}Mappings")
    elif (uidm or gidm) and userns is None:
        raise _err("linux.uidMappings" if uidm else "linux.gidMappings",
                   "id mappings given without a new user namespace in linux.namespaces")
    if process is not None and process.terminal is False and process.console_size is not None:
        notes.append("process.consoleSize: ignored without process.terminal")
    if hostname and not any(n.type == "uts" for n in nss):
        raise _err("hostname", "setting a hostname needs a uts namespace in linux.namespaces")
    resources = _resources(_get(linux, "resources", "linux", dict))
    cgpath = _str(linux, "cgroupsPath", "linux")
    if cgpath is not None and (".." in cgpath.split("/") or ":" in cgpath):
        raise _err("linux.cgroupsPath", f"must be a plain path without '..' (systemd slices are not "
                   f"supported), got {cgpath!r}")
    masked = _strlist(linux, "maskedPaths", "linux")
    ro = _strlist(linux, "readonlyPaths", "linux")
    for key, items in (("maskedPaths", masked), ("readonlyPaths", ro)):
        for i, pth in enumerate(items):
            _abs(pth, f"linux.{key}[{i}]")
    sc = _seccomp(linux["seccomp"]) if linux.get("seccomp") is not None else None
    sysctl_raw = _obj(_get(linux, "sysctl", "linux", dict) or {}, "linux.sysctl")
    sysctl = []
    for k, v in sysctl_raw.items():
        if not isinstance(v, str):
            raise _err(f"linux.sysctl.{k}", f"must be a string, got {_tname(v)}")
        need = _sysctl_needs(k)
        if need is None:
            raise _err(f"linux.sysctl.{k}", "only namespaced sysctls (net.*, kernel.shm*, kernel.msg*, "
                       "kernel.sem, fs.mqueue.*) may be set")
        ns = next((n for n in nss if n.type == need), None)
        if ns is None or ns.path is not None:
            raise _err(f"linux.sysctl.{k}", f"needs a new {need} namespace in linux.namespaces")
        sysctl.append((k, v))
    devices = []
    for i, dv in enumerate(_list(linux, "devices", "linux")):
        dp = f"linux.devices[{i}]"
        dd = _obj(dv, dp)
        path = _abs(_str(dd, "path", dp, required=True) or "", f"{dp}.path")
        kind = _str(dd, "type", dp, required=True) or ""
        if kind not in ("c", "b", "u", "p"):
            raise _err(f"{dp}.type", f"must be c, b, u or p, got {kind!r}")
        major = _int(dd, "major", dp, required=kind != "p", lo=0) or 0
        minor = _int(dd, "minor", dp, required=kind != "p", lo=0) or 0
        devices.append(Device(path=path, type=kind, major=major, minor=minor,
                              file_mode=_int(dd, "fileMode", dp, lo=0, hi=0o7777),
                              uid=_int(dd, "uid", dp, lo=0), gid=_int(dd, "gid", dp, lo=0)))
    prop = _str(linux, "rootfsPropagation", "linux")
    if prop is not None and prop not in PROPAGATIONS:
        raise _err("linux.rootfsPropagation", f"must be one of {', '.join(PROPAGATIONS)}, got {prop!r}")
    for key in ("mountLabel", "intelRdt", "personality"):
        if linux.get(key):
            notes.append(f"linux.{key}: ignored (not supported by this runtime)")
    ann = _obj(_get(d, "annotations", "", dict) or {}, "annotations")
    for k, v in ann.items():
        if not isinstance(v, str):
            raise _err(f"annotations.{k}", f"must be a string, got {_tname(v)}")
    hooks = _hooks(_get(d, "hooks", "", dict), notes)
    return Config(
        oci_version=version, bundle=bundle, root_path=root_path, root_readonly=_bool(root, "readonly", "root"),
        hostname=hostname, process=process, mounts=mounts, namespaces=tuple(nss), uid_mappings=uidm,
        gid_mappings=gidm, resources=resources, cgroups_path=cgpath, masked_paths=masked,
        readonly_paths=ro, seccomp=sc, sysctl=tuple(sysctl), devices=tuple(devices),
        rootfs_propagation=prop, annotations=dict(ann), notes=tuple(notes), hooks=hooks, source=source,
    )


def _hooks(v: object, notes: list[str]) -> Hooks | None:
    if not v:
        return None
    d = _obj(v, "hooks")
    found: dict[str, tuple[Hook, ...]] = {}
    for key in d:
        if key not in HOOK_KINDS:
            notes.append(f"hooks.{key}: ignored (not a runtime-spec hook kind)")
    for key, attr in HOOK_KINDS.items():
        items = []
        for i, h in enumerate(_list(d, key, "hooks")):
            hp = f"hooks.{key}[{i}]"
            hd = _obj(h, hp)
            path = _abs(_str(hd, "path", hp, required=True) or "", f"{hp}.path")
            args = _strlist(hd, "args", hp)
            env = _strlist(hd, "env", hp)
            for j, e in enumerate(env):
                if "=" not in e or e.startswith("="):
                    raise _err(f"{hp}.env[{j}]", f"must be NAME=VALUE, got {e!r}")
            timeout = _int(hd, "timeout", hp, lo=1)
            items.append(Hook(path=path, args=args or (path,), env=env, timeout=timeout, where=hp))
        found[attr] = tuple(items)
    if not any(found.values()):
        return None
    return Hooks(**found)


def load_bundle(bundle: str) -> Config:
    """Read and validate <bundle>/config.json."""
    from .jsonio import JsonError, loads

    bundle = os.path.abspath(bundle)
    path = os.path.join(bundle, "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise RtError(path, "no config.json in the bundle (create one with `matrixhell-runtime spec`)",
                      EXIT_CONFIG) from None
    except (OSError, UnicodeDecodeError) as e:
        raise RtError(path, f"cannot read: {e}", EXIT_CONFIG) from e
    try:
        raw = loads(text)
    except JsonError as e:
        raise RtError(f"{path}:{e.line}:{e.col}", str(e).split(": ", 1)[1], EXIT_CONFIG) from e
    cfg = parse_config(raw, bundle, text)
    if not os.path.isdir(cfg.root_path):
        raise RtError("root.path", f"{cfg.root_path} is not a directory", EXIT_CONFIG)
    return cfg
