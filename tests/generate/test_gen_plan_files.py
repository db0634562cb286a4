"""plan_files: layout, skips, overrides that change the release, hand-written Dockerfiles, in memory."""

from __future__ import annotations

from genkit import make_service, make_target, needs

from matrixhell.config import parse_overrides
from matrixhell.generate import _effective_target, plan_files
from matrixhell.model import Plan, ScanResult, Service, ServiceKind, Target
from matrixhell.model.overrides import Overrides
from matrixhell.render.marker import header


def _scan(*services: Service) -> ScanResult:
    return ScanResult(root=".", services=tuple(services))


def _plan(*names: str, target: Target | None = None) -> Plan:
    return Plan(targets=tuple((n, target or make_target()) for n in names), environments=(), conflicts=())


def test_layout_beside_the_code_and_shared_directories() -> None:
    web = make_service("web", path="svc", files=("requirements.txt",), start="gunicorn app:app")
    worker = make_service("worker", path="svc", files=("requirements.txt",), start="celery -A x worker")
    api = make_service("api", path="api", files=("requirements.txt",), ports=(8000,))
    gen = plan_files(_scan(api, web, worker), _plan("api", "web", "worker"), Overrides(), read=lambda p: None)
    paths = {f.path for f in gen.files}
    assert {"api/Dockerfile", "api/.dockerignore", ".matrixhell/api/config.json"} <= paths
    assert {"svc/web.Dockerfile", "svc/web.Dockerfile.dockerignore", "svc/worker.Dockerfile"} <= paths
    assert {"compose.yaml", "k8s/kustomization.yaml", "k8s/api-service.yaml"} <= paths
    ignore = next(f.text for f in gen.files if f.path == "svc/web.Dockerfile.dockerignore")
    assert "web.Dockerfile" in ignore.splitlines()


def test_an_existing_compose_file_of_the_users_own_is_not_the_target() -> None:
    api = make_service("api", files=("requirements.txt",))
    gen = plan_files(_scan(api), _plan("api"), Overrides(),
                     read=lambda p: "services: {}\n" if p == "docker-compose.yml" else None)
    assert "compose.matrixhell.yaml" in {f.path for f in gen.files}
    ours = plan_files(_scan(api), _plan("api"), Overrides(),
                      read=lambda p: header() + "\nservices: {}\n" if p == "compose.yaml" else None)
    assert "compose.yaml" in {f.path for f in ours.files}


def test_handwritten_dockerfile_is_reported_and_its_earlier_generated_one_regenerated() -> None:
    api = make_service("api", files=("requirements.txt",), ports=(8000,), dockerfile="api/Dockerfile")
    mine = "FROM python:3.9-slim-bullseye\nCOPY . .\nCMD [\"python\", \"app.py\"]\n"
    gen = plan_files(_scan(api), _plan("api"), Overrides(), read=lambda p: mine if p == "api/Dockerfile" else None)
    assert "api/Dockerfile" not in {f.path for f in gen.files}
    codes = {f.code for f in gen.findings}
    assert {"dockerfile-base-differs", "dockerfile-release-differs", "dockerfile-runs-as-root"} <= codes
    ours = header() + "\nFROM python:3.11-slim-bookworm\n"
    again = plan_files(_scan(api), _plan("api"), Overrides(), read=lambda p: ours if p == "api/Dockerfile" else None)
    assert "api/Dockerfile" in {f.path for f in again.files}, "a marked Dockerfile is ours to rewrite"


def test_missing_packages_of_a_handwritten_dockerfile() -> None:
    api = make_service("api", files=("requirements.txt",), dockerfile="api/Dockerfile")
    mine = "FROM python:3.11-slim-bookworm\nUSER 1000\nCMD [\"python\", \"app.py\"]\n"
    gen = plan_files(_scan(api), _plan("api"), Overrides(), read=lambda p: mine if p == "api/Dockerfile" else None,
                     needs_fn=lambda s, t: needs(run=("libpq5",)))  # type: ignore[arg-type,return-value]
    f = next(f for f in gen.findings if f.code == "dockerfile-missing-packages")
    assert "libpq5" in f.message
    assert "dockerfile-runs-as-root" not in {f.code for f in gen.findings}


