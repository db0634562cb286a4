"""Dockerfiles: a parser usable alone and the detector that reads a service's hand-written Dockerfile.

``parse_dockerfile`` turns text into an immutable :class:`Dockerfile` (parser directives, the ARGs before
the first FROM, stages with their instructions and line numbers, heredocs).  It follows BuildKit's
reading rules: the ``# escape=`` directive, line continuations with comment lines dropped inside them,
``<<EOF`` heredocs.  ``analyze_dockerfile`` evaluates it for one build (build args, a target stage) into
facts: base images, the runtime of the final stage, OS packages with their phase, ports, the start
command, ENV keys, USER and WORKDIR.  Nothing here raises for bad input: problems become findings.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from matrixhell.detect.base import DetectContext
from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import (
    BaseImage,
    Detection,
    EnvVar,
    Finding,
    Origin,
    Port,
    RuntimeReq,
    Severity,
    StartCommand,
    SystemPackage,
)

__all__ = [
    "DOCKERFILE_NAMES",
    "Dockerfile",
    "DockerfileDetector",
    "DockerfileFacts",
    "Heredoc",
    "ImageRef",
    "Instruction",
    "Stage",
    "analyze_dockerfile",
    "parse_dockerfile",
    "parse_image_ref",
    "runtime_of_image",
]

#: File names that make a directory's own Dockerfile.
DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")

#: Precedence of the runtime a Dockerfile's FROM names (docs/detection.md ranks every source).
PRECEDENCE_FROM = 10
PRECEDENCE_BUILD_STAGE = 15
#: Precedence of the Dockerfile's start command (compose 10 < Procfile web 20 < Dockerfile 30).
PRECEDENCE_CMD = 30

_KEYWORDS = frozenset(
    {
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "MAINTAINER",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    }
)
_DIRECTIVES = frozenset({"escape", "syntax", "check"})
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
_DEBIAN_NAME = re.compile(r"[a-z0-9][a-z0-9+.\-]+")
_APK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9+._\-]*")
_VERSION_PREFIX = re.compile(r"(\d+(?:\.\d+){0,3})(?![\d])")
_MAX_PORT_RANGE = 1024


# --------------------------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Heredoc:
    name: str
    body: str
    line: int  # line of the first body line
    strip_tabs: bool = False  # <<-EOF


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str  # upper case: RUN, COPY...
    value: str  # the arguments as written, continuation lines joined
    line: int  # first physical line (1-based)
    end_line: int  # last physical line (the heredoc terminator when there is one)
    heredocs: tuple[Heredoc, ...] = ()
    #: (offset in ``value``, physical line) at each joined continuation, to place a token on its line
    line_starts: tuple[tuple[int, int], ...] = ()

    def line_at(self, offset: int) -> int:
        line = self.line
        for start, physical in self.line_starts:
            if start > offset:
                break
            line = physical
        return line


@dataclass(frozen=True, slots=True)
class Stage:
    index: int
    base: str  # the image (or earlier stage) FROM names, as written
    line: int
    name: str | None = None  # FROM ... AS name (lower-cased, as BuildKit matches it)
    platform: str | None = None
    instructions: tuple[Instruction, ...] = ()


@dataclass(frozen=True, slots=True)
class Dockerfile:
    path: str
    stages: tuple[Stage, ...]
    preamble: tuple[Instruction, ...] = ()  # the ARG instructions before the first FROM
    directives: tuple[tuple[str, str], ...] = ()
    escape: str = "\\"
    findings: tuple[Finding, ...] = ()

    def stage(self, name: str) -> Stage | None:
        """The stage called ``name`` (case-insensitive), or the one with that index."""
        wanted = name.lower()
        for s in self.stages:
            if s.name == wanted:
                return s
        if wanted.isdigit() and int(wanted) < len(self.stages):
            return self.stages[int(wanted)]
        return None


@dataclass(frozen=True, slots=True)
class ImageRef:
    """``registry/repo:tag@digest`` split up; Docker Hub's ``docker.io/library/`` prefix removed."""

    repository: str
    tag: str | None = None
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class DockerfileFacts:
    """What one build of a Dockerfile (build args, target) tells about the image it makes."""

    final_stage: int | None
    base_images: tuple[BaseImage, ...] = ()
    runtimes: tuple[RuntimeReq, ...] = ()
    system_packages: tuple[SystemPackage, ...] = ()
    ports: tuple[Port, ...] = ()
    start_commands: tuple[StartCommand, ...] = ()
    env: tuple[EnvVar, ...] = ()
    user: str | None = None
    workdir: str | None = None
    findings: tuple[Finding, ...] = ()


# --------------------------------------------------------------------------------------------- parser


def _finding(
    code: str, message: str, origin: Origin, *, severity: Severity = Severity.WARNING, hint: str | None = None
) -> Finding:
    return Finding(code=code, severity=severity, message=message, origin=origin, hint=hint)


def _read_directives(lines: list[str], path: str) -> tuple[int, list[tuple[str, str]], str, list[Finding]]:
    """Parser directives: ``# key=value`` comment lines at the very top, before anything else."""
    directives: list[tuple[str, str]] = []
    findings: list[Finding] = []
    escape = "\\"
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if not text.startswith("#"):
            break
        key, eq, value = text[1:].strip().partition("=")
        key = key.strip().lower()
        if not eq or key not in _DIRECTIVES:
            break
        value = value.strip()
        if key == "escape":
            if value in ("\\", "`"):
                escape = value
            else:
                findings.append(
                    _finding(
                        "dockerfile-syntax",
                        f"invalid escape directive {value!r}",
                        Origin(path, i + 1),
                        hint="use # escape=\\ or # escape=`",
                    )
                )
        directives.append((key, value))
        i += 1
    return i, directives, escape, findings


