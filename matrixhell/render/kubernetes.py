"""ImageSpecs -> Kubernetes manifests: a Deployment and a Service per built service, a kustomization.

Probes are TCP checks on the port the image's HEALTHCHECK uses (an HTTP probe would need a path that
answers 2xx, which the scan cannot know).  The pod runs as the image's numeric uid, non-root, with no
privilege escalation, every capability dropped, the runtime's default seccomp profile and, where the
service allows it, a read-only root with an emptyDir on /tmp.  Environment keys come from an optional
Secret ``<service>-env``, except the literal non-secret values the compose file gives (``env_values``),
which are set as they are.  A Procfile process that runs another service's image (a worker beside its
web) is a Deployment of that image with its own ``args``, and a Service only when it has ports.

An image built from a Dockerfile of the user's own runs as that Dockerfile's USER (``ImageUser``): a
numeric one becomes ``runAsUser``; one that runs as root, or names its user (which the kubelet cannot
check against ``runAsNonRoot``), gets no ``runAsNonRoot``, so the pod starts, and an annotation
``matrixhell/run-as`` says why.  Image-only compose services (postgres, redis) are Deployments of their
image as given, with a Service for the ports the compose file or the other services' settings name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from matrixhell.model.image import ImageSpec
from matrixhell.model.service import Service
from matrixhell.render._yaml import dump_yaml
from matrixhell.render.marker import header

__all__ = ["K8S_VERSION", "ImageOnly", "ImageUser", "dns_name", "image_only", "kubernetes_documents",
           "render_kubernetes"]

NOTE = "matrixhell/note"
RUN_AS = "matrixhell/run-as"


@dataclass(frozen=True, slots=True)
class ImageUser:
    """Who an image built from a Dockerfile of the user's own runs as: the final stage's USER as written
    ("" when it sets none) and whether its base image runs as a non-root uid of its own
    (``gcr.io/distroless/...:nonroot``, ``cgr.dev/chainguard/...``)."""

    user: str = ""
    base_nonroot: bool = False

    def _parts(self) -> tuple[str, str]:
        name, _, group = self.user.partition(":")
        return name.strip(), group.strip()

    @property
    def root(self) -> bool:
        name = self._parts()[0]
        return name in ("root", "0") or (name == "" and not self.base_nonroot)

    @property
    def uid(self) -> int | None:
        name = self._parts()[0]
        return int(name) if name.isdigit() else None

    @property
    def gid(self) -> int | None:
        group = self._parts()[1]
        return int(group) if group.isdigit() else None

    @property
    def named(self) -> bool:
        """A USER given by name: ``runAsNonRoot`` cannot be verified against it."""
        name = self._parts()[0]
        return bool(name) and not name.isdigit() and name != "root"


@dataclass(frozen=True, slots=True)
class ImageOnly:
    """An image-only compose service as Kubernetes runs it: the image as given, container ports, the
    environment (literal values, or keys from the ``<name>-env`` Secret), the compose healthcheck as an
    exec probe, and notes on what compose has that the manifests do not carry."""

    name: str
    image: str
    ports: tuple[tuple[int, str], ...] = ()
    env: tuple[tuple[str, str | None], ...] = ()  # (key, literal value or None: from the Secret)
    probe: tuple[str, ...] = ()
    probe_period_s: int = 10
    scratch: tuple[str, ...] = ()  # volume targets given an emptyDir
    notes: tuple[str, ...] = field(default=())


_HOST_PORT = r"(?:^|[/@=\s,])" + "{name}" + r":(\d{{1,5}})(?![\d])"


def image_only(service: Service, others: Sequence[Service] = ()) -> ImageOnly | None:
    """``service`` (an image-only compose service) as a Deployment's content; None without an image.
    Its ports: what its compose entry lists (``ports:`` and ``expose:``), else the ``name:port`` other
    services' compose values point at (``postgres://...@db:5432/...``): compose lets containers reach any
    port, a Kubernetes Service needs it named."""
    cs = service.compose
    image = service.image or (cs.image if cs else None)
    if image is None:
        return None
    ports = {(p.number, p.protocol) for p in (cs.ports if cs else service.ports)}
    if not ports:
        pattern = re.compile(_HOST_PORT.format(name=re.escape(service.name)))
        for other in others:
            for v in (other.compose.env if other.compose else ()):
                for m in pattern.finditer(v.value or ""):
                    number = int(m.group(1))
                    if 0 < number < 65536:
                        ports.add((number, "tcp"))
    notes: list[str] = []
    env: dict[str, str | None] = {}
    scratch: list[str] = []
    if cs is not None:
        files = {f.path for f in cs.env_files}
        for v in cs.env:
            literal = v.value if (v.value is not None and "$" not in v.value and v.origin.path not in files) \
                else None
            env.setdefault(v.key, literal)
        for vol in cs.volumes:
            if vol.kind in ("volume", "tmpfs") and vol.target:
                scratch.append(vol.target)
            elif vol.kind == "bind":
                notes.append(f"compose mounts {vol.source} at {vol.target}; not carried: put it in a "
                             "ConfigMap or a volume")
            elif vol.raw:
                notes.append(f"compose volume {vol.raw} is not carried")
        if any(vol.kind == "volume" for vol in cs.volumes):
            notes.append("its volumes are emptyDir here: the data does not outlive the pod; use a "
                         "PersistentVolumeClaim or a managed service")
    if not ports:
        notes.append("no port is known, so it gets no Service: list its port under expose: in compose")
    probe = tuple(cs.healthcheck) if cs and cs.healthcheck else ()
    period = 10
    for key, text in (cs.healthcheck_options if cs else ()):
        if key == "interval" and re.fullmatch(r"\d+s", text):
            period = max(1, int(text[:-1]))
    return ImageOnly(dns_name(service.name), image, tuple(sorted(ports)), tuple(sorted(env.items())), probe,
                     period, tuple(sorted(set(scratch))), tuple(notes))

_PORT_VAR = re.compile(r"\$(?:PORT\b|\{PORT(?:[:?+-][^}]*)?\})")

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


def _env(name: str, keys: Sequence[str], values: Mapping[str, str]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for k in keys:
        if k in values:
            out.append({"name": k, "value": values[k]})
        else:
            out.append({"name": k, "valueFrom": {"secretKeyRef": {"name": f"{name}-env", "key": k,
                                                                  "optional": True}}})
    return out


def _deployment(spec: ImageSpec, project: str, own_image: bool, image: str | None = None,
                user: ImageUser | None = None, values: Mapping[str, str] | None = None) -> dict[str, object]:
    """``image``: the service whose image this one runs with its own command (a Procfile process);
    ``user``: who an image of the user's own runs as, when its Dockerfile was read."""
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
    values = dict(values or {})
    if spec.ports and "PORT" not in values and any(_PORT_VAR.search(w) for w in spec.cmd):
        # its start reads $PORT (a Procfile web): the port the container is planned to serve on
        values["PORT"] = str(spec.ports[0][0])
    keys = sorted({*spec.env_keys, *values})
    if keys:
        container["env"] = _env(name, keys, values)
    container["resources"] = {
        "requests": {"cpu": spec.cpu_request, "memory": spec.memory_request},
        "limits": {"cpu": spec.cpu_limit, "memory": spec.memory_limit},
    }
    own_port = not image or spec.healthcheck is None or spec.healthcheck.port in {n for n, _ in spec.ports}
    if spec.healthcheck is not None and own_port:
        # a process on another service's image with no port of its own (a worker, a clock) gets no probe:
        # its image's check is the other service's
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
    annotations: dict[str, str] = {}
    if own_image:
        # the uid the Dockerfile creates; an image of the user's own must set a numeric USER itself
        pod_sc.update({"runAsUser": spec.uid, "runAsGroup": spec.uid, "fsGroup": spec.uid})
    elif user is not None and (user.root or user.named):
        # runAsNonRoot would stop the container (CreateContainerConfigError): the pod runs the image as
        # its Dockerfile makes it, and says so
        del sc["runAsNonRoot"], pod_sc["runAsNonRoot"]
        if user.root:
            # an image that starts as root often drops to its own user (apache, nginx): it keeps the
            # runtime's default capabilities, as its compose service does
            del sc["capabilities"]
        annotations[RUN_AS] = (
            "root: its Dockerfile sets no non-root USER, so runAsNonRoot is not set and the runtime's "
            "default capabilities are kept; add a numeric USER"
            if user.root else
            f"{user.user}: its Dockerfile names its USER, which runAsNonRoot cannot verify, so it is not "
            "set; make the USER numeric")
    elif user is not None and user.uid is not None:
        pod_sc["runAsUser"] = user.uid
        if user.gid is not None:
            pod_sc["runAsGroup"] = user.gid
    container["securityContext"] = sc
    pod: dict[str, object] = {"automountServiceAccountToken": False, "securityContext": pod_sc,
                              "containers": [container]}
    if read_only and spec.writable_paths:
        volumes = [(f"writable-{i}", p) for i, p in enumerate(spec.writable_paths)]
        volumes = [("tmp", spec.writable_paths[0]), *volumes[1:]]
        container["volumeMounts"] = [{"name": v, "mountPath": p} for v, p in volumes]
        pod["volumes"] = [{"name": v, "emptyDir": {}} for v, _ in volumes]
    labels = _labels(spec, project)
    metadata: dict[str, object] = {"name": name, "labels": labels}
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def _service(spec: ImageSpec, project: str) -> dict[str, object]:
    return _service_doc(dns_name(spec.service), spec.ports, _labels(spec, project))


