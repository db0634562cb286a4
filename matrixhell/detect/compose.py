"""Compose files: services, their build, ports, dependencies, environment keys and commands.

Parsed with ``yaml.compose`` so every key keeps its line.  Values are interpolated from the project's
``.env`` (``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``, ``${VAR:+alt}``, ``$$``)
- the host environment is never consulted, so a scan is the same on every machine.  The ``.env`` values
serve interpolation only: environment *values* never reach the result, only their keys.  ``command``
and ``entrypoint`` are interpolated as compose does (``--port ${PORT}``), except variables whose name
says they may hold a credential (``*_PASSWORD``, ``*_TOKEN``, ``*_KEY``, ``*_URL``...), which stay
``${NAME}``; ``healthcheck`` is kept as written (``$$`` unescaped).  Override files
(``compose.override.yaml``) and ``include:`` are merged.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from matrixhell.detect.repoview import RepoView
from matrixhell.errors import InputError
from matrixhell.model import (
    ComposeService,
    EnvVar,
    Finding,
    Origin,
    Port,
    Severity,
    Skip,
    StartCommand,
)
from matrixhell.model.service import ComposeVolume, EnvFile

__all__ = [
    "COMPOSE_NAMES",
    "ComposeFile",
    "compose_files_in",
    "env_value_is_secret",
    "interpolate",
    "parse_compose",
    "parse_dotenv",
    "parse_port",
]

#: main compose file names, in the order compose itself looks for them
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_OVERRIDE_NAMES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
)
#: precedence of a compose command among start commands (lowest wins)
PRECEDENCE_COMMAND = 10
_MAX_NODES = 200_000  # alias expansion guard ("billion laughs")
_MAX_RANGE = 1024


@dataclass(frozen=True, slots=True)
class ComposeFile:
    """A compose project: its main file merged with overrides and includes."""

    path: str  # the main file
    services: tuple[ComposeService, ...] = ()
    findings: tuple[Finding, ...] = ()
    files: tuple[str, ...] = ()  # every file read for it (overrides, includes, .env, env_file)
    skipped: tuple[Skip, ...] = ()  # services not built from the repo (remote context)
    #: service -> build args (name, value) for the Dockerfile's ARGs; used for substitution only
    build_args: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    #: service -> (compose file, Dockerfile text, line of its first line) for build.dockerfile_inline
    inline_dockerfiles: tuple[tuple[str, tuple[str, str, int]], ...] = ()

    def inline_of(self, service: str) -> tuple[str, str, int] | None:
        for name, inline in self.inline_dockerfiles:
            if name == service:
                return inline
        return None

    def args_of(self, service: str) -> dict[str, str]:
        for name, args in self.build_args:
            if name == service:
                return dict(args)
        return {}


def compose_files_in(files: frozenset[str] | set[str]) -> tuple[str | None, tuple[str, ...]]:
    """(main file, override files) among the names in one directory."""
    main = next((n for n in COMPOSE_NAMES if n in files), None)
    overrides = tuple(n for n in _OVERRIDE_NAMES if n in files)
    return main, overrides


# ------------------------------------------------------------------------------------------ .env


def parse_dotenv(text: str) -> dict[str, tuple[str, int]]:
    """``KEY=value`` lines (``export`` prefix, quotes, comments) -> {key: (value, line)}."""
    out: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, eq, value = line.partition("=")
        key = key.strip()
        if not eq or not key or not all(c.isalnum() or c in "_.-" for c in key):
            continue
        value = value.strip()
        if value[:1] in ("'", '"'):
            quote = value[0]
            end = value.find(quote, 1)
            value = value[1:end] if end > 0 else value[1:]
            if quote == '"':
                value = value.replace("\\n", "\n")
        else:
            hash_at = value.find(" #")
            if hash_at >= 0:
                value = value[:hash_at].rstrip()
        out[key] = (value, number)
    return out


# ------------------------------------------------------------------------------------ interpolation


class _Interp:
    """Compose's interpolation over a fixed environment; collects problems instead of raising."""

    def __init__(self, env: Mapping[str, str], path: str) -> None:
        self.env = env
        self.path = path
        self.findings: list[Finding] = []
        self._warned: set[str] = set()

    def __call__(self, text: str, line: int | None) -> str:
        if "$" not in text:
            return text
        out, _ = self._scan(text, 0, line, stop=None)
        return out

    def _scan(self, text: str, i: int, line: int | None, stop: str | None) -> tuple[str, int]:
        parts: list[str] = []
        n = len(text)
        while i < n:
            ch = text[i]
            if stop is not None and ch == stop:
                return "".join(parts), i
            if ch != "$":
                parts.append(ch)
                i += 1
                continue
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt == "$":
                parts.append("$")
                i += 2
            elif nxt == "{":
                value, i = self._braced(text, i + 2, line)
                parts.append(value)
            elif nxt == "_" or nxt.isalpha():
                j = i + 1
                while j < n and (text[j] == "_" or text[j].isalnum()):
                    j += 1
                parts.append(self._lookup(text[i + 1 : j], line))
                i = j
            else:
                parts.append("$")
                i += 1
        return "".join(parts), i

    def _braced(self, text: str, i: int, line: int | None) -> tuple[str, int]:
        j = i
        while j < len(text) and (text[j] == "_" or text[j].isalnum()):
            j += 1
        name = text[i:j]
        op = ""
        for candidate in (":-", ":?", ":+", "-", "?", "+"):
            if text.startswith(candidate, j):
                op = candidate
                break
        arg = ""
        k = j + len(op)
        if op:
            arg, k = self._scan(text, k, line, stop="}")
        if k >= len(text) or text[k] != "}" or not name:
            self.findings.append(
                Finding(
                    "compose-bad-interpolation",
                    Severity.ERROR,
                    f"invalid interpolation in {text!r}",
                    Origin(self.path, line),
                    hint="write ${VAR}, ${VAR:-default} or $$ for a literal $",
                )
            )
            return "", len(text)
        value = self.env.get(name)
        if op == ":-":
            result = value if value else arg
        elif op == "-":
            result = value if value is not None else arg
        elif op == ":+":
            result = arg if value else ""
        elif op == "+":
            result = arg if value is not None else ""
        elif op in (":?", "?"):
            missing = not value if op == ":?" else value is None
            if missing:
                self.findings.append(
                    Finding(
                        "compose-required-variable",
                        Severity.ERROR,
                        f"required variable {name} is not set" + (f": {arg}" if arg else ""),
                        Origin(self.path, line),
                        hint=f"set {name} in .env",
                    )
                )
            result = value or ""
        else:
            result = self._lookup(name, line)
        return result, k + 1

    def _lookup(self, name: str, line: int | None) -> str:
        value = self.env.get(name)
        if value is None:
            if name not in self._warned:
                self._warned.add(name)
                self.findings.append(
                    Finding(
                        "compose-unset-variable",
                        Severity.WARNING,
                        f"variable {name} is not set; it defaults to a blank string",
                        Origin(self.path, line),
                        hint=f"set {name} in .env or give a default: ${{{name}:-value}}",
                    )
                )
            return ""
        return value


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Interpolate ``text`` as compose does, from ``env`` only."""
    return _Interp(env, "")(text, None)


def _unescape(text: str) -> str:
    return text.replace("$$", "$")


# ------------------------------------------------------------------------------------- YAML values


@dataclass(frozen=True, slots=True)
class _V:
    """A YAML value with its line: str (scalars), list[_V], dict[str, _V] or None."""

    value: Any
    line: int
    tag: str = ""
    key_lines: Any = None  # for mappings: {key: line of the key}
    style: str | None = None  # for scalars: YAML's style ("|" for a literal block)

    def key_line(self, key: str) -> int:
        if isinstance(self.key_lines, dict) and key in self.key_lines:
            return int(self.key_lines[key])
        return self.line


class _TooBig(Exception):
    pass


def _load_yaml(text: str, path: str) -> tuple[_V | None, Finding | None]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        return None, Finding(
            "compose-bad-yaml",
            Severity.ERROR,
            f"is not valid YAML: {problem}",
            Origin(path, line),
            hint="fix the YAML syntax at this line",
        )
    if node is None:
        return _V({}, 1), None
    budget = [_MAX_NODES]
    try:
        return _convert(node, budget), None
    except _TooBig:
        return None, Finding(
            "compose-too-large",
            Severity.ERROR,
            "expands to too many YAML nodes (aliases)",
            Origin(path, node.start_mark.line + 1),
            hint="write the repeated parts out, or nest fewer aliases inside aliases",
        )
    except RecursionError:
        return None, Finding(
            "compose-too-deep",
            Severity.ERROR,
            "is nested too deeply",
            Origin(path, node.start_mark.line + 1),
            hint="flatten the nesting; a compose file needs only a few levels",
        )


def _convert(node: Any, budget: list[int]) -> _V:
    import yaml

    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        tag = node.tag.rsplit(":", 1)[-1]
        return _V(None if tag == "null" else str(node.value), line, tag, style=node.style)
    if isinstance(node, yaml.SequenceNode):
        return _V([_convert(n, budget) for n in node.value], line, "seq")
    out: dict[str, _V] = {}
    merged: dict[str, _V] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_lines.setdefault(key, key_node.start_mark.line + 1)
        if key_node.tag.endswith(":merge") or key == "<<":
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for src in sources:
                converted = _convert(src, budget)
                if isinstance(converted.value, dict):
                    for k, v in converted.value.items():
                        merged.setdefault(k, v)
            continue
        out[key] = _convert(value_node, budget)
    for k, v in merged.items():
        out.setdefault(k, v)
    return _V(out, line, "map", key_lines)


def _items(v: _V | None) -> list[_V]:
    if v is None or v.value is None:
        return []
    if isinstance(v.value, list):
        return v.value
    return [v]


# ------------------------------------------------------------------------------------------ ports


def parse_port(spec: str, origin: Origin) -> list[Port]:
    """A compose short-syntax port: ``8000``, ``8000:8000``, ``127.0.0.1:80:80/tcp``, ``[::1]:80:80``,
    ``9090-9091:8080-8081``.  Raises ValueError for text that is no port."""
    text = spec.strip()
    protocol = "tcp"
    if "/" in text:
        text, _, protocol = text.rpartition("/")
        protocol = protocol.lower()
        if protocol not in ("tcp", "udp", "sctp"):
            raise ValueError(f"unknown protocol {protocol!r}")
    host_ip: str | None = None
    if text.startswith("["):  # [ipv6]:host:container
        end = text.find("]")
        if end < 0 or text[end + 1 : end + 2] != ":":
            raise ValueError("bad IPv6 host address")
        host_ip = text[1:end]
        text = text[end + 2 :]
        parts = text.split(":")
    else:
        parts = text.split(":")
        if len(parts) == 3:
            host_ip = parts[0]
            parts = parts[1:]
        elif len(parts) > 3:  # bare IPv6 host without brackets: the last two are host and container
            host_ip = ":".join(parts[:-2])
            parts = parts[-2:]
    if len(parts) == 1:
        published_text, container_text = "", parts[0]
    elif len(parts) == 2:
        published_text, container_text = parts
    else:
        raise ValueError("too many ':'")
    containers = _port_range(container_text)
    published = _port_range(published_text) if published_text else []
    if published and len(published) not in (1, len(containers)):
        raise ValueError("host and container ranges differ in length")
    out = []
    for i, number in enumerate(containers):
        host: int | None = None
        if published:
            host = published[i] if len(published) == len(containers) else published[0] + i
        out.append(Port(number, protocol, origin, host, host_ip=host_ip or None))
    return out


def _port_range(text: str) -> list[int]:
    lo_text, dash, hi_text = text.strip().partition("-")
    if not lo_text.isdigit() or (dash and not hi_text.isdigit()):
        raise ValueError(f"{text!r} is not a port number")
    lo = int(lo_text)
    hi = int(hi_text) if dash else lo
    if not 0 < lo <= hi <= 65535:
        raise ValueError(f"{text!r} is out of range")
    if hi - lo >= _MAX_RANGE:
        raise ValueError(f"{text!r} spans more than {_MAX_RANGE} ports")
    return list(range(lo, hi + 1))


# -------------------------------------------------------------------------------------- the parser


@dataclass
class _Raw:
    """One service's keys as the files give them, before they become a ComposeService."""

    name: str
    path: str  # the file that defined it first
    line: int
    base: str  # directory relative paths are resolved against
    keys: dict[str, _V]
    key_files: dict[str, tuple[str, str]]  # key -> (file, base) that set it


