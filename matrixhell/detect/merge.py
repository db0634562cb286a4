"""Detections + what discovery knows (compose, Dockerfile, members) -> one Service.

Runtimes are ordered primary runtime first, then by precedence (lowest wins), ties by file and line.
Two sources disagree when their specifiers have no version in common; each such pair of specifiers
becomes one ``runtime-disagreement`` warning naming every source of both sides.  Start commands go by
precedence (compose 10 < Procfile web 20 < Dockerfile 30 < framework inference < package.json start
40 ...).  Ports are merged compose first, then the Dockerfile's EXPOSE, then framework defaults, one
per number and protocol; a compose ``command`` with no compose ports keeps only the EXPOSE ports it
names itself (a worker run on the web's image listens on nothing), and so does a Procfile process type
other than ``web``, which also gets the ports its own command names (``--bind HOST:PORT``, ``--port N``).
A service that runs one Procfile type keeps that type's command (and its one-off
types as tasks), not the other types'."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TypeVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from matrixhell.detect.discovery import PlannedService
from matrixhell.detect.procfile import PRECEDENCE_WEB, command_ports, process_type
from matrixhell.model import (
    Detection,
    EnvVar,
    Finding,
    Origin,
    Port,
    RuntimeReq,
    Service,
    Severity,
    StartCommand,
)

__all__ = ["merge_service", "primary_runtime", "specifiers_intersect"]

T = TypeVar("T")

#: runtime -> languages that run on it, to put the primary language first
_LANGUAGES = {
    "python": ("python",),
    "node": ("javascript", "typescript", "node"),
    "go": ("go",),
    "ruby": ("ruby",),
    "java": ("java", "kotlin", "scala", "groovy"),
    "dotnet": ("csharp", "c#", "fsharp", "f#", "vb", "dotnet"),
    "php": ("php",),
    "rust": ("rust",),
}


def _unique(items: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(items))


def _origin_key(origin: object) -> tuple[str, int]:
    path = getattr(origin, "path", "")
    line = getattr(origin, "line", None)
    return (path, line or 0)


@lru_cache(maxsize=4096)
def _spec(text: str) -> SpecifierSet | None:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def _candidates(a: SpecifierSet, b: SpecifierSet) -> list[Version]:
    """Versions near every boundary either set names: if the sets share a version, one of these is in
    both (their intersection is a union of intervals whose ends are these boundaries)."""
    out: set[Version] = set()
    for spec in (*a, *b):
        text = spec.version.rstrip(".*").rstrip(".")
        try:
            base = Version(text)
        except InvalidVersion:
            continue
        rel = list(base.release)
        probes = [
            rel,
            [*rel, 0],
            [*rel, 0, 0],
            [*rel, 0, 1],
            [*rel, 1],
            [*rel, 999],
            [*rel, 0, 999],
            [*rel[:-1], rel[-1] + 1],
        ]
        if rel[-1] > 0:
            below = [*rel[:-1], rel[-1] - 1]
            probes.extend([below, [*below, 999], [*below, 999, 999]])
        for p in probes:
            try:
                out.add(Version(".".join(str(x) for x in p)))
            except InvalidVersion:
                continue
    return sorted(out)


@lru_cache(maxsize=8192)
def specifiers_intersect(a_text: str, b_text: str) -> bool | None:
    """Whether two PEP 440 specifier sets admit a common version; None when either cannot be read."""
    if not a_text.strip() or not b_text.strip():
        return True
    a, b = _spec(a_text), _spec(b_text)
    if a is None or b is None:
        return None
    both = a & b
    return any(both.contains(v, prereleases=True) for v in _candidates(a, b))


def primary_runtime(detections: Sequence[Detection]) -> str | None:
    """The final Dockerfile stage's runtime, else the runtime most manifest files speak for."""
    for d in detections:
        for r in d.runtimes:
            if r.source == "dockerfile-from":
                return r.runtime
    files: dict[str, set[str]] = {}
    for d in detections:
        for r in d.runtimes:
            files.setdefault(r.runtime, set()).add(r.origin.path)
        for p in d.packages:
            files.setdefault(p.ecosystem.runtime, set()).add(p.origin.path)
    if not files:
        return None
    return min(files, key=lambda rt: (-len(files[rt]), rt))


#: lock file -> (the file a person edits, the command that writes the lock again)
_LOCKS = {
    "Gemfile.lock": ("Gemfile", "bundle lock"),
    "uv.lock": ("pyproject.toml", "uv lock"),
    "poetry.lock": ("pyproject.toml", "poetry lock"),
    "pdm.lock": ("pyproject.toml", "pdm lock"),
    "Pipfile.lock": ("Pipfile", "pipenv lock"),
    "package-lock.json": ("package.json", "npm install"),
    "npm-shrinkwrap.json": ("package.json", "npm install"),
    "yarn.lock": ("package.json", "yarn install"),
    "pnpm-lock.yaml": ("package.json", "pnpm install"),
    "composer.lock": ("composer.json", "composer update --lock"),
    "Cargo.lock": ("Cargo.toml", "cargo update"),
    "pylock.toml": ("pyproject.toml", "pip lock"),  # or whichever locker wrote it (uv export, pdm export)
}


