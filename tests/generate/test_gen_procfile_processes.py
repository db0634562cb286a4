"""A Procfile process on its web's image: compose reuses the web's build, Kubernetes its image."""

from __future__ import annotations

import dataclasses

import yaml
from genkit import compose_validator, k8s_validate, make_service, make_target

from matrixhell.model import ComposeService, Ecosystem, Origin, PackageReq, Port, Service
from matrixhell.render.compose import ComposeEntry, compose_document, render_compose
from matrixhell.render.kubernetes import kubernetes_documents
from matrixhell.render.spec import build_spec


def _services() -> tuple[Service, Service]:
    o = Origin("compose.yaml", 2)
    reqs = tuple(PackageReq(Ecosystem.PYPI, n, f"=={v}", Origin("api/requirements.txt", i))
                 for i, (n, v) in enumerate((("gunicorn", "22.0.0"), ("celery", "5.4.0")), 1))
    cs = ComposeService("api", o, context="api", depends_on=("db",), ports=(Port(8000, published=8000),))
    api = make_service("api", path="api", ports=(8000,), files=("requirements.txt",), packages=reqs,
                       start="gunicorn app:app --bind 0.0.0.0:8000", compose=cs)
    worker = make_service("api-worker", path="api", files=("requirements.txt",), start="celery -A app worker",
                          packages=reqs, compose=dataclasses.replace(cs, name="api-worker", ports=()))
    assert isinstance(api, Service) and isinstance(worker, Service)
    return (dataclasses.replace(api, process="web"),
            dataclasses.replace(worker, process="worker", image_from="api"))


def _entries() -> list[ComposeEntry]:
    api, worker = _services()
    db = ComposeService("db", Origin("compose.yaml", 9), image="postgres:16")
    from matrixhell.model import ServiceKind

    return [
        ComposeEntry(api, build_spec(api, make_target()), "api/api.Dockerfile"),
        ComposeEntry(worker, build_spec(worker, make_target()), "api/api-worker.Dockerfile"),
        ComposeEntry(Service("db", ".", kind=ServiceKind.EXTERNAL, image="postgres:16", compose=db)),
    ]


def test_the_worker_builds_the_web_image_and_runs_its_own_command() -> None:
    doc = compose_document(_entries())
    services = doc["services"]
    assert isinstance(services, dict)
    api, worker = services["api"], services["api-worker"]
    assert worker["build"] == api["build"] == {"context": "./api", "dockerfile": "api.Dockerfile"}
    assert worker["command"] == ["celery", "-A", "app", "worker"]
    assert "command" not in api
    assert "ports" not in worker and worker["healthcheck"] == {"disable": True} and api["ports"] == ["8000:8000"]
    assert worker["depends_on"] == {"db": {"condition": "service_started"}}
    errors = list(compose_validator().iter_errors(yaml.safe_load(render_compose(_entries()))))  # type: ignore[attr-defined]
    assert errors == []


def test_without_its_web_in_the_file_the_worker_builds_its_own() -> None:
    _, worker_entry, _ = _entries()
    doc = compose_document([worker_entry])
    worker = doc["services"]["api-worker"]  # type: ignore[index]
    assert worker["build"]["dockerfile"] == "api-worker.Dockerfile" and "command" not in worker


def test_kubernetes_runs_the_web_image_with_the_worker_args() -> None:
    api, worker = _services()
    specs = [build_spec(api, make_target()), build_spec(worker, make_target())]
    docs = kubernetes_documents(specs, "shop", frozenset({"api"}), {"api-worker": "api"})
    (container,) = docs["api-worker-deployment.yaml"]["spec"]["template"]["spec"]["containers"]  # type: ignore[index]
    assert container["image"] == "api" and container["args"] == ["celery", "-A", "app", "worker"]
    assert "ports" not in container and "readinessProbe" not in container
    # the image is the web's own: the fixed uid and the read-only root apply
    pod = docs["api-worker-deployment.yaml"]["spec"]["template"]["spec"]  # type: ignore[index]
    assert pod["securityContext"]["runAsUser"] == 10001
    assert "api-worker-service.yaml" not in docs and "api-service.yaml" in docs
    kustomization = docs["kustomization.yaml"]
    assert [i["name"] for i in kustomization["images"]] == ["api"]  # type: ignore[attr-defined]
    assert "args" not in docs["api-deployment.yaml"]["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    for name, doc in docs.items():
        if name != "kustomization.yaml":
            k8s_validate(doc)


def test_an_image_from_naming_no_generated_service_is_ignored() -> None:
    _, worker = _services()
    docs = kubernetes_documents([build_spec(worker, make_target())], "shop", None, {"api-worker": "api"})
    (container,) = docs["api-worker-deployment.yaml"]["spec"]["template"]["spec"]["containers"]  # type: ignore[index]
    assert container["image"] == "api-worker" and "args" not in container
    assert [i["name"] for i in docs["kustomization.yaml"]["images"]] == ["api-worker"]  # type: ignore[attr-defined]