class _Project:
    def __init__(self, view: RepoView, env: Mapping[str, str]) -> None:
        self.view = view
        self.env = env
        self.findings: list[Finding] = []
        self.files: list[str] = []
        self.services: dict[str, _Raw] = {}
        self._visiting: list[str] = []
        self._side: dict[str, dict[str, _Raw]] = {}
        self.only_new = False  # loading variants: keep the services already defined as they are
        self._fixed: set[str] = set()

    def load(self, path: str, base: str) -> None:
        if path in self._visiting:
            chain = " -> ".join([*self._visiting[self._visiting.index(path) :], path])
            self.findings.append(
                Finding(
                    "compose-include-cycle",
                    Severity.ERROR,
                    f"include cycle: {chain}",
                    Origin(self._visiting[-1]),
                    hint="remove one of the includes",
                )
            )
            return
        try:
            text = self.view.read_text(path)
        except InputError as e:
            self.findings.append(Finding(e.code, Severity.ERROR, e.message, e.origin or Origin(path), e.hint))
            return
        if path not in self.files:
            self.files.append(path)
        root, problem = _load_yaml(text, path)
        if problem is not None:
            self.findings.append(problem)
            return
        assert root is not None
        if not isinstance(root.value, dict):
            self.findings.append(
                Finding(
                    "compose-bad-file",
                    Severity.ERROR,
                    "is not a mapping at the top level",
                    Origin(path, root.line),
                    hint="a compose file starts with services:",
                )
            )
            return
        interp = _Interp(self.env, path)
        self._visiting.append(path)
        try:
            for inc in _items(root.value.get("include")):
                self._include(inc, path, base, interp)
            services = root.value.get("services")
            if services is not None and not isinstance(services.value, dict):
                self.findings.append(
                    Finding(
                        "compose-bad-file",
                        Severity.ERROR,
                        "services: is not a mapping",
                        Origin(path, services.line),
                        hint="write services: as a mapping of service names to their settings",
                    )
                )
            elif services is not None:
                for name, body in services.value.items():
                    self._add_service(name, body, path, base, services.key_line(name))
        finally:
            self._visiting.pop()
        self.findings.extend(interp.findings)

    def _include(self, inc: _V, path: str, base: str, interp: _Interp) -> None:
        targets: list[_V] = []
        if isinstance(inc.value, dict):
            targets = _items(inc.value.get("path"))
        elif isinstance(inc.value, str):
            targets = [inc]
        for t in targets:
            if not isinstance(t.value, str):
                continue
            rel = interp(t.value, t.line)
            target = _resolve(posixpath.dirname(path), rel)
            if target is None:
                self.findings.append(
                    Finding(
                        "compose-path-escape",
                        Severity.ERROR,
                        f"include {rel!r} leaves the repository",
                        Origin(path, t.line),
                        hint="include only compose files inside the repository",
                    )
                )
                continue
            # an included file resolves its relative paths against its own directory
            self.load(target, posixpath.dirname(target))

    def _side_file(self, path: str) -> dict[str, _Raw]:
        """The services of a file another service ``extends`` (not services of the project)."""
        hit = self._side.get(path)
        if hit is not None:
            return hit
        out: dict[str, _Raw] = {}
        self._side[path] = out
        try:
            text = self.view.read_text(path)
        except InputError as e:
            self.findings.append(Finding(e.code, Severity.ERROR, e.message, e.origin or Origin(path), e.hint))
            return out
        if path not in self.files:
            self.files.append(path)
        root, problem = _load_yaml(text, path)
        if problem is not None:
            self.findings.append(problem)
            return out
        services = root.value.get("services") if root is not None and isinstance(root.value, dict) else None
        if services is not None and isinstance(services.value, dict):
            for name, body in services.value.items():
                if isinstance(body.value, dict):
                    raw = _Raw(name, path, services.key_line(name), posixpath.dirname(path), {}, {})
                    for key, value in body.value.items():
                        raw.keys[key] = value
                        raw.key_files[key] = (path, posixpath.dirname(path))
                    out[name] = raw
        return out

    def resolve_extends(self) -> None:
        for raw in list(self.services.values()):
            self._extend(raw, [])

    def _extend(self, raw: _Raw, chain: list[int]) -> None:
        ext = raw.keys.get("extends")
        if ext is None:
            return
        path, _ = raw.key_files.get("extends", (raw.path, raw.base))
        origin = Origin(path, ext.line)
        if id(raw) in chain:
            raw.keys.pop("extends", None)
            self.findings.append(
                Finding(
                    "compose-extends-cycle",
                    Severity.ERROR,
                    f"service {raw.name!r} extends itself",
                    origin,
                    hint="make extends name another service, or remove it",
                )
            )
            return
        target_name: str | None = None
        target_file: str | None = None
        if isinstance(ext.value, str):
            target_name = ext.value
        elif isinstance(ext.value, dict):
            target_name = _str(ext.value.get("service"))
            target_file = _str(ext.value.get("file"))
        pool = self.services
        if target_file:
            resolved = _resolve(posixpath.dirname(path), target_file)
            if resolved is None:
                raw.keys.pop("extends", None)
                self.findings.append(
                    Finding(
                        "compose-path-escape",
                        Severity.ERROR,
                        f"extends file {target_file!r} leaves the repository",
                        origin,
                        hint="extend only compose files inside the repository",
                    )
                )
                return
            pool = self.services if resolved == path else self._side_file(resolved)
        base = pool.get(target_name or "")
        if base is None or base is raw:
            raw.keys.pop("extends", None)
            self.findings.append(
                Finding(
                    "compose-bad-extends",
                    Severity.ERROR,
                    f"service {raw.name!r} extends {target_name!r}, which is not defined",
                    origin,
                    hint="name a service of that file",
                )
            )
            return
        self._extend(base, [*chain, id(raw)])
        raw.keys.pop("extends", None)
        for k, v in base.keys.items():
            if k == "extends":
                continue
            mine = raw.keys.get(k)
            raw.keys[k] = _merge_key(k, v, mine) if mine is not None else v
            if mine is None:
                raw.key_files[k] = base.key_files.get(k, (base.path, base.base))

    def _add_service(self, name: str, body: _V, path: str, base: str, line: int) -> None:
        if body.value is None:
            body = _V({}, body.line, "map")
        if not isinstance(body.value, dict):
            self.findings.append(
                Finding(
                    "compose-bad-service",
                    Severity.ERROR,
                    f"service {name!r} is not a mapping",
                    Origin(path, body.line),
                    hint=f"write {name}: as a mapping of keys (build:, image:, ports:...)",
                )
            )
            return
        raw = self.services.get(name)
        if raw is not None and self.only_new and name in self._fixed:
            return
        if raw is None:
            raw = _Raw(name, path, line, base, {}, {})
            self.services[name] = raw
            if not self.only_new:
                self._fixed.add(name)
        for key, value in body.value.items():
            old = raw.keys.get(key)
            raw.keys[key] = _merge_key(key, old, value)
            raw.key_files[key] = (path, base)