def _service_doc(name: str, ports: Sequence[tuple[int, str]], labels: dict[str, str]) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": _port_name(n, p), "port": n, "targetPort": _port_name(n, p),
                       "protocol": p.upper()} for n, p in ports],
        },
    }


def _image_only_deployment(w: ImageOnly, project: str) -> dict[str, object]:
    """A third-party image as given: it keeps its own user (postgres and redis start as root and drop
    to their own), so only what every image tolerates is imposed."""
    labels = {"app.kubernetes.io/name": w.name, "app.kubernetes.io/part-of": dns_name(project),
              "app.kubernetes.io/managed-by": "matrixhell"}
    container: dict[str, object] = {"name": w.name, "image": w.image, "imagePullPolicy": "IfNotPresent"}
    if w.ports:
        container["ports"] = [{"name": _port_name(n, p), "containerPort": n, "protocol": p.upper()}
                              for n, p in w.ports]
    if w.env:
        container["env"] = _env(w.name, [k for k, _ in w.env], {k: v for k, v in w.env if v is not None})
    container["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"},
                              "limits": {"cpu": "500m", "memory": "512Mi"}}
    if w.probe:
        container["readinessProbe"] = {"exec": {"command": list(w.probe)}, "periodSeconds": w.probe_period_s,
                                       "timeoutSeconds": 5, "failureThreshold": 3}
    container["securityContext"] = {"allowPrivilegeEscalation": False}
    pod: dict[str, object] = {"automountServiceAccountToken": False,
                              "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                              "containers": [container]}
    if w.scratch:
        vols = [(f"data-{i}", t) for i, t in enumerate(w.scratch)]
        container["volumeMounts"] = [{"name": v, "mountPath": t} for v, t in vols]
        pod["volumes"] = [{"name": v, "emptyDir": {}} for v, _ in vols]
    notes = ["an image-only service of the compose file, run from its image as given", *w.notes]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": w.name, "labels": labels, "annotations": {NOTE: "; ".join(notes)}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": w.name}},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def kubernetes_documents(specs: Sequence[ImageSpec], project: str,
                         own_images: frozenset[str] | None = None,
                         image_from: Mapping[str, str] | None = None,
                         users: Mapping[str, ImageUser] | None = None,
                         env_values: Mapping[str, Mapping[str, str]] | None = None,
                         image_only: Sequence[ImageOnly] = ()) -> dict[str, dict[str, object]]:
    """File name (inside k8s/) -> document.  ``own_images`` names the services built from a generated
    Dockerfile (all, when None): only those get the fixed uid and a read-only root.  ``image_from``
    maps a service to the one whose image it runs with its own command (a Procfile worker beside its
    web): its Deployment uses that image, and no image of its own is named.  ``users``: who the images
    of the user's own Dockerfiles run as; ``env_values``: literal values per service; ``image_only``:
    the compose file's image-only services, a Deployment (and a Service with ports) each."""
    docs: dict[str, dict[str, object]] = {}
    images = []
    present = {s.service for s in specs}
    for spec in sorted(specs, key=lambda s: s.service):
        name = dns_name(spec.service)
        owner = (image_from or {}).get(spec.service)
        if owner not in present or owner == spec.service:
            owner = None
        own = own_images is None or (owner or spec.service) in own_images
        user = (users or {}).get(owner or spec.service) if not own else None
        docs[f"{name}-deployment.yaml"] = _deployment(spec, project, own, owner, user,
                                                      (env_values or {}).get(spec.service))
        if spec.ports:  # a Service needs a port; a worker without one gets only its Deployment
            docs[f"{name}-service.yaml"] = _service(spec, project)
        if owner is None:
            images.append({"name": name, "newName": f"{dns_name(project)}-{name}", "newTag": "latest"})
    for w in sorted(image_only, key=lambda w: w.name):
        if f"{w.name}-deployment.yaml" in docs:
            continue  # a built service of the same name wins
        docs[f"{w.name}-deployment.yaml"] = _image_only_deployment(w, project)
        if w.ports:
            labels = {"app.kubernetes.io/name": w.name, "app.kubernetes.io/part-of": dns_name(project),
                      "app.kubernetes.io/managed-by": "matrixhell"}
            docs[f"{w.name}-service.yaml"] = _service_doc(w.name, w.ports, labels)
    docs["kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(k for k in docs),
        "images": images,
    }
    return docs


