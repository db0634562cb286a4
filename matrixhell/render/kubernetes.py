"""ImageSpecs -> Kubernetes manifests: a Deployment and a Service per built service, a kustomization.

Probes are TCP checks on the port the image's HEALTHCHECK uses (an HTTP probe would need a path that
answers 2xx, which the scan cannot know).  The pod runs as the image's numeric uid, non-root, with no
privilege escalation, every capability dropped, the runtime's default seccomp profile and, where the
service allows it, a read-only root with an emptyDir on /tmp.  Environment keys come from an optional
Secret ``<service>-env``: values never appear in the manifests.  A Procfile process that runs another
service's image (a worker beside its web) is a Deployment of that image with its own ``args``, and a
Service only when it has ports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from matrixhell.model.image import ImageSpec
from matrixhell.render._yaml import dump_yaml
from matrixhell.render.marker import header

__all__ = ["K8S_VERSION", "dns_name", "kubernetes_documents", "render_kubernetes"]

K8S_VERSION = "1.30.0"  # the API version the manifests are validated against (docs/generate.md)


def dns_name(name: str) -> str:
    """An RFC 1123 label: lowercase alphanumerics and '-', at most 63 characters."""
    out = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63].strip("-")
    return out or "service"


def _labels(spec: ImageSpec, project: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": dns_name(spec.service), "app.kubernetes.io/part-of": dns_name(project),
            "app.kubernetes.io/managed-by": "matrixhell"}


def _port_name(number: int, proto: str) -> str:
    return f"{proto}-{number}"


def _deployment(spec: ImageSpec, project: str, own_image: bool, image: str | None = None) -> dict[str, object]:
    """``image``: the service whose image this one runs with its own command (a Procfile process)."""
    name = dns_name(spec.service)
    container: dict[str, object] = {
        "name": name,
        "image": dns_name(image) if image else name,
        "imagePullPolicy": "IfNotPresent",
    }
    if image:
        container["args"] = list(spec.cmd)  # replaces the image's CMD, as compose's command does
    if spec.ports:
        container["ports"] = [{"name": _port_name(n, p), "containerPort": n, "protocol": p.upper()}
                              for n, p in spec.ports]
    if spec.env_keys:
        container["env"] = [{"name": k, "valueFrom": {"secretKeyRef": {"name": f"{name}-env", "key": k,
                                                                         "optional": True}}}
                            for k in spec.env_keys]
    container["resources"] = {
        "requests": {"cpu": spec.cpu_request, "memory": spec.memory_request},
        "limits": {"cpu": spec.cpu_limit, "memory": spec.memory_limit},
    }
    if spec.healthcheck is not None:
        port = spec.healthcheck.port
        container["readinessProbe"] = {"tcpSocket": {"port": port}, "initialDelaySeconds": 5,
                                       "periodSeconds": 10, "timeoutSeconds": spec.healthcheck.timeout_s,
                                       "failureThreshold": 3}
        container["livenessProbe"] = {"tcpSocket": {"port": port},
                                      "initialDelaySeconds": spec.healthcheck.start_period_s,
                                      "periodSeconds": 20, "timeoutSeconds": spec.healthcheck.timeout_s,
                                      "failureThreshold": spec.healthcheck.retries}
    read_only = spec.read_only_root and own_image
    sc: dict[str, object] = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": read_only,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    pod_sc: dict[str, object] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    if own_image:
        # the uid the Dockerfile creates; an image of the user's own must set a numeric USER itself
        pod_sc.update({"runAsUser": spec.uid, "runAsGroup": spec.uid, "fsGroup": spec.uid})
    container["securityContext"] = sc
    pod: dict[str, object] = {"automountServiceAccountToken": False, "securityContext": pod_sc,
                              "containers": [container]}
    if read_only and spec.writable_paths:
        volumes = [(f"writable-{i}", p) for i, p in enumerate(spec.writable_paths)]
        volumes = [("tmp", spec.writable_paths[0]), *volumes[1:]]
        container["volumeMounts"] = [{"name": v, "mountPath": p} for v, p in volumes]
        pod["volumes"] = [{"name": v, "emptyDir": {}} for v, _ in volumes]
    labels = _labels(spec, project)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def _service(spec: ImageSpec, project: str) -> dict[str, object]:
    name = dns_name(spec.service)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": _labels(spec, project)},
        "spec": {
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": _port_name(n, p), "port": n, "targetPort": _port_name(n, p),
                       "protocol": p.upper()} for n, p in spec.ports],
        },
    }


def kubernetes_documents(specs: Sequence[ImageSpec], project: str,
                         own_images: frozenset[str] | None = None,
                         image_from: Mapping[str, str] | None = None) -> dict[str, dict[str, object]]:
    """File name (inside k8s/) -> document.  ``own_images`` names the services built from a generated
    Dockerfile (all, when None): only those get the fixed uid and a read-only root.  ``image_from``
    maps a service to the one whose image it runs with its own command (a Procfile worker beside its
    web): its Deployment uses that image, and no image of its own is named."""
    docs: dict[str, dict[str, object]] = {}
    images = []
    present = {s.service for s in specs}
    for spec in sorted(specs, key=lambda s: s.service):
        name = dns_name(spec.service)
        owner = (image_from or {}).get(spec.service)
        if owner not in present or owner == spec.service:
            owner = None
        own = own_images is None or (owner or spec.service) in own_images
        docs[f"{name}-deployment.yaml"] = _deployment(spec, project, own, owner)
        if spec.ports:  # a Service needs a port; a worker without one gets only its Deployment
            docs[f"{name}-service.yaml"] = _service(spec, project)
        if owner is None:
            images.append({"name": name, "newName": f"{dns_name(project)}-{name}", "newTag": "latest"})
    docs["kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(k for k in docs),
        "images": images,
    }
    return docs


def render_kubernetes(specs: Sequence[ImageSpec], project: str,
                      own_images: frozenset[str] | None = None,
                      image_from: Mapping[str, str] | None = None) -> dict[str, str]:
    return {name: dump_yaml(doc, header=header())
            for name, doc in kubernetes_documents(specs, project, own_images, image_from).items()}