_SEQ_MERGE = frozenset({"ports", "expose", "env_file", "profiles"})
_MAP_MERGE = frozenset({"build", "environment", "depends_on", "healthcheck", "labels"})


def _as_map(v: _V) -> dict[str, _V]:
    """A list-form environment or depends_on as a mapping (``KEY=value`` items keyed by KEY)."""
    if isinstance(v.value, dict):
        return dict(v.value)
    out: dict[str, _V] = {}
    for item in _items(v):
        if isinstance(item.value, str):
            key, eq, rest = item.value.partition("=")
            out[key.strip()] = _V(rest if eq else None, item.line, "str")
    return out


def _key_lines(v: _V) -> dict[str, int]:
    if isinstance(v.value, dict):
        return {k: v.key_line(k) for k in v.value}
    return {k: item.line for k, item in _as_map(v).items()}


def _merge_key(key: str, old: _V | None, new: _V) -> _V:
    """Compose's override rules, simplified: lists of ports and the like add up, mappings merge."""
    if old is None:
        return new
    if key in _SEQ_MERGE and isinstance(old.value, list) and isinstance(new.value, list):
        return _V(old.value + new.value, new.line, "seq")
    if key in ("environment", "depends_on") and (isinstance(old.value, list) or isinstance(new.value, list)):
        return _V({**_as_map(old), **_as_map(new)}, new.line, "map", {**_key_lines(old), **_key_lines(new)})
    if key in _MAP_MERGE and isinstance(old.value, dict) and isinstance(new.value, dict):
        return _V({**old.value, **new.value}, new.line, "map")
    return new


