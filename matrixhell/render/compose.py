"""The repository's services -> one compose file (compose-spec).

Built services get a build context and Dockerfile relative to where the compose file is written, the
stage to build, ports, environment keys (never values: ``- KEY`` passes the caller's value through),
depends_on (``service_healthy`` where the dependency has a healthcheck), a shared network and the same
hardening the Kubernetes manifests get.  Image-only services keep their ``image:``.  A Procfile process
that runs another service's image (``Service.image_from``: ``api-worker`` beside ``api``) gets that
service's ``build:`` and its own ``command:``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from matrixhell.model.image import ImageSpec
from matrixhell.model.service import Service, ServiceKind
from matrixhell.render._yaml import dump_yaml
from matrixhell.render.marker import header

__all__ = ["NETWORK", "ComposeEntry", "compose_document", "published_ports", "render_compose"]

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
    for e in sorted(entries, key=lambda e: e.service.name):
        svc = e.service
        cs = svc.compose
        out: dict[str, object] = {}
        if svc.kind is ServiceKind.EXTERNAL or e.spec is None:
            image = svc.image or (cs.image if cs else None)
            if image is None:
                continue
            out["image"] = image
            ports = sorted({(p.number, p.published, p.protocol) for p in (cs.ports if cs else svc.ports)},
                           key=lambda t: (t[0], t[1] or 0, t[2]))
            published = [_port(n, pub, proto) for n, pub, proto in ports if pub is not None]
            env_keys = sorted({v.key for v in (*svc.env, *(cs.env if cs else ()))})
        else:
            spec = e.spec
            owner = _image_owner(e, by_name)
            out["build"] = _build(owner or e, compose_dir, anchor)
            proto_of = dict(spec.ports)
            published = [_port(n, pub, proto_of.get(n, "tcp")) for n, pub in host_ports[svc.name]]
            env_keys = list(spec.env_keys)
            if owner is not None:
                # a Procfile process on its main service's image: the same build (every layer is a cache
                # hit of that one), its own command
                out["command"] = list(spec.cmd)
        if cs is not None and cs.command is not None and (e.handwritten or e.spec is None):
            # the user's own image keeps the command the user's compose file gives it (one Dockerfile
            # may serve a web and a worker service); a generated image has its own CMD
            out["command"] = list(cs.command.argv) if cs.command.argv else cs.command.shell
        if published:
            out["ports"] = published
        if env_keys:
            out["environment"] = env_keys
        # a dependency that is not in this file (skipped) cannot be waited for: compose would refuse it
        deps = sorted({d for d in cs.depends_on if d in by_name} if cs else set())
        if deps:
            out["depends_on"] = {
                d: {"condition": "service_healthy" if d in by_name and _has_healthcheck(by_name[d])
                    else "service_started"}
                for d in deps
            }
        if cs is not None and cs.healthcheck:
            out["healthcheck"] = _healthcheck(cs.healthcheck)
        elif e.spec is not None and e.spec.healthcheck is not None and not e.handwritten:
            h = e.spec.healthcheck
            out["healthcheck"] = _healthcheck(h.test, h.interval_s, h.timeout_s, h.start_period_s, h.retries)
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
    return {"services": services, "networks": {NETWORK: {}}}


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


def _port(number: int, published: int | None, proto: str) -> str:
    text = f"{published}:{number}" if published is not None else str(number)
    return text if proto == "tcp" else f"{text}/{proto}"


def render_compose(entries: Sequence[ComposeEntry], compose_dir: str = ".", anchor: str = "/repo") -> str:
    return dump_yaml(compose_document(entries, compose_dir, anchor), header=header())