def _split_keyword(logical: str) -> tuple[str, str]:
    text = logical.strip()
    for j, ch in enumerate(text):
        if ch.isspace():
            return text[:j], text[j:].strip()
    return text, ""


def _iter_instructions(
    lines: list[str], start: int, escape: str, path: str, findings: list[Finding]
) -> Iterator[Instruction]:
    n = len(lines)
    i = start
    while i < n:
        text = lines[i].strip()
        if not text or text.startswith("#"):
            i += 1
            continue
        first = i
        value_parts: list[str] = []
        line_starts: list[tuple[int, int]] = []
        offset = 0
        current = lines[i]
        while True:
            stripped = current.rstrip()
            if stripped.endswith(escape):
                piece = stripped[: -len(escape)]
                value_parts.append(piece)
                offset += len(piece)
                i += 1
                # comment lines (and blank ones) inside a continuation are dropped, as BuildKit does
                while i < n and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
                    i += 1
                if i >= n:
                    findings.append(
                        _finding(
                            "dockerfile-syntax",
                            "line continuation at the end of the file",
                            Origin(path, first + 1),
                        )
                    )
                    break
                line_starts.append((offset, i + 1))
                current = lines[i]
                continue
            value_parts.append(current)
            break
        i += 1
        logical = "".join(value_parts)
        keyword, value = _split_keyword(logical)
        # offsets were counted on the raw line; shift them to the stripped value
        shift = logical.find(value) if value else 0
        starts = tuple((max(0, o - shift), ln) for o, ln in line_starts)
        upper = keyword.upper()
        heredocs: list[Heredoc] = []
        if upper in ("RUN", "COPY", "ADD") and "<<" in value:
            for match in _HEREDOC.finditer(value):
                strip_tabs, name = match.group(1) == "-", match.group(3)
                body_start = i
                body: list[str] = []
                while i < n:
                    candidate = lines[i].lstrip("\t") if strip_tabs else lines[i]
                    if candidate.rstrip("\r") == name:
                        break
                    body.append(candidate)
                    i += 1
                if i >= n:
                    findings.append(
                        _finding(
                            "dockerfile-syntax",
                            f"heredoc <<{name} is never closed",
                            Origin(path, first + 1),
                            hint=f"end it with a line {name}",
                        )
                    )
                else:
                    i += 1
                heredocs.append(Heredoc(name, "\n".join(body), body_start + 1, strip_tabs))
        yield Instruction(upper, value, first + 1, max(first + 1, i), tuple(heredocs), starts)


def parse_dockerfile(text: str, path: str = "Dockerfile") -> Dockerfile:
    """Parse a Dockerfile.  Never raises: syntax problems are in ``Dockerfile.findings``."""
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]
    start, directives, escape, findings = _read_directives(lines, path)
    preamble: list[Instruction] = []
    stages: list[Stage] = []
    current: Stage | None = None
    body: list[Instruction] = []
    for ins in _iter_instructions(lines, start, escape, path, findings):
        origin = Origin(path, ins.line)
        if ins.keyword not in _KEYWORDS:
            findings.append(
                _finding(
                    "dockerfile-syntax",
                    f"unknown instruction {ins.keyword!r}",
                    origin,
                    hint="check the spelling; see the Dockerfile reference",
                )
            )
            continue
        if ins.keyword == "FROM":
            if current is not None:
                stages.append(_with_body(current, body))
            body = []
            current = _parse_from(ins, len(stages), path, findings)
            continue
        if current is None:
            if ins.keyword == "ARG":
                preamble.append(ins)
            else:
                findings.append(
                    _finding(
                        "dockerfile-syntax",
                        f"{ins.keyword} before the first FROM",
                        origin,
                        severity=Severity.ERROR,
                        hint="only ARG may come before FROM",
                    )
                )
            continue
        body.append(ins)
    if current is not None:
        stages.append(_with_body(current, body))
    elif not findings or all(f.code != "dockerfile-syntax" or f.severity is not Severity.ERROR for f in findings):
        findings.append(
            _finding(
                "dockerfile-no-from",
                "has no FROM instruction",
                Origin(path, 1),
                severity=Severity.ERROR,
                hint="a Dockerfile starts its first stage with FROM",
            )
        )
    return Dockerfile(path, tuple(stages), tuple(preamble), tuple(directives), escape, tuple(findings))


def _with_body(stage: Stage, body: list[Instruction]) -> Stage:
    return Stage(stage.index, stage.base, stage.line, stage.name, stage.platform, tuple(body))


def _parse_from(ins: Instruction, index: int, path: str, findings: list[Finding]) -> Stage:
    words = ins.value.split()
    platform: str | None = None
    rest: list[str] = []
    for w in words:
        if w.startswith("--") and not rest:
            key, _, val = w[2:].partition("=")
            if key == "platform":
                platform = val
            else:
                findings.append(_finding("dockerfile-syntax", f"unknown FROM flag --{key}", Origin(path, ins.line)))
            continue
        rest.append(w)
    name: str | None = None
    if not rest:
        findings.append(
            _finding(
                "dockerfile-syntax",
                "FROM names no image",
                Origin(path, ins.line),
                severity=Severity.ERROR,
                hint="write FROM image[:tag] [AS name]",
            )
        )
        return Stage(index, "scratch", ins.line, None, platform)
    if len(rest) == 3 and rest[1].lower() == "as":
        name = rest[2].lower()
    elif len(rest) != 1:
        findings.append(
            _finding(
                "dockerfile-syntax",
                f"cannot read FROM {ins.value!r}",
                Origin(path, ins.line),
                hint="write FROM image[:tag] [AS name]",
            )
        )
    return Stage(index, rest[0], ins.line, name, platform)