def _resolve(base: str, rel: str) -> str | None:
    """``rel`` against the repo-relative directory ``base``; None when it leaves the repository."""
    if rel.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(base, rel)) if base else posixpath.normpath(rel)
    if joined == ".":
        return ""
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


def _is_remote(context: str) -> bool:
    return "://" in context or context.startswith(("git@", "github.com/")) or context.endswith(".git")


def parse_compose(
    view: RepoView,
    paths: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    variants: Sequence[str] = (),
) -> ComposeFile:
    """Parse a compose project: ``paths`` is the main file then its overrides, in order; ``variants``
    (``docker-compose.prod.yml``) only add services the others do not define.

    ``env`` holds interpolation values; by default the ``.env`` beside the main file is read.
    """
    main = paths[0]
    project_dir = posixpath.dirname(main)
    files_read: list[str] = []
    if env is None:
        env_path = f"{project_dir}/.env" if project_dir else ".env"
        env = {}
        if view.is_file(env_path):
            try:
                env = {k: v for k, (v, _) in parse_dotenv(view.read_text(env_path)).items()}
                files_read.append(env_path)
            except InputError:
                env = {}
    project = _Project(view, env)
    for p in paths:
        project.load(p, project_dir)
    project.only_new = True
    for p in variants:
        project.load(p, project_dir)
    project.resolve_extends()
    services: list[ComposeService] = []
    skipped: list[Skip] = []
    build_args: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    inlines: list[tuple[str, tuple[str, str, int]]] = []
    findings = list(project.findings)
    for name in sorted(project.services):
        raw = project.services[name]
        built = _service(view, raw, env, findings, files_read)
        if built is None:
            continue
        if isinstance(built, Skip):
            skipped.append(built)
            continue
        svc, args, inline = built
        services.append(svc)
        if args:
            build_args.append((name, tuple(sorted(args.items()))))
        if inline is not None:
            inlines.append((name, inline))
    all_files = tuple(dict.fromkeys([*project.files, *files_read]))
    return ComposeFile(
        main, tuple(services), tuple(findings), all_files, tuple(skipped), tuple(build_args), tuple(inlines)
    )


def _str(v: _V | None) -> str | None:
    if v is None or v.value is None or not isinstance(v.value, str):
        return None
    return v.value


