"""Procfile: ``type: command`` lines.

``web`` is the start command; the other types are kept after it (``procfile-<type>``).  Discovery makes
each long-running type a service of its own on the same code and image (``api`` and ``api-worker``);
the one-off types a deploy runs once (``release``, ``postdeploy``) are tasks of the service, never a
start of their own.
"""

from __future__ import annotations

import re
import shlex

from matrixhell.detect.base import DetectContext
from matrixhell.errors import InputError
from matrixhell.model import Detection, Finding, Origin, Port, Severity, StartCommand

__all__ = ["ONE_OFF_TYPES", "PRECEDENCE_WEB", "ProcfileDetector", "command_ports", "dns_safe", "is_one_off",
           "parse_procfile", "process_type"]

#: precedence of the web process (after compose 10, before the Dockerfile's CMD 30)
PRECEDENCE_WEB = 20
#: other process types (worker, release, clock...): kept, but never the service's main start
PRECEDENCE_OTHER = 60
#: process types a deploy runs once and waits for (Heroku's release phase, post/pre-deploy hooks):
#: commands of the service, not services
ONE_OFF_TYPES = frozenset({"release", "postdeploy", "predeploy"})
_PREFIX = "procfile-"


def process_type(start: StartCommand) -> str | None:
    """The Procfile process type a start command comes from (``procfile-worker`` -> ``worker``), else None."""
    return start.source[len(_PREFIX) :] if start.source.startswith(_PREFIX) else None


def is_one_off(kind: str) -> bool:
    return kind in ONE_OFF_TYPES


def _valid_type(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in "_-" for c in name)


def dns_safe(kind: str) -> str:
    """A process type as part of a service name every target accepts (RFC 1123: ``Worker_2`` ->
    ``worker-2``), so compose and Kubernetes call it the same."""
    return re.sub(r"[^a-z0-9-]+", "-", kind.lower()).strip("-") or "process"


#: flags whose value is ``HOST:PORT`` (gunicorn, hypercorn ``--bind``/``-b``; waitress ``--listen``)
_BIND_FLAGS = frozenset({"--bind", "-b", "--listen"})
#: flags whose value is a port number (uvicorn, daphne, waitress, flask, rails ``-p``, ``--port``)
_PORT_FLAGS = frozenset({"--port", "-p"})


def _port_of(text: str) -> int | None:
    """The port of ``HOST:PORT``, ``:PORT``, ``[::]:PORT`` or ``PORT``; None for ``$PORT``, unix sockets."""
    if text.startswith(("unix:", "fd://")):
        return None
    tail = text.rpartition(":")[2]
    return int(tail) if tail.isdigit() and 0 < int(tail) < 65536 else None


def command_ports(start: StartCommand) -> tuple[Port, ...]:
    """The ports a start command names itself: ``--bind HOST:PORT``/``-b``/``--listen``, ``--port N``/``-p N``
    (also ``--port=N``), and a ``PORT=N`` assignment before the program (``PORT=3000 node server.js``)."""
    words: list[str] = list(start.argv)
    if not words:
        try:
            words = shlex.split(start.shell or "")
        except ValueError:
            words = (start.shell or "").split()
    out: list[int] = []
    leading = True
    for i, w in enumerate(words):
        flag, eq, inline = w.partition("=")
        if leading and eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", flag):
            if flag == "PORT" and (n := _port_of(inline)) is not None:
                out.append(n)
            continue
        leading = False
        value = inline if eq else (words[i + 1] if i + 1 < len(words) else "")
        if flag in _BIND_FLAGS:
            n = _port_of(value)
        elif flag in _PORT_FLAGS:
            n = int(value) if value.isdigit() and 0 < int(value) < 65536 else None
        else:
            continue
        if n is not None and n not in out:
            out.append(n)
    return tuple(Port(n, "tcp", start.origin) for n in out)


def parse_procfile(text: str, path: str) -> tuple[tuple[StartCommand, ...], tuple[Finding, ...]]:
    """Start commands (web first, then the others in file order) and findings for bad lines."""
    web: list[StartCommand] = []
    others: list[StartCommand] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, colon, command = line.partition(":")
        kind, command = kind.strip(), command.strip()
        origin = Origin(path, number)
        if raw[:1].isspace():
            # Heroku reads ``^[A-Za-z0-9_-]+:`` at column 0 only: an indented line is no process type
            findings.append(
                Finding(
                    "procfile-indented",
                    Severity.WARNING,
                    f"Procfile line {line!r} is indented, so it is no process type and is not run",
                    origin,
                    hint="start the line at column 0 (type: command), or remove it",
                )
            )
            continue
        if not colon or not _valid_type(kind) or not command:
            findings.append(
                Finding(
                    "procfile-bad-line",
                    Severity.WARNING,
                    f"cannot read Procfile line {line!r}",
                    origin,
                    hint="write one process per line as  type: command",
                )
            )
            continue
        if kind in seen:
            findings.append(
                Finding(
                    "procfile-duplicate",
                    Severity.WARNING,
                    f"process type {kind!r} is defined twice; the first one is used",
                    origin,
                    hint=f"remove or rename the second {kind}: line",
                )
            )
            continue
        seen.add(kind)
        start = StartCommand(
            origin,
            f"procfile-{kind}",
            shell=command,
            precedence=PRECEDENCE_WEB if kind == "web" else PRECEDENCE_OTHER,
        )
        (web if kind == "web" else others).append(start)
    return tuple(web + others), tuple(findings)


class ProcfileDetector:
    name = "procfile"
    markers = ("Procfile",)

    def applies(self, ctx: DetectContext) -> bool:
        return ctx.has("Procfile")

    def detect(self, ctx: DetectContext) -> Detection:
        path = ctx.path("Procfile")
        try:
            text = ctx.view.read_text(path)
        except InputError as e:
            return Detection(
                self.name,
                findings=(Finding(e.code, Severity.ERROR, e.message, e.origin or Origin(path), e.hint),),
                files=(path,),
            )
        starts, findings = parse_procfile(text, path)
        return Detection(self.name, start_commands=starts, findings=findings, files=(path,))