# --------------------------------------------------------------------------------------------- images


def parse_image_ref(reference: str) -> ImageRef:
    """Split an image reference; ``docker.io/library/python:3.11@sha256:..`` -> python, 3.11, sha256:.."""
    ref = reference.strip()
    digest: str | None = None
    if "@" in ref:
        ref, _, digest = ref.partition("@")
    tag: str | None = None
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        ref, tag = ref[:colon], ref[colon + 1 :]
    repo = ref.lower()
    for prefix in ("docker.io/library/", "index.docker.io/library/", "registry-1.docker.io/library/"):
        if repo.startswith(prefix):
            repo = repo[len(prefix) :]
            break
    else:
        for prefix in ("docker.io/", "index.docker.io/", "library/"):
            if repo.startswith(prefix):
                repo = repo[len(prefix) :]
                break
    return ImageRef(repo, tag or None, digest or None)


#: image repository -> runtime it ships
_RUNTIME_IMAGES = {
    "python": "python",
    "node": "node",
    "golang": "go",
    "ruby": "ruby",
    "php": "php",
    "rust": "rust",
    "eclipse-temurin": "java",
    "openjdk": "java",
    "amazoncorretto": "java",
    "ibm-semeru-runtimes": "java",
}
_DOTNET_PREFIX = "mcr.microsoft.com/dotnet/"


def runtime_of_image(ref: ImageRef) -> tuple[str, str, str] | None:
    """(runtime, PEP 440 spec, version text) for a runtime image with a versioned tag, else None."""
    runtime = _RUNTIME_IMAGES.get(ref.repository)
    if runtime is None and ref.repository.startswith(_DOTNET_PREFIX):
        runtime = "dotnet"
    if runtime is None or not ref.tag:
        return None
    tag = ref.tag
    if runtime == "java" and tag.startswith("jdk-"):  # openjdk's jdk-17 style
        tag = tag[4:]
    m = _VERSION_PREFIX.match(tag)
    if not m:
        return None
    version = m.group(1)
    if runtime == "java" and "." in version and version.startswith("1."):  # openjdk:1.8 / 8
        version = version[2:]
    parts = version.split(".")
    if runtime == "java" and len(parts) > 1:  # temurin 17.0.9_9: the feature release is what matters
        spec = f"=={parts[0]}.*" if len(parts) == 1 else f"=={version}"
    elif len(parts) >= 3:
        spec = f"=={version}"
    else:
        spec = f"=={version}.*"
    return runtime, spec, version


# --------------------------------------------------------------------------------------------- evaluation


def _substitute(text: str, scope: Mapping[str, str]) -> str:
    """Dockerfile variable substitution: $VAR ${VAR} ${VAR:-d} ${VAR-d} ${VAR:+a} ${VAR+a}."""

    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3) or ""
        value = scope.get(name)
        if op is None:
            return value if value is not None else ""
        if op == ":-":
            return value if value else arg
        if op == "-":
            return value if value is not None else arg
        if op == ":+":
            return arg if value else ""
        if op == "+":
            return arg if value is not None else ""
        return value if value is not None else ""  # :? and ? : BuildKit errors; we keep going

    if "$" not in text:
        return text
    return _VAR.sub(repl, text)