def _service(
    view: RepoView, raw: _Raw, env: Mapping[str, str], findings: list[Finding], files_read: list[str]
) -> tuple[ComposeService, dict[str, str], tuple[str, str, int] | None] | Skip | None:
    keys = raw.keys

    def where(key: str) -> tuple[str, str]:
        return raw.key_files.get(key, (raw.path, raw.base))

    def interp_for(key: str) -> _Interp:
        return _Interp(env, where(key)[0])

    origin = Origin(raw.path, raw.line)
    ctx: str | None = None
    dockerfile: str | None = None
    target: str | None = None
    args: dict[str, str] = {}
    inline: tuple[str, str, int] | None = None
    build = keys.get("build")
    image_v = keys.get("image")
    local: list[Finding] = []
    if build is not None and build.value is not None:
        path, base = where("build")
        ip = _Interp(env, path)
        ctx_text = "."
        df_text: str | None = None
        if isinstance(build.value, str):
            ctx_text = ip(build.value, build.line)
        elif isinstance(build.value, dict):
            b = build.value
            if _str(b.get("context")) is not None:
                ctx_text = ip(_str(b.get("context")) or ".", b["context"].line)
            if _str(b.get("dockerfile")) is not None:
                df_text = ip(_str(b.get("dockerfile")) or "", b["dockerfile"].line)
            if _str(b.get("target")) is not None:
                target = ip(_str(b.get("target")) or "", b["target"].line) or None
            args = _key_values(b.get("args"), ip)
            inline_v = b.get("dockerfile_inline")
            if inline_v is not None and isinstance(inline_v.value, str) and df_text is None:
                # a literal block's text starts on the line after its "|", so lines map 1:1
                first = inline_v.line + 1 if inline_v.style in ("|", ">") else inline_v.line
                inline = (path, _unescape(inline_v.value), first)
        if _is_remote(ctx_text):
            findings.extend(ip.findings)
            return Skip(
                f"{raw.path}#{raw.name}", f"compose service {raw.name!r} builds from a remote context {ctx_text}"
            )
        build_origin = Origin(path, build.line)

        def build_error(code: str, message: str, hint: str) -> None:
            local.append(Finding(code, Severity.ERROR, message, build_origin, hint=hint))

        ctx = _resolve(base, ctx_text)
        if ctx is None:
            build_error(
                "compose-path-escape",
                f"build context {ctx_text!r} of service {raw.name!r} leaves the repository",
                "matrixhell reads only the repository",
            )
        else:
            if df_text:
                dockerfile = _resolve(ctx, df_text)
                if dockerfile is None:
                    build_error(
                        "compose-path-escape",
                        f"dockerfile {df_text!r} of service {raw.name!r} leaves the repository",
                        "point build.dockerfile at a file inside the repository",
                    )
                elif not view.is_file(dockerfile):
                    build_error(
                        "compose-missing-dockerfile",
                        f"dockerfile {dockerfile} of service {raw.name!r} does not exist",
                        "fix build.dockerfile",
                    )
                    dockerfile = None
            elif inline is None:
                for candidate in ("Dockerfile", "Containerfile"):
                    p = f"{ctx}/{candidate}" if ctx else candidate
                    if view.is_file(p):
                        dockerfile = p
                        break
            if not view.is_dir(ctx):
                build_error(
                    "compose-missing-context",
                    f"build context {ctx or '.'} of service {raw.name!r} does not exist",
                    "fix build.context",
                )
        findings.extend(ip.findings)
    image: str | None = None
    if image_v is not None and _str(image_v):
        ip = interp_for("image")
        image = ip(_str(image_v) or "", image_v.line) or None
        findings.extend(ip.findings)
    if build is None and image is None:
        local.append(
            Finding(
                "compose-no-image",
                Severity.WARNING,
                f"service {raw.name!r} has neither build nor image",
                origin,
                hint="give it build: or image:",
            )
        )

    ports = _ports(keys, where, env, local)
    depends = _depends(keys.get("depends_on"))
    envs = _env_keys(keys.get("environment"), where("environment")[0])
    env_files: list[EnvFile] = []
    envs += _env_files(view, keys.get("env_file"), where("env_file"), local, files_read, env_files)
    command = _command(keys, where, env, local)
    healthcheck = _healthcheck(keys.get("healthcheck"))
    health_test, health_options = _healthcheck_as_written(keys.get("healthcheck"))
    volumes = _volumes(keys.get("volumes"), where("volumes"))
    profiles = tuple(v.value for v in _items(keys.get("profiles")) if isinstance(v.value, str))
    findings.extend(local)
    svc = ComposeService(
        name=raw.name,
        origin=origin,
        context=ctx,
        dockerfile=dockerfile,
        target=target,
        image=image,
        depends_on=depends,
        command=command,
        ports=tuple(ports),
        env=tuple(_unique_env(envs)),
        healthcheck=healthcheck,
        profiles=profiles,
        volumes=volumes,
        env_files=tuple(env_files),
        healthcheck_test=health_test,
        healthcheck_options=health_options,
    )
    return svc, args, inline


def _key_values(v: _V | None, ip: _Interp) -> dict[str, str]:
    out: dict[str, str] = {}
    if v is None:
        return out
    if isinstance(v.value, dict):
        for k, val in v.value.items():
            if isinstance(val.value, str):
                out[k] = ip(val.value, val.line)
    else:
        for item in _items(v):
            if isinstance(item.value, str):
                k, eq, val_text = item.value.partition("=")
                if eq:
                    out[k.strip()] = ip(val_text, item.line)
    return out


def _ports(keys: dict[str, _V], where: Any, env: Mapping[str, str], findings: list[Finding]) -> list[Port]:
    out: list[Port] = []
    for key in ("ports", "expose"):
        path, _ = where(key)
        ip = _Interp(env, path)
        for item in _items(keys.get(key)):
            origin = Origin(path, item.line)
            try:
                if isinstance(item.value, dict):
                    out.extend(replace(p, compose_key=key) for p in _long_port(item.value, ip, origin))
                elif isinstance(item.value, str):
                    text = ip(item.value, item.line)
                    ports = parse_port(text, origin)
                    if key == "expose":
                        ports = [Port(p.number, p.protocol, origin) for p in ports]
                    out.extend(replace(p, compose_key=key) for p in ports)
            except ValueError as e:
                findings.append(
                    Finding(
                        "compose-bad-port",
                        Severity.WARNING,
                        f"{key} entry {_as_written(item)} is not a port: {e}",
                        origin,
                        hint='write 8000, "8000:8000" or "127.0.0.1:80:80/tcp"',
                    )
                )
        findings.extend(ip.findings)
    return out