def _lock_of(path: str) -> tuple[str, str] | None:
    """(manifest path, regenerate command) when ``path`` is a generated lock file."""
    directory, _, base = path.rpartition("/")
    hit = _LOCKS.get("pylock.toml" if base.startswith("pylock.") and base.endswith(".toml") else base)
    if hit is None:
        return None
    return (f"{directory}/{hit[0]}" if directory else hit[0]), hit[1]


def _said(reqs: Sequence[RuntimeReq]) -> str:
    return ", ".join(f"{r.source} ({r.origin})" for r in reqs)


def _disagreement_hint(runtime: str, losers: Sequence[RuntimeReq], winner: RuntimeReq) -> str:
    """Name every hand-written source to change; a lock file is written again, never edited."""
    written = [r for r in losers if _lock_of(r.origin.path) is None]
    locks = [(r, _lock_of(r.origin.path)) for r in losers]
    commands = sorted({lk[1] for _, lk in locks if lk is not None})
    paths = list(dict.fromkeys(str(r.origin) for r in written))
    if not paths:  # only a lock disagrees: its manifest already agrees, or says nothing
        paths = list(dict.fromkeys(lk[0] for _, lk in locks if lk is not None))
    text = f"change {runtime} in {' and '.join(paths)} to agree with {winner.origin}"
    if commands:
        text += ", then run " + " and ".join(f"`{c}`" for c in commands)
    return text


def _disagreements(runtimes: Sequence[RuntimeReq], service: str) -> list[Finding]:
    """One finding per pair of specifiers with no version in common, naming every source of each."""
    out: list[Finding] = []
    by_runtime: dict[str, dict[str, list[RuntimeReq]]] = {}
    for r in runtimes:
        if r.spec.strip():
            by_runtime.setdefault(r.runtime, {}).setdefault(r.spec, []).append(r)
    for runtime, by_spec in by_runtime.items():
        specs = list(by_spec)
        for i, a_spec in enumerate(specs):
            for b_spec in specs[i + 1 :]:
                if specifiers_intersect(a_spec, b_spec) is not False:
                    continue
                a, losers = by_spec[a_spec][0], by_spec[b_spec]
                # point at what a person edits: the first hand-written losing source, else the lock
                at = next((r for r in losers if _lock_of(r.origin.path) is None), losers[0])
                verb = "says" if len(losers) == 1 else "say"
                out.append(
                    Finding(
                        code="runtime-disagreement",
                        severity=Severity.WARNING,
                        message=(
                            f"{runtime}: {_said(by_spec[a_spec])} says {a_spec} but {_said(losers)} {verb} "
                            f"{b_spec}; no version satisfies both - {a.source} wins"
                        ),
                        origin=at.origin,
                        hint=_disagreement_hint(runtime, losers, a),
                        service=service,
                    )
                )
    return out


def _ports(compose: Sequence[Port], dockerfile: Sequence[Port], others: Sequence[Port]) -> tuple[Port, ...]:
    """Compose, then EXPOSE, then what detectors read; a server's default port (``Port.source`` set,
    e.g. ``gunicorn-default``) is a guess and only counts when nothing names a port."""
    written = [p for p in others if p.source is None]
    defaults = [p for p in others if p.source is not None]
    if compose or dockerfile or written:
        defaults = []
    seen: dict[tuple[int, str], Port] = {}
    for p in (*compose, *dockerfile, *written, *defaults):
        key = (p.number, p.protocol)
        if key not in seen:
            seen[key] = p
    return tuple(seen.values())


def _numbers_in(command: StartCommand) -> set[int]:
    """Port-like numbers a command names as words or parts of one (``--bind 0.0.0.0:8000``, ``-p=80``)."""
    import shlex

    words: Iterable[str] = command.argv
    if not command.argv:
        try:
            words = shlex.split(command.shell or "")
        except ValueError:
            words = (command.shell or "").split()
    return {int(part) for w in words for part in re.split(r"[=:,/]", w) if part.isdigit() and len(part) <= 5}


def _profiles_finding(name: str, profiles: Sequence[str], origin: Origin) -> Finding:
    first = profiles[0]
    return Finding(
        code="compose-profiles",
        severity=Severity.INFO,
        message=f"compose starts {name} only with a profile: {', '.join(profiles)}",
        origin=origin,
        hint=f"`docker compose --profile {first} up` starts it; plain `docker compose up` leaves it out",
        service=name,
    )


def _env(items: Iterable[EnvVar]) -> tuple[EnvVar, ...]:
    seen: dict[str, EnvVar] = {}
    for e in items:
        seen.setdefault(e.key, e)
    return tuple(seen.values())