def _arg_decls(value: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    try:
        words = shlex.split(value)
    except ValueError:
        words = value.split()
    for w in words:
        name, eq, default = w.partition("=")
        out.append((name, default if eq else None))
    return out


def _env_pairs(value: str) -> list[tuple[str, str]] | None:
    try:
        words = shlex.split(value)
    except ValueError:
        return None
    if not words:
        return []
    if "=" not in words[0]:  # legacy form: ENV KEY value with spaces
        return [(words[0], " ".join(words[1:]))]
    pairs = []
    for w in words:
        key, eq, val = w.partition("=")
        if not eq:
            return None
        pairs.append((key, val))
    return pairs


def analyze_dockerfile(
    df: Dockerfile, *, target: str | None = None, build_args: Mapping[str, str] | None = None
) -> DockerfileFacts:
    """Evaluate one build of ``df``: ``target`` names the final stage (default: the last one)."""
    path = df.path
    findings: list[Finding] = []
    args = dict(build_args or {})
    if not df.stages:
        return DockerfileFacts(None, findings=())

    global_scope: dict[str, str] = {}
    declared_global: set[str] = set()
    for ins in df.preamble:
        for name, default in _arg_decls(ins.value):
            declared_global.add(name)
            if name in args:
                global_scope[name] = args[name]
            elif default is not None:
                global_scope[name] = _substitute(default, global_scope)

    # which stage ends the image
    final = df.stages[-1]
    if target:
        chosen = df.stage(target)
        if chosen is None:
            findings.append(
                _finding(
                    "dockerfile-target-missing",
                    f"has no stage named {target!r}",
                    Origin(path),
                    severity=Severity.ERROR,
                    hint="fix the compose build target or name the stage with FROM ... AS",
                )
            )
        else:
            final = chosen

    # resolve each stage's base: an image, or an earlier stage
    parent: dict[int, int] = {}
    refs: dict[int, str] = {}
    by_name: dict[str, int] = {}
    for st in df.stages:
        ref = _substitute(st.base, global_scope)
        if "$" in st.base and not ref:
            findings.append(
                _finding(
                    "dockerfile-unresolved-arg",
                    f"FROM {st.base} resolves to nothing",
                    Origin(path, st.line),
                    hint="give the ARG a default before FROM",
                )
            )
        refs[st.index] = ref
        if ref.lower() in by_name:
            parent[st.index] = by_name[ref.lower()]
        if st.name:
            by_name[st.name] = st.index

    chain: list[int] = []
    cursor: int | None = final.index
    while cursor is not None and cursor not in chain:
        chain.append(cursor)
        cursor = parent.get(cursor)
    chain.reverse()  # root first
    in_final = set(chain)
    root_index = chain[0]

    base_images: list[BaseImage] = []
    for st in df.stages:
        if st.index in parent:
            continue
        ref = refs[st.index]
        image = parse_image_ref(ref) if ref else ImageRef("")
        base_images.append(
            BaseImage(
                reference=ref,
                origin=Origin(path, st.line),
                repository=image.repository,
                tag=image.tag,
                digest=image.digest,
                stage=st.name,
                final=st.index == root_index,
            )
        )

    runtimes: list[RuntimeReq] = []
    root_ref = parse_image_ref(refs[root_index]) if refs[root_index] else None
    found = runtime_of_image(root_ref) if root_ref else None
    if found:
        runtime, spec, _ = found
        runtimes.append(
            RuntimeReq(
                runtime,
                spec,
                refs[root_index],
                "dockerfile-from",
                Origin(path, df.stages[root_index].line),
                PRECEDENCE_FROM,
            )
        )
    else:
        # a compiled service (Go, Rust, Java, .NET) often ends on a bare image: the build stage's
        # toolchain is then the runtime word the Dockerfile gives
        for st in reversed(df.stages):
            if st.index in parent or st.index in in_final:
                continue
            stage_ref = parse_image_ref(refs[st.index]) if refs[st.index] else None
            hit = runtime_of_image(stage_ref) if stage_ref else None
            if hit:
                runtimes.append(
                    RuntimeReq(
                        hit[0],
                        hit[1],
                        refs[st.index],
                        "dockerfile-build-stage",
                        Origin(path, st.line),
                        PRECEDENCE_BUILD_STAGE,
                    )
                )
                break

    packages: list[SystemPackage] = []
    ports: list[Port] = []
    env: list[EnvVar] = []
    cmd: tuple[Instruction, list[str] | str] | None = None
    entrypoint: tuple[Instruction, list[str] | str] | None = None
    user: str | None = None
    workdir: str | None = None

    states: dict[int, dict[str, str]] = {}
    rpm_final = False  # the final image installs with an RPM manager (said once)
    for st in df.stages:
        scope = dict(states.get(parent[st.index], {})) if st.index in parent else {}
        final_chain = st.index in in_final
        for ins in st.instructions:
            origin = Origin(path, ins.line)
            kw = ins.keyword
            if kw == "ARG":
                for name, default in _arg_decls(ins.value):
                    if name in args:
                        scope[name] = args[name]
                    elif default is not None:
                        scope[name] = _substitute(default, scope)
                    elif name in global_scope:
                        scope[name] = global_scope[name]
            elif kw == "ENV":
                pairs = _env_pairs(ins.value)
                if pairs is None:
                    findings.append(_finding("dockerfile-syntax", f"cannot read ENV {ins.value!r}", origin))
                    continue
                for key, val in pairs:
                    scope[key] = _substitute(val, scope)
                    if final_chain:
                        env.append(EnvVar(key, origin))
            elif kw == "RUN":
                found_pkgs = _run_packages(ins, scope, path, st, final_chain, findings)
                packages.extend(found_pkgs)
                rpm = next((p for p in found_pkgs if _family(p.manager) == "rpm"), None)
                if final_chain and rpm is not None and not rpm_final:
                    rpm_final = True
                    findings.append(_rpm_final_finding(rpm))
            elif not final_chain:
                continue
            elif kw == "EXPOSE":
                ports.extend(_expose(ins, scope, path, findings))
            elif kw == "CMD":
                cmd = (ins, _command_form(ins.value))
            elif kw == "ENTRYPOINT":
                entrypoint = (ins, _command_form(ins.value))
                cmd = None  # an ENTRYPOINT resets the CMD inherited so far
            elif kw == "USER":
                user = _substitute(ins.value, scope).strip() or None
            elif kw == "WORKDIR":
                value = _substitute(ins.value, scope).strip()
                workdir = posixpath.normpath(posixpath.join(workdir or "/", value)) if value else workdir
        states[st.index] = scope

    packages = _mark_removed(packages)
    return DockerfileFacts(
        final_stage=final.index,
        base_images=tuple(base_images),
        runtimes=tuple(runtimes),
        system_packages=tuple(packages),
        ports=tuple(ports),
        start_commands=_start(cmd, entrypoint, path),
        env=tuple(env),
        user=user,
        workdir=workdir,
        findings=tuple(findings),
    )


def _command_form(value: str) -> list[str] | str:
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text  # BuildKit runs invalid JSON as shell form
        if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
            return parsed
    return text


def _start(
    cmd: tuple[Instruction, list[str] | str] | None,
    entrypoint: tuple[Instruction, list[str] | str] | None,
    path: str,
) -> tuple[StartCommand, ...]:
    if entrypoint is not None:
        ins, form = entrypoint
        origin = Origin(path, ins.line)
        if isinstance(form, list):
            argv = list(form)
            if cmd is not None and isinstance(cmd[1], list):
                argv.extend(cmd[1])
            elif cmd is not None and isinstance(cmd[1], str):
                argv.extend(["/bin/sh", "-c", cmd[1]])
            return (StartCommand(origin, "dockerfile-entrypoint", argv=tuple(argv), precedence=PRECEDENCE_CMD),)
        return (StartCommand(origin, "dockerfile-entrypoint", shell=form, precedence=PRECEDENCE_CMD),)
    if cmd is not None:
        ins, form = cmd
        origin = Origin(path, ins.line)
        if isinstance(form, list):
            return (StartCommand(origin, "dockerfile-cmd", argv=tuple(form), precedence=PRECEDENCE_CMD),)
        return (StartCommand(origin, "dockerfile-cmd", shell=form, precedence=PRECEDENCE_CMD),)
    return ()


def _expose(ins: Instruction, scope: Mapping[str, str], path: str, findings: list[Finding]) -> list[Port]:
    out: list[Port] = []
    origin = Origin(path, ins.line)
    for word in _substitute(ins.value, scope).split():
        spec, _, proto = word.partition("/")
        proto = (proto or "tcp").lower()
        lo_text, dash, hi_text = spec.partition("-")
        if not (lo_text.isdigit() and (not dash or hi_text.isdigit())) or proto not in ("tcp", "udp", "sctp"):
            findings.append(
                _finding(
                    "dockerfile-bad-port",
                    f"EXPOSE {word!r} is not a port",
                    origin,
                    hint="write EXPOSE 8000, 8000/udp or 8000-8010",
                )
            )
            continue
        lo = int(lo_text)
        hi = int(hi_text) if dash else lo
        if not (0 < lo <= hi <= 65535) or hi - lo >= _MAX_PORT_RANGE:
            findings.append(_finding("dockerfile-bad-port", f"EXPOSE {word!r} is out of range", origin))
            continue
        out.extend(Port(p, proto, origin) for p in range(lo, hi + 1))
    return out


# --------------------------------------------------------------------------------------------- RUN


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    line: int


_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", ";;", "|&", "\n"})
_REDIRECTS = frozenset({">", ">>", "<", "<<", ">&", "<&", "&>", ">|", "<>", "&>>"})
_RESERVED = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "!", "{", "}", "case", "esac"}
)
_WRAPPERS = frozenset({"sudo", "env", "nice", "time", "command", "exec", "nohup", "eatmydata", "xargs"})
_APT_ARG_OPTS = frozenset({"-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release"})
_APK_ARG_OPTS = frozenset(
    {
        "-t",
        "--virtual",
        "-X",
        "--repository",
        "-p",
        "--root",
        "--arch",
        "--cache-dir",
        "--keys-dir",
        "--repositories-file",
    }
)