def _plain(v: _V) -> Any:
    """A YAML value as plain Python (str, list, dict), without the lines the reader keeps."""
    if isinstance(v.value, dict):
        return {k: _plain(i) for k, i in v.value.items()}
    if isinstance(v.value, list):
        return [_plain(i) for i in v.value]
    return v.value


def _as_written(v: _V) -> str:
    """A compose entry as the user wrote it, in YAML's flow style (``{target: x}``, ``"80:80"``)."""
    import json

    def flow(x: Any) -> str:
        if isinstance(x, dict):
            return "{" + ", ".join(f"{k}: {flow(i)}" for k, i in x.items()) + "}"
        if isinstance(x, list):
            return "[" + ", ".join(flow(i) for i in x) + "]"
        if x is None:
            return "null"
        return json.dumps(x) if isinstance(x, str) else str(x)

    return flow(_plain(v))


def _reason(message: str) -> str:
    """An error's reason without the ``... cannot be read:`` it may already start with."""
    _, sep, rest = message.partition("cannot be read: ")
    return rest if sep else message


def _long_port(body: dict[str, _V], ip: _Interp, origin: Origin) -> list[Port]:
    target = body.get("target")
    if target is None or not isinstance(target.value, str):
        raise ValueError("long syntax needs target:")
    protocol = (ip(_str(body.get("protocol")) or "tcp", origin.line)).lower()
    containers = _port_range(ip(target.value, target.line))
    published_v = body.get("published")
    published = (
        _port_range(ip(published_v.value, published_v.line))
        if (published_v is not None and isinstance(published_v.value, str) and published_v.value)
        else []
    )
    host_ip = ip(_str(body.get("host_ip")) or "", origin.line) or None
    out = []
    for i, number in enumerate(containers):
        host = (published[i] if len(published) == len(containers) else published[0] + i) if published else None
        out.append(Port(number, protocol, origin, host, host_ip=host_ip))
    return out


def _depends(v: _V | None) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v.value, dict):
        return tuple(sorted(v.value))
    return tuple(sorted({i.value for i in _items(v) if isinstance(i.value, str)}))


def _env_keys(v: _V | None, path: str) -> list[EnvVar]:
    """``environment:`` entries: each key, with its value as written when that is no secret."""
    out: list[EnvVar] = []
    if v is None:
        return out
    if isinstance(v.value, dict):
        for k, val in v.value.items():
            text = val.value if isinstance(val.value, str) else None
            out.append(_env_var(k, text, Origin(path, v.key_line(k))))
    else:
        for item in _items(v):
            if isinstance(item.value, str):
                key, eq, rest = item.value.partition("=")
                key = key.strip()
                if key:
                    out.append(_env_var(key, rest if eq else None, Origin(path, item.line)))
    return out


def _env_var(key: str, value: str | None, origin: Origin) -> EnvVar:
    if value is None:
        return EnvVar(key, origin)
    if env_value_is_secret(key, value):
        return EnvVar(key, origin, secret=True)
    return EnvVar(key, origin, value=value)


#: parts of a variable name that say its value may be a credential (matched inside the name)
_SECRET_PARTS = (
    "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "APIKEY", "PRIVATE", "HMAC", "COOKIE",
    "JWT", "BEARER", "OAUTH", "WEBHOOK",
)  # fmt: skip
#: whole words of a name (split on ``_``, ``-``, ``.``) that say the same (``API_KEY``; ``KEYBOARD`` is no key)
_SECRET_NAME_WORDS = frozenset(
    {
        "PASS", "PWD", "KEY", "KEYS", "AUTH", "CERT", "SALT", "DSN", "SIGNATURE", "PAT", "SESSION", "SIGNING",
        "SIG", "CSRF", "NONCE", "PIN", "LICENSE",
    }
)  # fmt: skip
#: pairs of words that together name a credential (``CLIENT_ID``, ``ACCESS_KEY_ID``)
_SECRET_WORD_PAIRS = (("CLIENT", "ID"), ("ACCESS", "ID"), ("APP", "ID"))
_URL_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/@\s]*)@")
#: the shapes of well-known credentials, wherever they stand in a value
_TOKEN_SHAPES = re.compile(
    r"(?:\bgh[pousr]_[A-Za-z0-9]{8,}|\bgithub_pat_[A-Za-z0-9_]{8,}|\b[sr]k-[A-Za-z0-9_-]{8,}"
    r"|\b[sr]k_(?:live|test)_[A-Za-z0-9]{8,}|\bxox[abprs]-[A-Za-z0-9-]{6,}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"
    r"|\beyJ[A-Za-z0-9_-]{5,}|-----BEGIN[A-Z ]*-----|\bglpat-[A-Za-z0-9_-]{8,}|\bAIza[0-9A-Za-z_-]{20,})"
)
_HOSTNAME = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*"
                       r"[A-Za-z0-9])?)+(?::\d{1,5})?")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?[A-Za-z]{0,3}")
_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n"})


def _secret_env_name(name: str) -> bool:
    up = name.upper()
    if any(p in up for p in _SECRET_PARTS):
        return True
    words = set(re.split(r"[^A-Z0-9]+", up))
    return bool(words & _SECRET_NAME_WORDS) or any(a in words and b in words for a, b in _SECRET_WORD_PAIRS)