def merge_service(
    planned: PlannedService, detections: Sequence[Detection], findings: Sequence[Finding] = ()
) -> Service:
    """One Service from everything discovery and the detectors learned about it."""
    name = planned.name
    compose = planned.compose
    primary = primary_runtime(detections)

    runtimes = _unique(r for d in detections for r in d.runtimes)
    runtimes.sort(key=lambda r: (r.runtime != primary, r.precedence, *_origin_key(r.origin), r.runtime))

    starts: list[StartCommand] = []
    if compose is not None and compose.command is not None:
        starts.append(compose.command)
    starts.extend(s for d in detections for s in d.start_commands)
    starts = _unique(starts)
    starts, tasks = _process_starts(planned, starts)
    starts.sort(key=lambda s: (s.precedence, *_origin_key(s.origin)))

    docker_ports = [p for d in detections if d.detector == "dockerfile" for p in d.ports]
    other_ports = [p for d in detections if d.detector != "dockerfile" for p in d.ports]
    if compose is not None and compose.command is not None and not compose.ports:
        # compose's command replaces the image's CMD (a worker on the web's Dockerfile): what the
        # image exposes, and the port a server it no longer runs would take, are not its own
        named = _numbers_in(compose.command)
        docker_ports = [p for p in docker_ports if p.number in named]
        other_ports = [p for p in other_ports if p.source is None or p.number in named]
    if planned.process is not None and planned.process != "web":
        # a Procfile type other than web (a worker, a clock) listens only where its own command says
        named = _numbers_in(starts[0]) if starts else set()
        docker_ports = [p for p in docker_ports if p.number in named]
        other_ports = [p for p in other_ports if p.number in named]
    if planned.process is not None and starts and process_type(starts[0]) == planned.process:
        # the ports its own command names (``--bind 0.0.0.0:9000``, ``--port 9000``, ``PORT=9000 node ...``)
        other_ports = [*other_ports, *command_ports(starts[0])]
    ports = _ports(compose.ports if compose else (), docker_ports, other_ports)

    lang_runtimes: dict[str, set[str]] = {}
    languages: list[str] = []
    for d in detections:
        rts = {r.runtime for r in d.runtimes} | {p.ecosystem.runtime for p in d.packages}
        for lang in d.languages:
            lang_runtimes.setdefault(lang, set()).update(rts)
            if lang not in languages:
                languages.append(lang)
    if not languages and primary is not None:
        # only a Dockerfile speaks (no manifest a language detector reads): its runtime names the language
        languages = [_LANGUAGES.get(primary, (primary,))[0]]
    if primary is not None:
        primary_langs = set(_LANGUAGES.get(primary, (primary,)))
        languages.sort(key=lambda lang: not (lang in primary_langs or primary in lang_runtimes.get(lang, ())))

    all_findings = list(findings)
    if planned.image_from is None:  # a process on another service's image: that service reports them
        all_findings.extend(f for d in detections for f in d.findings)
        all_findings.extend(_disagreements(runtimes, name))
    if compose is not None and compose.profiles:
        all_findings.append(_profiles_finding(name, compose.profiles, compose.origin))
    all_findings = [dataclasses.replace(f, service=name) if f.service is None else f for f in all_findings]

    files = set(planned.compose_files)
    if planned.dockerfile:
        files.add(planned.dockerfile)
    for d in detections:
        files.update(d.files)

    return Service(
        name=name,
        path=planned.path,
        kind=planned.kind,
        discovered_by=planned.discovered_by,
        languages=tuple(languages),
        frameworks=tuple(_unique(f for d in detections for f in d.frameworks)),
        runtimes=tuple(runtimes),
        packages=tuple(_unique(p for d in detections for p in d.packages)),
        system_packages=tuple(_unique(p for d in detections for p in d.system_packages)),
        ports=ports,
        start_commands=tuple(starts),
        base_images=tuple(_unique(b for d in detections for b in d.base_images)),
        env=_env([*(compose.env if compose else ()), *(e for d in detections for e in d.env)]),
        dockerfile=planned.dockerfile,
        compose=compose,
        image=planned.image,
        members=tuple(sorted({*planned.members, *planned.folded})),
        files=tuple(sorted(files)),
        findings=tuple(_unique(all_findings)),
        detections=tuple(detections),
        process=planned.process,
        image_from=planned.image_from,
        tasks=tuple(tasks),
        workspace=planned.workspace,
        package=planned.package,
        binaries=planned.binaries,
    )


def _process_starts(
    planned: PlannedService, starts: list[StartCommand]
) -> tuple[list[StartCommand], list[StartCommand]]:
    """(start commands, one-off tasks) of a service that runs one Procfile process type: its own type's
    command ranks with a Procfile web (20), another type's belongs to that type's service, a one-off
    type is a task.  A process on another service's image keeps only its own command: the image's
    other starts (its CMD, an inferred server) are the main service's."""
    if planned.process is None and not planned.tasks:
        return starts, []
    kept: list[StartCommand] = []
    tasks: list[StartCommand] = []
    for st in starts:
        kind = process_type(st)
        if kind is None:
            if planned.image_from is None:
                kept.append(st)
        elif kind in planned.tasks:
            tasks.append(st)
        elif kind == planned.process:
            kept.append(dataclasses.replace(st, precedence=min(st.precedence, PRECEDENCE_WEB)))
    return kept, tasks