def _tokenize(text: str, line_of: Callable[[int], int]) -> list[_Token]:
    """Shell words and operators, each with its physical line; quoting as POSIX sh reads it."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    out: list[_Token] = []
    cursor = 0
    try:
        for word in lexer:
            pos = text.find(word, cursor)
            if pos >= 0:
                cursor = pos + len(word)
            out.append(_Token(word, line_of(max(pos, cursor - 1))))
    except ValueError:  # unbalanced quotes: read what we can
        pass
    return out


def _expand(tokens: list[_Token], scope: Mapping[str, str]) -> list[_Token]:
    """Known ARG/ENV values fill $VAR words (the shell sees them as environment variables)."""
    out: list[_Token] = []
    for tok in tokens:
        if "$" in tok.text and not tok.text.endswith("$(") and tok.text != "$":
            out.extend(_Token(w, tok.line) for w in _substitute(tok.text, scope).split())
        else:
            out.append(tok)
    return out


def _commands(tokens: list[_Token]) -> Iterator[list[_Token]]:
    """Simple commands: split on operators, drop redirections and $( ... ) substitutions."""
    current: list[_Token] = []
    depth = 0  # inside $( ... )
    dollar = False
    in_tick = False  # inside `...`
    skip_next = False
    for tok in tokens:
        t = tok.text
        if in_tick:
            in_tick = t.count("`") % 2 == 0
            continue
        if dollar:
            dollar = False
            if t.startswith("("):
                depth += t.count("(") - t.count(")")
                continue
        if depth:
            depth += t.count("(") - t.count(")") if set(t) <= set("()") else 0
            continue
        if t.endswith("$"):
            dollar = True
            continue
        if t.startswith("`"):
            in_tick = t.count("`") % 2 == 1
            continue
        if skip_next:
            skip_next = False
            continue
        if t in _REDIRECTS or (t and t[0] in "<>"):
            if current and current[-1].text.isdigit():
                current.pop()  # the fd number of 2>/dev/null
            skip_next = t in _REDIRECTS
            continue
        if t in _SEPARATORS or (not current and t in _RESERVED):
            if current:
                yield current
            current = []
            continue
        current.append(tok)
    if current:
        yield current


def _strip_prefix(cmd: list[_Token]) -> list[_Token]:
    """Drop VAR=value assignments and wrappers (sudo, env, xargs) in front of the real command."""
    i = 0
    while i < len(cmd):
        t = cmd[i].text
        name = t.rsplit("/", 1)[-1]
        if "=" in t and not t.startswith("-") and t.split("=", 1)[0].replace("_", "a").isalnum():
            i += 1
        elif name in _WRAPPERS:
            i += 1
            while i < len(cmd) and cmd[i].text.startswith("-"):
                i += 1
        else:
            break
    return cmd[i:]


@dataclass(frozen=True, slots=True)
class _PkgOp:
    manager: str
    op: str  # install | remove | autoremove | mark-auto | mark-manual
    names: tuple[_Token, ...]
    virtual: str | None = None
    groups: tuple[_Token, ...] = ()  # RPM groups, modules and zypper patterns an install names


def _package_ops(cmd: list[_Token]) -> _PkgOp | None:
    cmd = _strip_prefix(cmd)
    if not cmd:
        return None
    prog = cmd[0].text.rsplit("/", 1)[-1]
    if prog in ("apt-get", "apt", "aptitude"):
        return _apt_op(cmd[1:])
    if prog == "apt-mark":
        words = [w for w in cmd[1:] if not w.text.startswith("-")]
        if words and words[0].text in ("auto", "manual"):
            return _PkgOp("apt", f"mark-{words[0].text}", tuple(words[1:]))
        return None
    if prog == "apk":
        return _apk_op(cmd[1:])
    if prog in _RPM_MANAGERS:
        manager = _RPM_MANAGERS[prog]
        return _zypper_op(cmd[1:]) if manager == "zypper" else _dnf_op(manager, cmd[1:])
    if prog == "rpm":
        return _rpm_erase(cmd[1:])
    return None


def _apt_op(words: list[_Token]) -> _PkgOp | None:
    sub: str | None = None
    names: list[_Token] = []
    auto_remove = False
    i = 0
    while i < len(words):
        t = words[i].text
        if t.startswith("-"):
            if t in _APT_ARG_OPTS:
                i += 1
            auto_remove = auto_remove or t in ("--auto-remove", "--autoremove")
        elif sub is None:
            sub = t
        else:
            names.append(words[i])
        i += 1
    if sub == "install":
        op = "install"
    elif sub in ("purge", "remove", "autoremove"):
        op = "autoremove" if auto_remove or sub == "autoremove" else "remove"
    else:
        return None
    out = []
    for tok in names:
        name = re.split(r"[=/]", tok.text, maxsplit=1)[0]
        name = name.split(":", 1)[0]
        if _DEBIAN_NAME.fullmatch(name):
            out.append(_Token(name, tok.line))
    return _PkgOp("apt", op, tuple(out))


def _sub_and_operands(
    words: list[_Token], arg_opts: frozenset[str] | set[str], kept: tuple[str, ...]
) -> tuple[str | None, list[_Token], str | None]:
    """``tool [options] SUB OPERAND...`` read as (SUB, the operands, the value of the option in ``kept``);
    an option of ``arg_opts`` written without ``=`` takes the next word as its value."""
    sub: str | None = None
    value: str | None = None
    names: list[_Token] = []
    i = 0
    while i < len(words):
        t = words[i].text
        if t.startswith("-"):
            key, eq, val = t.partition("=")
            if key in kept:
                if eq:
                    value = val
                elif i + 1 < len(words):
                    value = words[i + 1].text
                    i += 1
            elif key in arg_opts and not eq:
                i += 1
        elif sub is None:
            sub = t
        else:
            names.append(words[i])
        i += 1
    return sub, names, value


def _apk_op(words: list[_Token]) -> _PkgOp | None:
    sub, names, virtual = _sub_and_operands(words, _APK_ARG_OPTS, ("-t", "--virtual"))
    if sub not in ("add", "del"):
        return None
    out = []
    for tok in names:
        name = re.split(r"[=<>~@]", tok.text, maxsplit=1)[0]
        if name == virtual:
            continue
        if _APK_NAME.fullmatch(name) or (sub == "del" and name.startswith(".")):
            out.append(_Token(name, tok.line))
    return _PkgOp("apk", "install" if sub == "add" else "remove", tuple(out), virtual)


#: RPM package managers by program name -> the ``manager`` their packages carry
_RPM_MANAGERS = {"dnf": "dnf", "dnf5": "dnf", "yum": "yum", "microdnf": "microdnf", "zypper": "zypper"}
_DNF_ARG_OPTS = frozenset(
    {
        "--setopt", "--enablerepo", "--disablerepo", "--repo", "--repoid", "--releasever", "--installroot",
        "-c", "--config", "-x", "--exclude", "--forcearch", "--repofrompath", "--disableplugin",
        "--enableplugin", "-d", "--debuglevel", "-e", "--errorlevel", "--rpmverbosity", "--destdir",
        "--downloaddir", "--color", "--comment", "--advisory", "--platform", "--use-host-config",
    }
)  # fmt: skip
_ZYPPER_ARG_OPTS = frozenset(
    {
        "-t", "--type", "-r", "--repo", "--from", "-c", "--config", "-R", "--root", "--reposd-dir",
        "--cache-dir", "--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir", "-p", "--plus-repo",
        "--releasever", "--installroot", "--download",
    }
)  # fmt: skip
_RPM_ARCH = re.compile(r"\.(?:x86_64|aarch64|i686|i386|noarch|ppc64le|s390x|armv7hl|src)$")
#: ``nginx-1.20.1``, ``pkg-2:1.2-3.el9``: a trailing dotted version (and release) after the name
_RPM_VERSION = re.compile(r"-(?:\d+:)?\d+(?:\.[A-Za-z0-9~^+_]+)+(?:-[A-Za-z0-9.~^+_]+)?$")


def _rpm_name(text: str) -> str | None:
    """The package name an RPM install argument names, or None for a file, URL, capability or glob."""
    if "/" in text or text.endswith(".rpm") or any(c in text for c in "*?[()$"):
        return None
    name = re.split(r"[<>=\s]", text, maxsplit=1)[0]
    name = _RPM_VERSION.sub("", _RPM_ARCH.sub("", name))
    return name if _APK_NAME.fullmatch(name) else None


def _rpm_names(words: list[_Token], op: str, manager: str, groups: list[_Token]) -> _PkgOp:
    out: list[_Token] = []
    for tok in words:
        if tok.text.startswith("@") or tok.text.startswith("pattern:"):
            groups.append(tok)
            continue
        name = _rpm_name(tok.text)
        if name is not None:
            out.append(_Token(name, tok.line))
    if op != "install":
        groups = []
    return _PkgOp(manager, op, tuple(out), groups=tuple(groups))


def _dnf_op(manager: str, words: list[_Token]) -> _PkgOp | None:
    """``dnf|yum|microdnf [options] install|remove|autoremove|groupinstall|group install|module install``."""
    sub: list[str] = []
    names: list[_Token] = []
    i = 0
    while i < len(words):
        t = words[i].text
        if t.startswith("-"):
            key, eq, _ = t.partition("=")
            if key in _DNF_ARG_OPTS and not eq:
                i += 1
        elif not sub or (sub[0] in ("group", "groups", "module") and len(sub) == 1):
            sub.append(t)
        else:
            names.append(words[i])
        i += 1
    if not sub:
        return None
    head = sub[0]
    if head in ("install", "in", "reinstall"):
        return _rpm_names(names, "install", manager, [])
    if head in ("remove", "erase", "rm", "autoremove", "groupremove", "groupdelete"):
        return _rpm_names(names if not head.startswith("group") else [], "remove", manager, [])
    if head == "groupinstall" or (len(sub) == 2 and sub[1] == "install" and head in ("group", "groups")):
        return _PkgOp(manager, "install", (), groups=tuple(names))
    if head == "module" and len(sub) == 2 and sub[1] == "install":
        return _PkgOp(manager, "install", (), groups=tuple(_Token("@" + n.text, n.line) for n in names))
    return None


def _zypper_op(words: list[_Token]) -> _PkgOp | None:
    """``zypper [global options] install|in [-t pattern] ...`` and ``remove|rm``."""
    sub, names, given = _sub_and_operands(words, _ZYPPER_ARG_OPTS, ("-t", "--type"))
    kind = given or "package"
    if sub in ("install", "in"):
        if kind != "package":
            return _PkgOp("zypper", "install", (), groups=tuple(_Token(f"{kind}:{n.text}", n.line) for n in names))
        return _rpm_names(names, "install", "zypper", [])
    if sub in ("remove", "rm"):
        return _rpm_names(names if kind == "package" else [], "remove", "zypper", [])
    return None


def _rpm_erase(words: list[_Token]) -> _PkgOp | None:
    """``rpm -e NAME...`` (``--erase``, ``-ev --nodeps``): a removal, whichever front end installed it."""
    flags = [w.text for w in words if w.text.startswith("-")]
    if not any(f == "--erase" or (not f.startswith("--") and "e" in f[1:]) for f in flags):
        return None
    return _rpm_names([w for w in words if not w.text.startswith("-")], "remove", "rpm", [])


def _family(manager: str) -> str:
    """Managers sharing one package database: every RPM front end removes what another installed."""
    return manager if manager in ("apt", "apk") else "rpm"


_REMOVED = "removed in the same RUN"
_KEPT = "kept in the final image"

# Compilers and toolchains: a build needs them (node-gyp, C extensions); what runs the result does not,
# even when a single-stage Dockerfile leaves them in the image.
_BUILD_TOOLS = frozenset(
    {
        "build-essential", "build-base", "gcc", "g++", "c++", "clang", "make", "cmake", "autoconf",
        "automake", "libtool", "pkg-config", "pkgconf", "pkgconfig", "musl-dev", "libc6-dev", "libc-dev",
        "linux-headers", "python3", "python3-dev", "python-dev", "binutils", "gcc-c++", "kernel-headers",
        "redhat-rpm-config", "pkgconf-pkg-config", "rpm-build",
    }
)  # fmt: skip


def _is_build_tool(name: str) -> bool:
    """A compiler, a build helper or a headers package (``-dev`` on Debian and Alpine, ``-devel`` on RPM)."""
    versioned_compiler = re.fullmatch(r"g(cc|\+\+)-\d+", name) is not None
    return name in _BUILD_TOOLS or name.endswith(("-dev", "-devel")) or versioned_compiler


def _run_packages(
    ins: Instruction,
    scope: Mapping[str, str],
    path: str,
    stage: Stage,
    final_chain: bool,
    findings: list[Finding] | None = None,
) -> list[SystemPackage]:
    """OS packages one RUN installs; those it removes again are build-phase."""
    value = ins.value
    while value.startswith("--"):  # RUN --mount=... --network=...
        _, _, value = value.partition(" ")
        value = value.lstrip()
    scripts: list[tuple[str, Callable[[int], int]]] = []

    def heredoc_lines(doc: Heredoc, body: str) -> Callable[[int], int]:
        return lambda offset: doc.line + body.count("\n", 0, offset)

    text = value.strip()
    if ins.heredocs:
        for doc in ins.heredocs:
            body = re.sub(r"\\\n", " ", doc.body) if "\\\n" in doc.body else doc.body

            scripts.append((body.replace("\n", " ; "), heredoc_lines(doc, body)))
    elif text.startswith("["):
        form = _command_form(text)
        if isinstance(form, list):
            text = shlex.join(form)
        scripts.append((text, lambda offset: ins.line))
    else:
        shift = ins.value.find(text) if text else 0
        scripts.append((text, lambda offset: ins.line_at(offset + shift)))

    phase = "run" if final_chain else "build"
    stage_label = stage.name or f"#{stage.index}"
    installed: list[tuple[str, str, int, str | None]] = []  # manager, name, line, virtual
    removed: set[tuple[str, str]] = set()
    # the official images' pattern: `apt-mark auto '.*'`, `apt-mark manual <kept>`, then
    # `apt-get purge --auto-remove`: every package installed before it, bar the kept ones, goes again
    auto_marked: set[str] | None = None  # None: no apt-mark auto yet; "*" in it: every package
    manual: set[str] = set()
    auto_removed: set[str] = set()
    for script, line_of in scripts:
        for cmd in _commands(_expand(_tokenize(script, line_of), scope)):
            op = _package_ops(cmd)
            if op is None:
                continue
            if op.op == "mark-auto":
                auto_marked = auto_marked or set()
                for tok in op.names:
                    auto_marked.add("*" if any(c in tok.text for c in "*?[") else tok.text)
                continue
            if op.op == "mark-manual":
                manual.update(tok.text for tok in op.names)
                continue
            if op.op == "autoremove" and auto_marked is not None:
                everything = "*" in auto_marked
                auto_removed.update(
                    n for m, n, _, _ in installed if m == "apt" and (everything or n in auto_marked) and n not in manual
                )
            for tok in op.names:
                if op.op == "install":
                    installed.append((op.manager, tok.text, tok.line, op.virtual))
                else:
                    removed.add((_family(op.manager), tok.text))
            if op.groups and findings is not None:
                findings.append(_group_finding(op, path, stage_label))
    out: list[SystemPackage] = []
    for manager, name, line, virtual in installed:
        gone = (
            (_family(manager), name) in removed
            or (virtual is not None and (manager, virtual) in removed)
            or (manager == "apt" and name in auto_removed)
        )
        tool = final_chain and not gone and _is_build_tool(name)
        reason = (
            f"installed by the Dockerfile in stage {stage_label}"
            + ("; " + _REMOVED if gone else "")
            + ("" if final_chain else " (a build stage)")
            + (f", {_KEPT} (a build tool)" if tool else "")
        )
        out.append(SystemPackage(name, manager, "build" if gone or tool else phase, Origin(path, line), reason))
    return out


def _rpm_final_finding(first: SystemPackage) -> Finding:
    """The image the service runs is RPM-based: no release of the distro catalog (Debian, Ubuntu,
    Alpine) installs these names, so the plan's base and the generated Dockerfile cannot keep them."""
    return _finding(
        "dockerfile-rpm-final-image",
        f"the final image installs OS packages with {first.manager} ({first.name}...): an RPM-based distro, "
        "which the distro catalog does not know; the plan chooses a Debian, Ubuntu or Alpine base and its "
        "own packages, and these are not carried over",
        first.origin,
        severity=Severity.INFO,
        hint="matrixhell plans Debian, Ubuntu and Alpine images: to build on the plan's base, install with apt-get "
        "or apk",
    )