def test_override_base_resolves_for_its_release_and_names_what_it_lacks() -> None:
    api = make_service("api", files=("requirements.txt",))
    ov = parse_overrides('[services.api]\nbase = "python:3.11-slim-bullseye"\n', "matrixhell.toml")
    seen: list[str] = []

    def needs_fn(service: object, target: Target) -> object:
        seen.append(target.release)
        return needs(run=("libssl3",) if target.release == "bookworm" else ("libssl1.1",))

    gen = plan_files(_scan(api), _plan("api"), ov, read=lambda p: None, needs_fn=needs_fn,  # type: ignore[arg-type]
                     has_package=lambda d, r, n: not (r == "bullseye" and n == "libssl3"))
    assert "bullseye" in seen
    dockerfile = next(f.text for f in gen.files if f.path == "api/Dockerfile")
    assert "libssl1.1" in dockerfile and "libssl3" not in dockerfile
    lacks = next(f for f in gen.findings if f.code == "override-base-lacks-package")
    assert "libssl3" in lacks.message and str(lacks.origin) == "matrixhell.toml:2"


def test_effective_target_of_an_override_base() -> None:
    t = _effective_target(make_target(), "python:3.12-alpine3.19")
    assert (t.distro, t.release, t.libc, t.runtime_version) == ("alpine", "3.19", "musl", "3.12")
    same = _effective_target(make_target(), "registry.example/python-custom:latest")
    assert (same.distro, same.release) == ("debian", "bookworm")


def test_skips_unknown_overrides_and_missing_targets() -> None:
    api = make_service("api", files=("requirements.txt",))
    db = Service(name="db", path=".", kind=ServiceKind.EXTERNAL, image="postgres:16")
    orphan = make_service("orphan", files=("requirements.txt",))
    ov = parse_overrides('[services.ghost]\nskip = true\n', "matrixhell.toml")
    gen = plan_files(_scan(api, db, orphan), _plan("api"), ov, read=lambda p: None)
    codes = {(f.code, f.service) for f in gen.findings}
    assert ("override-unknown-service", None) in codes and ("no-target", "orphan") in codes
    assert not any(f.service == "orphan" for f in gen.files)


def test_a_root_context_ignores_every_generated_file() -> None:
    app = make_service("app", path=".", files=("requirements.txt",))
    gen = plan_files(_scan(app), _plan("app"), Overrides(), read=lambda p: None)
    ignore = next(f.text for f in gen.files if f.path == ".dockerignore").splitlines()
    assert {"Dockerfile", ".dockerignore", "compose.yaml", "k8s", ".matrixhell"} <= set(ignore)
    sub = make_service("api", path="api", files=("requirements.txt",))
    gen = plan_files(_scan(sub), _plan("api"), Overrides(), read=lambda p: None)
    ignore = next(f.text for f in gen.files if f.path == "api/.dockerignore").splitlines()
    assert "k8s" not in ignore and "Dockerfile" in ignore


def test_an_erroneous_plan_is_said_out_loud() -> None:
    from matrixhell.model import Conflict, Severity

    api = make_service("api", files=("requirements.txt",))
    bad = Conflict("runtime-disjoint", Severity.ERROR, ("api",), "python ==3.8.* and >=3.12 have no version in common",
                   causes=())
    split = Conflict("libc-clash", Severity.ERROR, ("api", "web"), "glibc and musl", causes=())
    plan = Plan(targets=(("api", make_target()),), environments=(), conflicts=(bad, split))
    gen = plan_files(_scan(api), plan, Overrides(), read=lambda p: None)
    (f,) = [f for f in gen.findings if f.code == "plan-has-conflicts"]
    assert "no version in common" in f.message and f.service == "api", "a split between services is no news"
    assert any(g.path == "api/Dockerfile" for g in gen.files), "still generated: the plan's best effort"