def _looks_like_credential(word: str) -> bool:
    """A whitespace-free piece of a value that may be a credential: a long (20 or more characters) mix of
    letters and digits that is no URL without userinfo, path, hostname, number or boolean."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", word):
        _, _, rest = word.partition("://")
        # a URL's own parts are no secret, its query's values may be (?token=..., ?key=...)
        query = rest.partition("?")[2]
        return any(
            (_secret_env_name(k) and bool(v)) or _looks_like_credential(v)
            for k, _, v in (pair.partition("=") for pair in re.split(r"[&;]", query) if pair)
        )
    if len(word) < 20 or not any(c.isalpha() for c in word) or not any(c.isdigit() for c in word):
        return False
    if word.lower() in _BOOLEAN or _NUMBER.fullmatch(word):
        return False
    if word.startswith(("/", "./", "../", "~/")):
        return False
    return not _HOSTNAME.fullmatch(word)


def env_value_is_secret(key: str, value: str) -> bool:
    """Whether the ``environment:`` value ``value`` of ``key`` may hold a credential, so that it is never
    copied out of the compose file (docs/generate.md).  Safe by default: a literal value is kept only when
    neither its key nor its text looks like a credential.  Variable references (``${VAR}``, ``$VAR``) and
    required-variable guards (``${VAR:?message}``) are no secrets: they name where the value comes from.
    A secret is: any literal text in the value of a credential-named key (``POSTGRES_PASSWORD: hunter2``,
    ``GITHUB_PAT``, ``SESSION_COOKIE``, ``OAUTH_CLIENT_ID``); a literal password inside a URL
    (``postgres://app:hunter2@db``, not ``postgres://app:${PW}@db``); a literal default of a
    credential-named variable (``${DB_PASSWORD:-hunter2}``); a known token shape anywhere (``ghp_...``,
    ``sk-...``, ``xoxb-...``, ``AKIA...``, a JWT, a PEM block); a long high-entropy word (20 or more
    characters of letters and digits that is no URL without userinfo, path, hostname or number)."""
    literal, secret_defaults = _literal_parts(value)
    if secret_defaults or (_secret_env_name(key) and literal.strip()):
        return True
    for m in _URL_USERINFO.finditer(value):
        _, colon, password = m.group(1).partition(":")
        if colon and _literal_parts(password)[0]:
            return True
    if _TOKEN_SHAPES.search(literal):
        return True
    # each word of the value's literal text; a variable reference splits words (``${HOST}:5432``)
    return any(_looks_like_credential(w) for w in re.split(r"\s+", _literal_parts(value, mark="\x00")[0])
               for w in w.split("\x00") if w)


def _literal_parts(text: str, mark: str = "") -> tuple[str, bool]:
    """The literal text of a compose value outside its variable references (``$$`` counts as literal;
    the message of a ``:?`` guard does not), and whether a credential-named variable has a literal
    default or alternative (``${PASSWORD:-x}``).  ``mark`` stands where a reference was taken out."""
    out: list[str] = []
    secret_default = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            j = i + 2
            while j < n and (text[j] == "_" or text[j].isalnum()):
                j += 1
            name = text[i + 2 : j]
            depth, k = 1, j
            while k < n and depth:
                depth += {"{": 1, "}": -1}.get(text[k], 0)
                k += 1
            body = text[j : k - 1] if depth == 0 else text[j:]
            op = next((o for o in (":-", ":?", ":+", "-", "?", "+") if body.startswith(o)), "")
            arg = body[len(op) :]
            if not name or (body and not op):
                out.append(text[i:k])  # not a reference compose would take: literal text
            elif op and "?" not in op:
                inner, inner_secret = _literal_parts(arg, mark)
                literal = inner.replace(mark, "") if mark else inner
                secret_default = secret_default or inner_secret or bool(literal.strip() and _secret_env_name(name))
                out.append(f"{mark}{inner}{mark}")
            else:
                out.append(mark)
            i = k
        elif nxt == "_" or nxt.isalpha():
            j = i + 1
            while j < n and (text[j] == "_" or text[j].isalnum()):
                j += 1
            out.append(mark)
            i = j
        else:
            out.append("$")
            i += 1
    return "".join(out), secret_default


def _env_files(
    view: RepoView,
    v: _V | None,
    where: tuple[str, str],
    findings: list[Finding],
    files_read: list[str],
    env_files: list[EnvFile] | None = None,
) -> list[EnvVar]:
    out: list[EnvVar] = []
    path, base = where
    for item in _items(v):
        required = True
        rel: str | None = None
        if isinstance(item.value, str):
            rel = item.value
        elif isinstance(item.value, dict):
            rel = _str(item.value.get("path"))
            req = _str(item.value.get("required"))
            required = req is None or req.lower() not in ("false", "no", "off")
        if not rel:
            continue
        target = _resolve(base, rel)
        if target is None:
            findings.append(
                Finding(
                    "compose-path-escape",
                    Severity.ERROR,
                    f"env_file {rel!r} leaves the repository",
                    Origin(path, item.line),
                    hint="keep env files inside the repository; matrixhell reads nothing outside it",
                )
            )
            continue
        try:
            text = view.read_text(target)
        except InputError as e:
            if env_files is not None:
                env_files.append(EnvFile(target, Origin(path, item.line), required, readable=False))
            if required:
                findings.append(
                    Finding(
                        "compose-missing-env-file",
                        Severity.WARNING,
                        f"env_file {target} cannot be read: {_reason(e.message)}",
                        Origin(path, item.line),
                        hint="create it or mark it required: false",
                    )
                )
            continue
        files_read.append(target)
        if env_files is not None:
            env_files.append(EnvFile(target, Origin(path, item.line), required))
        for key, (_, line) in parse_dotenv(text).items():
            out.append(EnvVar(key, Origin(target, line)))
    return out


def _unique_env(envs: list[EnvVar]) -> Iterator[EnvVar]:
    seen: set[str] = set()
    for e in envs:
        if e.key not in seen:
            seen.add(e.key)
            yield e


def _argv_or_shell(v: _V) -> tuple[tuple[str, ...], str | None]:
    if isinstance(v.value, list):
        return tuple(_unescape(i.value) for i in v.value if isinstance(i.value, str)), None
    if isinstance(v.value, str):
        return (), _unescape(v.value)
    return (), None


#: words of a variable name whose value may be a credential: never put into a command
_SECRET_WORDS = frozenset(
    {
        "PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "SECRETS", "TOKEN", "KEY", "APIKEY", "CREDENTIAL",
        "CREDENTIALS", "PRIVATE", "AUTH", "CERT", "SALT", "DSN", "URL", "URI",
    }
)  # fmt: skip


def _secret_name(name: str) -> bool:
    return any(word in _SECRET_WORDS for word in name.upper().split("_"))


def _command_env(env: Mapping[str, str]) -> dict[str, str]:
    """What ``command`` and ``entrypoint`` interpolate from: ``.env`` values (``PORT=8080``), except
    those whose name says they may be a credential, which stay ``${NAME}`` as written."""
    return {k: (f"${{{k}}}" if _secret_name(k) or env_value_is_secret(k, v) else v) for k, v in env.items()}


def _command(
    keys: dict[str, _V], where: Any, env: Mapping[str, str] | None = None, findings: list[Finding] | None = None
) -> StartCommand | None:
    if env is not None:
        ip = _Interp(_command_env(env), where("command")[0])
        keys = {k: (_interpolated(v, ip) if k in ("command", "entrypoint") else v) for k, v in keys.items()}
        if findings is not None:
            findings.extend(ip.findings)
    cmd = keys.get("command")
    entry = keys.get("entrypoint")
    if cmd is not None and cmd.value is None:
        cmd = None
    if entry is not None and entry.value is None:
        entry = None
    if cmd is None and entry is None:
        return None
    if entry is not None:
        argv, shell = _argv_or_shell(entry)
        origin = Origin(where("entrypoint")[0], entry.line)
        if cmd is not None:
            c_argv, c_shell = _argv_or_shell(cmd)
            if argv:
                argv = argv + (c_argv if c_argv else ("/bin/sh", "-c", c_shell or ""))
            elif shell is not None:
                shell = shell + " " + (c_shell or " ".join(c_argv))
        return StartCommand(origin, "compose-entrypoint", argv=argv, shell=shell, precedence=PRECEDENCE_COMMAND)
    assert cmd is not None
    argv, shell = _argv_or_shell(cmd)
    return StartCommand(
        Origin(where("command")[0], cmd.line),
        "compose-command",
        argv=argv,
        shell=shell,
        precedence=PRECEDENCE_COMMAND,
    )


def _interpolated(v: _V, ip: _Interp) -> _V:
    """A command value with its variables filled in; ``$`` re-escaped so ``_unescape`` keeps it."""

    def fill(text: str) -> str:
        return ip(text, v.line).replace("$", "$$")

    if isinstance(v.value, str):
        return replace(v, value=fill(v.value))
    if isinstance(v.value, list):
        items = [replace(i, value=fill(i.value)) if isinstance(i.value, str) else i for i in v.value]
        return replace(v, value=items)
    return v


_HEALTH_OPTIONS = ("interval", "timeout", "retries", "start_period", "start_interval", "disable")


def _healthcheck_as_written(v: _V | None) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The healthcheck's test in list form as written (``CMD-SHELL`` for a string; ``$$`` kept) and
    its timings, so a compose file written from the scan keeps the user's check exactly."""
    if v is None or not isinstance(v.value, dict):
        return (), ()
    test = v.value.get("test")
    words: tuple[str, ...] = ()
    if test is not None and isinstance(test.value, str):
        words = ("CMD-SHELL", test.value)
    elif test is not None:
        words = tuple(i.value for i in _items(test) if isinstance(i.value, str))
    options = tuple(
        (k, o.value) for k in _HEALTH_OPTIONS if (o := v.value.get(k)) is not None and isinstance(o.value, str)
    )
    return words, options


def _volumes(v: _V | None, where: tuple[str, str]) -> tuple[ComposeVolume, ...]:
    """``volumes:`` entries; a relative bind source is made repo-relative (it may leave the repository:
    it is only a string here, nothing outside is read)."""
    path, base = where
    out: list[ComposeVolume] = []
    for item in _items(v):
        origin = Origin(path, item.line)
        if isinstance(item.value, str):
            text = item.value
            if "$" in text:
                out.append(ComposeVolume("", origin, kind="raw", raw=text))
                continue
            parts = text.split(":")
            if len(parts) == 1:
                out.append(ComposeVolume(parts[0], origin))
                continue
            src, dst, mode = parts[0], parts[1], ":".join(parts[2:])
            opts = [m for m in mode.split(",") if m] if mode else []
            ro = "ro" in opts
            rest = ",".join(m for m in opts if m not in ("ro", "rw"))
            out.append(_volume(src, dst, ro, rest, base, origin))
        elif isinstance(item.value, dict):
            body = item.value
            kind = _str(body.get("type")) or "volume"
            src = _str(body.get("source")) or ""
            dst = _str(body.get("target")) or ""
            if "$" in src or "$" in dst or not dst:
                continue  # long syntax with variables: not taken apart
            ro = (_str(body.get("read_only")) or "").lower() in ("true", "yes", "on")
            if kind == "bind":
                out.append(_volume(src if src.startswith((".", "/", "~")) else f"./{src}", dst, ro, "", base,
                                   origin))
            elif kind in ("volume", "tmpfs"):
                out.append(ComposeVolume(dst, origin, kind=kind, source=src, read_only=ro))
    return tuple(out)


def _volume(src: str, dst: str, ro: bool, mode: str, base: str, origin: Origin) -> ComposeVolume:
    if src.startswith("."):
        joined = posixpath.normpath(posixpath.join(base, src)) if base else posixpath.normpath(src)
        return ComposeVolume(dst, origin, kind="bind", source=joined, read_only=ro, mode=mode)
    if src.startswith(("/", "~")):
        return ComposeVolume(dst, origin, kind="bind", source=src, read_only=ro, mode=mode)
    return ComposeVolume(dst, origin, kind="volume", source=src, read_only=ro, mode=mode)


def _healthcheck(v: _V | None) -> tuple[str, ...]:
    if v is None or not isinstance(v.value, dict):
        return ()
    test = v.value.get("test")
    if test is None:
        return ()
    if isinstance(test.value, str):
        return ("/bin/sh", "-c", _unescape(test.value))
    words = [_unescape(i.value) for i in _items(test) if isinstance(i.value, str)]
    if not words or words[0] == "NONE":
        return ()
    if words[0] == "CMD":
        return tuple(words[1:])
    if words[0] == "CMD-SHELL":
        return ("/bin/sh", "-c", " ".join(words[1:]))
    return tuple(words)
