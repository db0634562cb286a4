"""Who an image of the user's own runs as, and what the pod spec and the drift findings make of it;
and the wheel check asks with the release's glibc."""

from __future__ import annotations

import pytest
from genkit import k8s_validate, make_service, make_target

from matrixhell.generate import _drift, _knowledge_needs, nonroot_base
from matrixhell.model import Ecosystem, Origin, PackageReq, Target
from matrixhell.render.kubernetes import ImageUser, kubernetes_documents
from matrixhell.render.spec import build_spec


def _pod(user: ImageUser) -> dict[str, object]:
    spec = build_spec(make_service(files=("requirements.txt",), ports=(8000,)), make_target())  # type: ignore[arg-type]
    doc = kubernetes_documents([spec], "shop", own_images=frozenset(), users={"api": user})["api-deployment.yaml"]
    k8s_validate(doc)
    return doc


@pytest.mark.parametrize("user", [ImageUser(""), ImageUser("root"), ImageUser("0:0")])
def test_a_root_image_gets_no_run_as_non_root(user: ImageUser) -> None:
    doc = _pod(user)
    pod = doc["spec"]["template"]["spec"]  # type: ignore[index]
    assert "runAsNonRoot" not in pod["securityContext"] and "runAsUser" not in pod["securityContext"]
    assert "runAsNonRoot" not in pod["containers"][0]["securityContext"]
    assert "capabilities" not in pod["containers"][0]["securityContext"]
    assert doc["metadata"]["annotations"]["matrixhell/run-as"].startswith("root")  # type: ignore[index]


def test_a_numeric_user_becomes_run_as_user() -> None:
    pod = _pod(ImageUser("1000:2000"))["spec"]["template"]["spec"]  # type: ignore[index]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == (1000, 2000)


def test_a_named_user_is_not_checked_against_run_as_non_root() -> None:
    doc = _pod(ImageUser("app"))
    assert "runAsNonRoot" not in doc["spec"]["template"]["spec"]["securityContext"]  # type: ignore[index]
    container = doc["spec"]["template"]["spec"]["containers"][0]  # type: ignore[index]
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert "numeric" in doc["metadata"]["annotations"]["matrixhell/run-as"]  # type: ignore[index]


def test_a_nonroot_base_keeps_run_as_non_root() -> None:
    pod = _pod(ImageUser("", base_nonroot=True))["spec"]["template"]["spec"]  # type: ignore[index]
    assert pod["securityContext"]["runAsNonRoot"] is True and "runAsUser" not in pod["securityContext"]


@pytest.mark.parametrize(("ref", "nonroot"), [
    ("gcr.io/distroless/static-debian12:nonroot", True),
    ("gcr.io/distroless/base-debian12:debug-nonroot", True),
    ("gcr.io/distroless/java17-debian12:latest-nonroot", True),
    ("gcr.io/distroless/static-debian12@sha256:" + "a" * 64, False),
    ("gcr.io/distroless/static-debian12:nonroot@sha256:" + "a" * 64, True),
    ("cgr.dev/chainguard/python:latest", True),
    ("cgr.dev/chainguard/static", True),
    ("localhost:5000/nonroot", False),
    ("python:3.12-slim", False),
    ("gcr.io/distroless/static-debian12:latest", False),
])
def test_nonroot_bases(ref: str, nonroot: bool) -> None:
    assert nonroot_base(ref) is nonroot


def _drift_codes(dockerfile: str) -> set[str]:
    svc = make_service("api", "go", "", path="api", files=("go.mod",), ports=(8080,), dockerfile="api/Dockerfile")
    spec = build_spec(make_service("api", files=("requirements.txt",), ports=(8080,)), make_target())  # type: ignore[arg-type]
    return {f.code for f in _drift(svc, spec, dockerfile)}  # type: ignore[arg-type]


def test_distroless_nonroot_and_chainguard_do_not_run_as_root() -> None:
    build = "FROM golang:1.23 AS build\nRUN go build -o /app .\n"
    assert "dockerfile-runs-as-root" not in _drift_codes(
        build + "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\nCMD [\"/app\"]\n")
    assert "dockerfile-runs-as-root" not in _drift_codes(
        build + "FROM cgr.dev/chainguard/static:latest\nCOPY --from=build /app /app\nCMD [\"/app\"]\n")
    assert "dockerfile-runs-as-root" in _drift_codes(
        build + "FROM gcr.io/distroless/static-debian12\nCOPY --from=build /app /app\nCMD [\"/app\"]\n")
    assert "dockerfile-runs-as-root" in _drift_codes(
        build + "FROM gcr.io/distroless/static-debian12:nonroot\nUSER root\nCMD [\"/app\"]\n")


def test_the_wheel_check_uses_the_releases_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    """A package whose only wheel needs glibc 2.34: bookworm (2.36) installs the wheel, bullseye (2.31)
    builds from source and gets the -dev packages.  The index answers as the real one does: without a
    glibc version it assumes bookworm's, so a caller that drops the release's gets bullseye wrong."""
    import dataclasses

    import matrixhell.analyze

    asked: list[tuple[str, str | None]] = []

    def has_wheel(name: str, version: str, python: str, libc: str, libc_version: str | None = None) -> bool:
        asked.append((libc, libc_version))
        got = tuple(int(p) for p in (libc_version or "2.36").split("."))
        return got >= (2, 34)

    real = matrixhell.analyze.load_knowledge

    def fake(catalog: object) -> object:
        return dataclasses.replace(real(catalog), has_wheel=has_wheel)  # type: ignore[arg-type]

    monkeypatch.setattr(matrixhell.analyze, "load_knowledge", fake)
    pg = PackageReq(Ecosystem.PYPI, "psycopg2", "==2.9.10", origin=Origin("api/requirements.txt", 1))
    svc = make_service("api", files=("requirements.txt",), packages=(pg,))
    fn = _knowledge_needs()
    bookworm = fn(svc, Target("debian", "bookworm", "glibc", "2.36", runtime="python", runtime_version="3.11.9"))  # type: ignore[arg-type]
    bullseye = fn(svc, Target("debian", "bullseye", "glibc", "2.31", runtime="python", runtime_version="3.11.9"))  # type: ignore[arg-type]
    assert ("glibc", "2.31") in asked and ("glibc", "2.36") in asked
    assert "libpq-dev" not in {p.name for p in bookworm.build} and not bookworm.compile
    assert "libpq-dev" in {p.name for p in bullseye.build} and bullseye.compile
