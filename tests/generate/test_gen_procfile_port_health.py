"""Procfile processes in compose and Kubernetes: ``PORT`` set for a start that reads it, no inherited
healthcheck or probe for a process without a port of its own, ``$`` kept for the container's shell."""

from __future__ import annotations

import dataclasses

import yaml
from genkit import compose_validator, k8s_validate, make_service, make_target

from matrixhell.model import Ecosystem, Origin, PackageReq, Service
from matrixhell.render.compose import ComposeEntry, compose_document, render_compose
from matrixhell.render.kubernetes import kubernetes_documents
from matrixhell.render.spec import build_spec

REQS = tuple(PackageReq(Ecosystem.PYPI, n, f"=={v}", Origin("api/requirements.txt", i))
             for i, (n, v) in enumerate((("gunicorn", "22.0.0"), ("celery", "5.4.0")), 1))


def _service(name: str, start: str, ports: tuple[int, ...] = (), process: str = "web",
             image_from: str | None = None) -> Service:
    s = make_service(name, path="api", ports=ports, files=("requirements.txt",), packages=REQS, start=start)
    assert isinstance(s, Service)
    return dataclasses.replace(s, process=process, image_from=image_from)


def _services() -> list[Service]:
    return [
        _service("api", "gunicorn app:app --bind 0.0.0.0:$PORT", (8000,)),
        _service("api-clock", "celery -A app beat", process="clock", image_from="api"),
        _service("api-admin", "gunicorn app:app --bind 0.0.0.0:${PORT}", (9000,), "admin", "api"),
    ]


def _entries() -> list[ComposeEntry]:
    return [ComposeEntry(s, build_spec(s, make_target()), f"api/{s.name}.Dockerfile") for s in _services()]


def test_compose_sets_port_for_a_start_that_reads_it() -> None:
    services = compose_document(_entries())["services"]
    assert isinstance(services, dict)
    assert "PORT=8000" in services["api"]["environment"]
    assert "PORT=9000" in services["api-admin"]["environment"]
    assert not any(str(x).startswith("PORT") for x in services["api-clock"].get("environment", []))
    # compose must not interpolate the container's $PORT away
    assert any("$${PORT}" in w for w in services["api-admin"]["command"])
    errors = list(compose_validator().iter_errors(yaml.safe_load(render_compose(_entries()))))  # type: ignore[attr-defined]
    assert errors == []


def test_a_process_without_a_port_does_not_inherit_the_image_healthcheck() -> None:
    services = compose_document(_entries())["services"]
    assert isinstance(services, dict)
    assert services["api-clock"]["healthcheck"] == {"disable": True}
    assert services["api"]["healthcheck"].get("disable") is not True


def _container(docs: dict[str, dict[str, object]], name: str) -> dict[str, object]:
    spec = docs[f"{name}-deployment.yaml"]["spec"]
    return spec["template"]["spec"]["containers"][0]  # type: ignore[index, no-any-return]


def test_kubernetes_sets_port_and_gives_a_portless_process_no_probes() -> None:
    specs = [build_spec(s, make_target()) for s in _services()]
    docs = kubernetes_documents(specs, "shop", image_from={"api-clock": "api", "api-admin": "api"})
    api, clock = _container(docs, "api"), _container(docs, "api-clock")
    assert {"name": "PORT", "value": "8000"} in api["env"]  # type: ignore[operator]
    assert {"name": "PORT", "value": "9000"} in _container(docs, "api-admin")["env"]  # type: ignore[operator]
    assert "readinessProbe" not in clock and "livenessProbe" not in clock
    assert "api-clock-service.yaml" not in docs and "api-admin-service.yaml" in docs
    for doc in docs.values():
        if doc.get("kind") != "Kustomization":
            k8s_validate(doc)
