"""The repository's services -> one compose file (compose-spec).

Built services get a build context and Dockerfile relative to where the compose file is written, the
stage to build, ports, environment, depends_on (``service_healthy`` where the dependency has a
healthcheck), a shared network and the same hardening the Kubernetes manifests get.  Image-only services
keep their ``image:``.  A Procfile process that runs another service's image (``Service.image_from``:
``api-worker`` beside ``api``) gets that service's ``build:`` and its own ``command:``.

What the repository's compose file says of a service is kept: its ports as written (host address,
unpublished ``"6379"``, ``expose:``), its ``environment:`` with the values the scan kept (no secret is
ever among them: ``EnvVar.value``), its ``env_file:`` (whose keys are not listed again), its
``volumes:`` and its healthcheck with the user's timings.  A service no compose file describes gets the
keys its code reads, without values (``- KEY`` passes the caller's value through).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from matrixhell.model.facts import EnvVar, Port
from matrixhell.model.image import ImageSpec
from matrixhell.model.service import ComposeService, ComposeVolume, Service, ServiceKind
from matrixhell.render._yaml import dump_yaml
from matrixhell.render.marker import header

__all__ = ["NETWORK", "ComposeEntry", "compose_document", "port_for_command", "published_ports", "render_compose"]

NETWORK = "backend"


@dataclass(frozen=True, slots=True)
class ComposeEntry:
    """One compose service: the scanned service, its image plan (None for image-only services) and the
    repo-relative Dockerfile that builds it (generated, or the user's own)."""

    service: Service
    spec: ImageSpec | None = None
    dockerfile: str | None = None
    handwritten: bool = False


def _rel(path: str, start: str, anchor: str) -> str:
    """``path`` relative to ``start``, both repo-relative; ``anchor`` (the repository's absolute path)
    only matters when ``start`` lies outside the repository."""
    rel = posixpath.relpath(posixpath.join(anchor, path or "."), posixpath.join(anchor, start or "."))
    return rel if rel.startswith(".") else f"./{rel}"


def _users_healthcheck(cs: ComposeService) -> dict[str, object] | None:
    """The compose file's own healthcheck, as written: its test and timings."""
    if not cs.healthcheck_test and not cs.healthcheck_options:
        return _healthcheck(cs.healthcheck) if cs.healthcheck else None
    out: dict[str, object] = {}
    if cs.healthcheck_test:
        out["test"] = list(cs.healthcheck_test)
    for key, text in cs.healthcheck_options:
        if key == "retries" and text.isdigit():
            out[key] = int(text)
        elif key == "disable":
            out[key] = text.lower() in ("true", "yes", "on")
        else:
            out[key] = text
    return out


def _healthcheck(test: Sequence[str], interval: int = 30, timeout: int = 5, start: int = 15,
                 retries: int = 3) -> dict[str, object]:
    argv = list(test)
    if not argv or argv[0] not in ("CMD", "CMD-SHELL", "NONE"):
        argv = ["CMD", *argv]
    return {"test": argv, "interval": f"{interval}s", "timeout": f"{timeout}s", "retries": retries,
            "start_period": f"{start}s"}


def _has_healthcheck(e: ComposeEntry) -> bool:
    if e.service.compose is not None and e.service.compose.healthcheck:
        return True
    return bool(e.spec and e.spec.healthcheck and not e.handwritten)


def published_ports(entries: Sequence[ComposeEntry]) -> dict[str, list[tuple[int, int]]]:
    """Host ports per built service: what the compose file stated, else the container port itself when
    no earlier service (by name) took it.  Stated clashes are kept: the user wrote them."""
    used: set[int] = set()
    out: dict[str, list[tuple[int, int]]] = {}
    ordered = sorted((e for e in entries if e.spec is not None), key=lambda e: e.service.name)
    for e in ordered:
        assert e.spec is not None
        if e.spec.published or e.service.compose is not None:
            out[e.service.name] = list(e.spec.published)
            used.update(h for _, h in e.spec.published)
    for e in ordered:
        assert e.spec is not None
        if e.service.name in out:
            continue
        got = [(n, n) for n, _ in e.spec.ports if n not in used]
        used.update(h for _, h in got)
        out[e.service.name] = got
    return out


def compose_document(entries: Sequence[ComposeEntry], compose_dir: str = ".", anchor: str = "/repo"
                     ) -> dict[str, object]:
    by_name = {e.service.name: e for e in entries}
    host_ports = published_ports(entries)
    services: dict[str, object] = {}
    named: set[str] = set()
    for e in sorted(entries, key=lambda e: e.service.name):
        svc = e.service
        cs = svc.compose
        out: dict[str, object] = {}
        if svc.kind is ServiceKind.EXTERNAL or e.spec is None:
            image = svc.image or (cs.image if cs else None)
            if image is None:
                continue
            out["image"] = image
            if cs is not None:
                published = _written_ports(cs.ports, None)
            else:
                ports = sorted({(p.number, p.published, p.protocol) for p in svc.ports},
                               key=lambda t: (t[0], t[1] or 0, t[2]))
                published = [_port(n, pub, proto) for n, pub, proto in ports if pub is not None]
            env_keys = sorted({v.key for v in svc.env})
        else:
            spec = e.spec
            owner = _image_owner(e, by_name)
            out["build"] = _build(owner or e, compose_dir, anchor)
            proto_of = dict(spec.ports)
            published = [_port(n, pub, proto_of.get(n, "tcp")) for n, pub in host_ports[svc.name]]
            if cs is not None and any(_mapped(p) for p in cs.ports):
                # the compose file's own mappings, as written, for the ports the image still has
                published = _written_ports(cs.ports, {n for n, _ in spec.ports})
            env_keys = list(spec.env_keys)
            if owner is not None:
                # a Procfile process on its main service's image: the same build (every layer is a cache
                # hit of that one), its own command; ``$$`` keeps compose from interpolating what the
                # container's shell expands (``$PORT``)
                out["command"] = [w.replace("$", "$$") for w in spec.cmd]
        if cs is not None and cs.command is not None and (e.handwritten or e.spec is None):
            # the user's own image keeps the command the user's compose file gives it (one Dockerfile
            # may serve a web and a worker service); a generated image has its own CMD
            out["command"] = list(cs.command.argv) if cs.command.argv else cs.command.shell
        if published:
            out["ports"] = published
        exposed = sorted({p.number for p in cs.ports if p.compose_key == "expose"}) if cs else []
        if exposed and e.spec is not None:
            exposed = [n for n in exposed if n in {m for m, _ in e.spec.ports}]
        if exposed:
            out["expose"] = [str(n) for n in exposed]
        if cs is not None:
            # the user's environment: values the scan kept (never a secret), keys of its env files not
            # listed again (a bare key would override the file's value with the caller's)
            files = {f.path for f in cs.env_files}
            environment = _environment(v for v in cs.env if v.origin.path not in files)
            if environment:
                out["environment"] = environment
            # an optional file that was missing stays out: the compose-spec's plain list form has no
            # ``required: false``, and compose refuses a listed file that is missing
            env_files = [_rel(f.path, compose_dir, anchor) for f in cs.env_files if f.required or f.readable]
            if env_files:
                out["env_file"] = env_files
        elif env_keys:
            out["environment"] = env_keys
        port = port_for_command(e)
        if port is not None:
            # its start reads $PORT (a Procfile web behind a router): the port it is planned to serve on
            env = [x for x in out.get("environment", []) if isinstance(x, str)]  # type: ignore[attr-defined]
            if not any(x.startswith("PORT=") for x in env):
                out["environment"] = sorted([x for x in env if x != "PORT"] + [f"PORT={port}"])
        if cs is not None and cs.volumes:
            out["volumes"] = [_volume(v, compose_dir, anchor) for v in cs.volumes]
            named.update(v.source for v in cs.volumes if v.kind == "volume" and v.source)
        # a dependency that is not in this file (skipped) cannot be waited for: compose would refuse it
        deps = sorted({d for d in cs.depends_on if d in by_name} if cs else set())
        if deps:
            out["depends_on"] = {
                d: {"condition": "service_healthy" if d in by_name and _has_healthcheck(by_name[d])
                    else "service_started"}
                for d in deps
            }
        users = _users_healthcheck(cs) if cs is not None else None
        if users is not None:
            out["healthcheck"] = users
        elif e.spec is not None and e.spec.healthcheck is not None and not e.handwritten:
            h = e.spec.healthcheck
            out["healthcheck"] = _healthcheck(h.test, h.interval_s, h.timeout_s, h.start_period_s, h.retries)
        elif svc.image_from is not None and svc.image_from != svc.name and e.spec is not None:
            # a Procfile process on another service's image would inherit that image's HEALTHCHECK, which
            # checks the other service's port: a worker or clock would be reported unhealthy
            out["healthcheck"] = {"disable": True}
        if e.spec is not None and not e.handwritten:
            # the same hardening the pod spec gets; an image of the user's own may need more
            out["read_only"] = e.spec.read_only_root
            if e.spec.read_only_root:
                out["tmpfs"] = list(e.spec.writable_paths)
            out["cap_drop"] = ["ALL"]
            out["security_opt"] = ["no-new-privileges:true"]
        if cs is not None and cs.profiles:
            out["profiles"] = sorted(cs.profiles)  # a service the user starts only on demand stays so
        out["networks"] = [NETWORK]
        services[svc.name] = out
    doc: dict[str, object] = {"services": services, "networks": {NETWORK: {}}}
    if named:
        doc["volumes"] = {n: {} for n in sorted(named)}
    return doc


_PORT_VAR = re.compile(r"\$(?:PORT\b|\{PORT(?:[:?+-][^}]*)?\})")


def port_for_command(e: ComposeEntry) -> int | None:
    """The port to set as ``PORT`` when the service's start command reads ``$PORT``/``${PORT}``: its
    first planned port; None when the command does not read it or no port is known."""
    spec = e.spec
    if spec is None:
        return None
    words: Sequence[str] = spec.cmd
    if e.handwritten:
        cs = e.service.compose
        command = cs.command if cs is not None else None
        words = (command.argv or (command.shell or "",)) if command is not None else ()
    if not any(_PORT_VAR.search(w) for w in words):
        return None
    numbers = [n for n, _ in spec.ports] or [p.number for p in e.service.ports]
    return numbers[0] if numbers else None


def _mapped(p: Port) -> bool:
    """A port the compose file publishes (``ports:``; a hand-made fact without the key, when it names a
    host port)."""
    return p.compose_key == "ports" or (p.compose_key is None and p.published is not None)


def _written_ports(ports: Sequence[Port], numbers: set[int] | None) -> list[str]:
    out: list[str] = []
    for p in ports:
        if _mapped(p) and (numbers is None or p.number in numbers):
            text = _port(p.number, p.published, p.protocol, p.host_ip)
            if text not in out:
                out.append(text)
    return out


def _environment(envs: Iterator[EnvVar] | Sequence[EnvVar]) -> list[str]:
    by_key: dict[str, EnvVar] = {}
    for v in envs:
        by_key.setdefault(v.key, v)
    return [f"{k}={v.value}" if v.value is not None else k for k, v in sorted(by_key.items())]


def _volume(v: ComposeVolume, compose_dir: str, anchor: str) -> object:
    if v.kind == "raw":
        return v.raw or ""
    if v.kind == "tmpfs":
        return {"type": "tmpfs", "target": v.target}
    if not v.source:
        return v.target  # an anonymous volume
    source = v.source
    if v.kind == "bind" and not source.startswith(("/", "~")):
        source = _rel(source, compose_dir, anchor)
    opts = ",".join([o for o in ("ro" if v.read_only else "", v.mode) if o])
    return f"{source}:{v.target}" + (f":{opts}" if opts else "")


def _build(e: ComposeEntry, compose_dir: str, anchor: str) -> dict[str, object]:
    """The ``build:`` of a built service: context, Dockerfile and stage."""
    spec, cs = e.spec, e.service.compose
    assert spec is not None
    # a Dockerfile of the user's own builds from the context the user's compose file names
    context = cs.context if (e.handwritten and cs is not None and cs.context is not None) else spec.context
    build: dict[str, object] = {"context": _rel(context, compose_dir, anchor)}
    if e.dockerfile:
        build["dockerfile"] = _rel(e.dockerfile, context, anchor).removeprefix("./")
    stage = cs.target if (e.handwritten and cs and cs.target) else (
        None if e.handwritten else spec.final.name if spec.multi_stage else None)
    if stage:
        build["target"] = stage
    return build


def _image_owner(e: ComposeEntry, by_name: dict[str, ComposeEntry]) -> ComposeEntry | None:
    """The built service whose image ``e`` runs (``Service.image_from``), when it is in this file."""
    name = e.service.image_from
    owner = by_name.get(name) if name else None
    return owner if owner is not None and owner.spec is not None and owner is not e else None


def _port(number: int, published: int | None, proto: str, host_ip: str | None = None) -> str:
    text = f"{published}:{number}" if published is not None else str(number)
    if host_ip:
        address = f"[{host_ip}]" if ":" in host_ip else host_ip
        text = f"{address}:{text}" if published is not None else f"{address}::{number}"
    return text if proto == "tcp" else f"{text}/{proto}"


def render_compose(entries: Sequence[ComposeEntry], compose_dir: str = ".", anchor: str = "/repo") -> str:
    return dump_yaml(compose_document(entries, compose_dir, anchor), header=header())