def _group_finding(op: _PkgOp, path: str, stage_label: str) -> Finding:
    """A group, module or pattern install: the packages it brings are not written in the Dockerfile."""
    what = ", ".join(t.text for t in op.groups)
    return _finding(
        "dockerfile-package-group",
        f"stage {stage_label} installs {what} with {op.manager}: the packages of a group, module or pattern "
        "are not listed, so the scan does not count them",
        Origin(path, op.groups[0].line),
        severity=Severity.INFO,
        hint="name the packages the build needs (gcc, make, ...) to have them in the scan",
    )


def _mark_removed(packages: list[SystemPackage]) -> list[SystemPackage]:
    """One entry per (manager, name, phase); the first origin is kept."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for p in packages:
        key = (p.manager, p.name, p.phase)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# --------------------------------------------------------------------------------------------- detector


class DockerfileDetector:
    """Reads the Dockerfile (or Containerfile) of a service."""

    name = "dockerfile"
    markers = DOCKERFILE_NAMES

    def applies(self, ctx: DetectContext) -> bool:
        return any(ctx.has(n) for n in DOCKERFILE_NAMES)

    def detect(self, ctx: DetectContext) -> Detection:
        name = next(n for n in DOCKERFILE_NAMES if ctx.has(n))
        return self.detect_file(ctx.view, ctx.path(name))

    def detect_file(
        self,
        view: RepoView,
        path: str,
        *,
        target: str | None = None,
        build_args: Mapping[str, str] | None = None,
    ) -> Detection:
        """The Detection for the Dockerfile at ``path`` built with ``target`` and ``build_args``."""
        try:
            text = view.read_text(path)
        except InputError as e:
            finding = Finding(e.code, Severity.ERROR, e.message, e.origin or Origin(path), e.hint)
            return Detection(self.name, findings=(finding,), files=(path,))
        return self.detect_text(text, path, target=target, build_args=build_args)

    def detect_text(
        self,
        text: str,
        path: str,
        *,
        target: str | None = None,
        build_args: Mapping[str, str] | None = None,
        first_line: int = 1,
    ) -> Detection:
        """The Detection for Dockerfile ``text`` (a compose ``dockerfile_inline``: ``path`` is the
        compose file and ``first_line`` the line the text starts on there)."""
        df = parse_dockerfile("\n" * (first_line - 1) + text, path)
        facts = analyze_dockerfile(df, target=target, build_args=build_args)
        return Detection(
            detector=self.name,
            runtimes=facts.runtimes,
            system_packages=facts.system_packages,
            ports=facts.ports,
            start_commands=facts.start_commands,
            base_images=facts.base_images,
            env=facts.env,
            findings=df.findings + facts.findings,
            files=(path,),
        )
