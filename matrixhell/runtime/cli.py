"""matrixhell-runtime: runc's command-line subset.

The parser is a small table-driven one rather than argparse: argparse (and the `re` it imports) would
add ~7 ms to every one-shot `run`, a third of the whole budget.
"""

from __future__ import annotations

import os
import sys

from .errors import EXIT_USAGE, RtError

__all__ = ["main"]

USAGE = """\
usage: matrixhell-runtime [--root DIR] COMMAND [OPTIONS] [ID]

commands:
  spec [--rootless] [--bundle DIR]                write a default config.json
  create [--bundle DIR] [--pid-file F] [--console-socket S] ID
                                                  set up a container, stopped before exec
  start ID                                        run the created container's process
  run [--bundle DIR] [--detach] [--pid-file F] [--console-socket S] ID
                                                  create + start, wait for the exit status
  state ID                                        print the state as JSON
  exec [--tty] [--detach] [--env K=V]... [--cwd DIR] [--user UID[:GID]] [--pid-file F] ID CMD...
  exec [--tty] [--detach] [--pid-file F] --process FILE ID
                                                  run another process in the container's namespaces
  kill [--all] ID [SIGNAL]                        send SIGNAL (default SIGTERM)
  delete [--force] ID                             remove a stopped (or with --force any) container
  list [--format table|json] [-q]                 list containers
  supervisor --socket PATH                        serve many containers over a unix socket

global options:
  --root DIR    state directory (default /run/matrixhell-runtime as root,
                $XDG_RUNTIME_DIR/matrixhell-runtime otherwise)
"""

# command -> (flags without value, options with value, number of positional arguments (min, max))
_COMMANDS: dict[str, tuple[set[str], set[str], tuple[int, int]]] = {
    "spec": ({"--rootless"}, {"--bundle", "-b"}, (0, 0)),
    "create": (set(), {"--bundle", "-b", "--pid-file", "--console-socket"}, (1, 1)),
    "start": (set(), set(), (1, 1)),
    "run": ({"--detach", "-d"}, {"--bundle", "-b", "--pid-file", "--console-socket"}, (1, 1)),
    "state": (set(), set(), (1, 1)),
    "exec": ({"--tty", "-t", "--detach", "-d"},
             {"--env", "-e", "--cwd", "--user", "-u", "--process", "-p", "--pid-file"}, (1, 1 << 30)),
    "kill": ({"--all", "-a"}, set(), (1, 2)),
    "delete": ({"--force", "-f"}, set(), (1, 1)),
    "list": ({"-q", "--quiet"}, {"--format", "-f"}, (0, 0)),
    "supervisor": (set(), {"--socket"}, (0, 0)),
}
_ALIASES = {"-b": "--bundle", "-d": "--detach", "-a": "--all", "-q": "--quiet", "-t": "--tty", "-e": "--env",
            "-u": "--user", "-p": "--process"}


class _Args:
    def __init__(self) -> None:
        self.root: str | None = None
        self.command = ""
        self.flags: set[str] = set()
        self.opts: dict[str, str] = {}
        self.pos: list[str] = []
        self.env: list[str] = []  # exec's repeatable --env


def _usage_error(msg: str) -> RtError:
    return RtError("usage", f"{msg} (see matrixhell-runtime --help)", EXIT_USAGE)


def _parse(argv: list[str]) -> _Args:
    a = _Args()
    it = iter(argv)
    for tok in it:
        if a.command == "":
            if tok in ("-h", "--help"):
                a.command = "help"
                return a
            if tok == "--version":
                a.command = "version"
                return a
            if tok.startswith("--root"):
                a.root = tok.split("=", 1)[1] if "=" in tok else next(it, None)
                if not a.root:
                    raise _usage_error("--root needs a directory")
                continue
            if tok in ("--debug", "--systemd-cgroup") or tok.startswith(("--log", "--log-format")):
                if tok == "--systemd-cgroup":
                    raise _usage_error("--systemd-cgroup is not supported")
                if tok in ("--log", "--log-format"):
                    next(it, None)
                continue  # runc's logging options are accepted and ignored
            if tok not in _COMMANDS:
                raise _usage_error(f"unknown command {tok!r}")
            a.command = tok
            continue
        flags, opts, _ = _COMMANDS[a.command]
        if a.command == "exec" and a.pos:  # after the ID: the command and its own arguments, verbatim
            a.pos.append(tok)
            continue
        if a.command == "exec" and tok == "--":
            a.pos.extend(it)
            break
        if tok in ("-h", "--help"):
            a.command = "help"
            return a
        name, eq, val = tok.partition("=")
        if name in opts and name.startswith("-"):
            if a.command == "list" and name == "-f":
                name = "--format"
            if not eq:
                nxt = next(it, None)
                if nxt is None:
                    raise _usage_error(f"{name} needs a value")
                val = nxt
            if a.command == "exec" and name in ("--env", "-e"):
                a.env.append(val)
            else:
                a.opts[_ALIASES.get(name, name)] = val
        elif tok in flags:
            if a.command == "delete" and tok == "-f":
                tok = "--force"
            a.flags.add(_ALIASES.get(tok, tok))
        elif tok.startswith("-") and not (a.command == "kill" and a.pos and tok[1:].isalnum()):
            raise _usage_error(f"{a.command}: unknown option {tok!r}")
        else:
            a.pos.append(tok)
    if a.command == "":
        raise _usage_error("no command given")
    lo, hi = _COMMANDS[a.command][2]
    if not lo <= len(a.pos) <= hi:
        want = "an ID" if lo == 1 and hi in (1, 1 << 30) else f"{lo}-{hi} arguments"
        raise _usage_error(f"{a.command}: expected {want}"
                           + (f", got {len(a.pos)}" if a.pos else ""))
    return a


