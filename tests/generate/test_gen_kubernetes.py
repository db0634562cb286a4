"""Kubernetes manifests: valid per kubernetes-validate (strict, 1.30), probes, security, kustomization."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml
from genkit import K8S_VERSION, RUNTIME_CASES, k8s_validate, make_service, make_target

from matrixhell.model import Origin
from matrixhell.model.overrides import ServiceOverride
from matrixhell.render.kubernetes import dns_name, kubernetes_documents, render_kubernetes
from matrixhell.render.marker import is_generated
from matrixhell.render.spec import build_spec


def _specs() -> list[object]:
    out = []
    for runtime, (kw, version) in sorted(RUNTIME_CASES.items()):
        out.append(build_spec(make_service(f"svc-{runtime}", runtime, "", env=("API_TOKEN",), **kw),  # type: ignore[arg-type]
                              make_target(runtime, version)))
    out.append(build_spec(make_service("worker", files=("requirements.txt",), start="celery -A w worker"),
                          make_target()))
    return out


def test_the_installed_validator_ships_the_stated_version() -> None:
    import os

    base = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")
    assert f"v{K8S_VERSION}-local-strict" in os.listdir(base)


def test_every_manifest_is_valid() -> None:
    files = render_kubernetes(_specs(), "shop")  # type: ignore[arg-type]
    checked = 0
    for name, text in files.items():
        assert is_generated(name, text)
        doc = yaml.safe_load(text)
        if doc["kind"] == "Kustomization":
            continue
        k8s_validate(doc)
        checked += 1
    assert checked == 2 * len(RUNTIME_CASES) + 1, "a Deployment and a Service each, the worker no Service"


def test_the_validator_rejects_a_bad_manifest() -> None:
    docs = kubernetes_documents(_specs(), "shop")  # type: ignore[arg-type]
    dep = docs["svc-python-deployment.yaml"]
    dep["spec"]["replicas"] = "one"  # type: ignore[index]
    with pytest.raises(kubernetes_validate.ValidationError):
        k8s_validate(dep)


def test_security_context_matches_the_dockerfile_uid() -> None:
    docs = kubernetes_documents(_specs(), "shop")  # type: ignore[arg-type]
    pod = docs["svc-python-deployment.yaml"]["spec"]["template"]["spec"]  # type: ignore[index]
    assert pod["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"},
                                      "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001}
    c = pod["containers"][0]
    assert c["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                    "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}
    assert c["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {}}]
    assert pod["automountServiceAccountToken"] is False


def test_probes_come_from_the_healthcheck_port() -> None:
    docs = kubernetes_documents(_specs(), "shop")  # type: ignore[arg-type]
    c = docs["svc-node-deployment.yaml"]["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert c["readinessProbe"]["tcpSocket"] == {"port": 3000}
    assert c["livenessProbe"]["tcpSocket"] == {"port": 3000}
    worker = docs["worker-deployment.yaml"]["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert "readinessProbe" not in worker and "ports" not in worker


def test_resources_and_secret_backed_env() -> None:
    docs = kubernetes_documents(_specs(), "shop")  # type: ignore[arg-type]
    c = docs["svc-java-deployment.yaml"]["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert c["resources"] == {"requests": {"cpu": "250m", "memory": "256Mi"},
                              "limits": {"cpu": "1", "memory": "1Gi"}}
    assert c["env"] == [{"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {
        "name": "svc-java-env", "key": "API_TOKEN", "optional": True}}}]


def test_overrides_set_resources_and_writable_root() -> None:
    ov = ServiceOverride("api", Origin("matrixhell.toml", 1), read_only_root=False, cpu="2", memory="2Gi")
    spec = build_spec(make_service(files=("requirements.txt",), ports=(8000,)), make_target(), None, ov)
    doc = kubernetes_documents([spec], "shop")["api-deployment.yaml"]
    k8s_validate(doc)
    c = doc["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert c["securityContext"]["readOnlyRootFilesystem"] is False and "volumeMounts" not in c
    assert c["resources"]["limits"] == {"cpu": "2", "memory": "2Gi"}


def test_frameworks_writing_their_app_dir_are_not_read_only() -> None:
    spec = build_spec(make_service("web", "ruby", "", files=("Gemfile",), frameworks=("rails",)),
                      make_target("ruby", "3.3.1"))
    assert spec.read_only_root is False


def test_images_of_the_users_own_get_no_fixed_uid() -> None:
    spec = build_spec(make_service(files=("requirements.txt",), ports=(8000,)), make_target())
    doc = kubernetes_documents([spec], "shop", own_images=frozenset())["api-deployment.yaml"]
    pod = doc["spec"]["template"]["spec"]  # type: ignore[index]
    assert "runAsUser" not in pod["securityContext"] and pod["securityContext"]["runAsNonRoot"] is True
    assert pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is False
    k8s_validate(doc)


def test_kustomization_lists_every_resource_and_image() -> None:
    docs = kubernetes_documents(_specs(), "My Shop")  # type: ignore[arg-type]
    k = docs["kustomization.yaml"]
    assert k["resources"] == sorted(n for n in docs if n != "kustomization.yaml")
    assert {"name": "worker", "newName": "my-shop-worker", "newTag": "latest"} in k["images"]  # type: ignore[operator]


def test_names_are_dns_labels() -> None:
    assert dns_name("Orders.Api") == "orders-api"
    assert dns_name("__x__") == "x"
    assert len(dns_name("a" * 80)) == 63