def render_kubernetes(specs: Sequence[ImageSpec], project: str,
                      own_images: frozenset[str] | None = None,
                      image_from: Mapping[str, str] | None = None,
                      users: Mapping[str, ImageUser] | None = None,
                      env_values: Mapping[str, Mapping[str, str]] | None = None,
                      image_only: Sequence[ImageOnly] = ()) -> dict[str, str]:
    docs = kubernetes_documents(specs, project, own_images, image_from, users, env_values, image_only)
    out: dict[str, str] = {}
    for name, doc in docs.items():
        out[name] = dump_yaml(doc, header=header() + _comments(name, doc, docs))
    return out


def _comments(name: str, doc: dict[str, object], docs: Mapping[str, dict[str, object]]) -> str:
    """Comment lines under the marker: the kustomization says what it deploys that is not built here
    and what a Deployment's notes say (``kubectl apply -k`` prints none of them)."""
    if name != "kustomization.yaml":
        return ""
    lines: list[str] = []
    for other in sorted(docs):
        meta = docs[other].get("metadata")
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        if not isinstance(annotations, dict):
            continue
        for key in (NOTE, RUN_AS):
            if key in annotations:
                lines.append(f"# {other}: {annotations[key]}")
    return "".join(f"\n{line}" for line in lines)
