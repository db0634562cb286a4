"""Procfile: ``type: command`` lines.

``web`` is the start command; the other types are kept after it (``procfile-<type>``).  Discovery makes
each long-running type a service of its own on the same code and image (``api`` and ``api-worker``);
the one-off types a deploy runs once (``release``, ``postdeploy``) are tasks of the service, never a
start of their own.
"""

from __future__ import annotations

from matrixhell.detect.base import DetectContext
from matrixhell.errors import InputError
from matrixhell.model import Detection, Finding, Origin, Severity, StartCommand

__all__ = ["ONE_OFF_TYPES", "PRECEDENCE_WEB", "ProcfileDetector", "is_one_off", "parse_procfile", "process_type"]

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