def _out(text: str) -> None:
    os.write(1, (text + "\n").encode())


def _main(argv: list[str]) -> int:
    a = _parse(argv)
    if a.command == "help":
        _out(USAGE.rstrip())
        return 0
    if a.command == "version":
        _out("matrixhell-runtime 0.1.0 (OCI runtime-spec 1.0.2)")
        return 0
    from .state import default_root

    root = os.path.abspath(a.root or default_root())
    bundle = a.opts.get("--bundle", ".")
    cmd = a.command
    if cmd == "run":
        from .lifecycle import run

        return run(root, a.pos[0], bundle, detach="--detach" in a.flags, pid_file=a.opts.get("--pid-file"),
                   console_socket=a.opts.get("--console-socket"))
    if cmd == "create":
        from .lifecycle import create

        create(root, a.pos[0], bundle, pid_file=a.opts.get("--pid-file"),
               console_socket=a.opts.get("--console-socket"))
        return 0
    if cmd == "start":
        from .lifecycle import start

        start(root, a.pos[0])
        return 0
    if cmd == "state":
        from .jsonio import dumps
        from .lifecycle import state

        _out(dumps(state(root, a.pos[0]), indent=2))
        return 0
    if cmd == "exec":
        from .execute import exec_in

        return exec_in(root, a.pos[0], a.pos[1:], env=a.env, cwd=a.opts.get("--cwd"), user=a.opts.get("--user"),
                       tty="--tty" in a.flags, process_file=a.opts.get("--process"),
                       detach="--detach" in a.flags, pid_file=a.opts.get("--pid-file"))
    if cmd == "kill":
        from .lifecycle import kill, parse_signal

        kill(root, a.pos[0], parse_signal(a.pos[1] if len(a.pos) > 1 else "SIGTERM"), "--all" in a.flags)
        return 0
    if cmd == "delete":
        from .lifecycle import delete

        delete(root, a.pos[0], force="--force" in a.flags)
        return 0
    if cmd == "list":
        return _list(root, a.opts.get("--format", "table"), "--quiet" in a.flags)
    if cmd == "spec":
        return _spec(bundle, "--rootless" in a.flags)
    if cmd == "supervisor":
        from .supervisor import serve

        sock = a.opts.get("--socket") or os.path.join(root, "supervisor.sock")
        serve(sock, root)
        return 0
    raise AssertionError(cmd)


def _list(root: str, fmt: str, quiet: bool) -> int:
    from .jsonio import dumps
    from .lifecycle import list_states

    states = list_states(root)
    if quiet:
        for s in states:
            _out(str(s["id"]))
    elif fmt == "json":
        _out(dumps(states))
    elif fmt == "table":
        rows = [("ID", "PID", "STATUS", "BUNDLE", "CREATED")]
        rows += [(str(s["id"]), str(s["pid"]), str(s["status"]), str(s["bundle"]), str(s["created"]))
                 for s in states]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            _out("   ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "   " + r[4])
    else:
        raise _usage_error(f"list: unknown format {fmt!r} (table or json)")
    return 0


def _spec(bundle: str, rootless: bool) -> int:
    import json

    from .errors import EXIT_CONFIG, EXIT_SYSTEM
    from .spec import default_spec

    path = os.path.join(bundle, "config.json")
    if os.path.exists(path):
        raise RtError(path, "already exists (remove it first)", EXIT_CONFIG)
    data = default_spec(rootless=rootless, uid=os.geteuid(), gid=os.getegid())
    try:
        with open(path, "x") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
    except OSError as e:
        raise RtError(path, f"cannot write: {e.strerror}", EXIT_SYSTEM) from e
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except RtError as e:
        os.write(2, (e.line() + "\n").encode())
        return e.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
